/**
 * A license's token and remaining days: pure functions of its row (no I/O),
 * used by the API answers and the admin pages.
 */
import { encodeLicensePayload, rfc3339, signLicenseToken, type LicenseType, type SigningKey } from '../crypto/index.js';

export const DAY_MS = 86_400_000;

/** The fields of a license token, camel-cased (a LicenseRow plus its product code). */
export interface LicenseTokenFields {
  publicId: string;
  productCode: string;
  machineId: string;
  licenseType: LicenseType;
  email: string;
  issuedAt: Date;
  expiresAt: Date | null;
}

/**
 * The license token (`ANDL1.…`, keyfile-v1.md §License token) of a license,
 * signed by `signer` (normally `keys.active`). Deterministic: the same row
 * gives the same token (Ed25519), so it can be shown again at any time;
 * dates are RFC 3339 UTC without fraction.
 */
export function licenseToken(row: LicenseTokenFields, signer: SigningKey): string {
  return signLicenseToken(encodeLicensePayload({
    product: row.productCode,
    license_id: row.publicId,
    machine_id: row.machineId,
    license_type: row.licenseType,
    email: row.email,
    issued_at: rfc3339(row.issuedAt),
    expires_at: row.expiresAt ? rfc3339(row.expiresAt) : null,
  }), signer);
}

/**
 * Whole days from `now` until `expiresAt` (0 on the last day and after); null
 * for a lifetime license. `now` counts in whole seconds, as license dates do,
 * so a 30-day trial answers 30 on the request that created it, not 29.
 */
export function daysRemaining(expiresAt: Date | null, now: Date): number | null {
  if (!expiresAt) return null;
  return Math.max(0, Math.floor((expiresAt.getTime() - wholeSeconds(now).getTime()) / DAY_MS));
}

/** Dates in tokens have no fraction: keep the row's dates on whole seconds too, so both are the same instant. */
export function wholeSeconds(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}
