/**
 * The codes a license carries (one list each, for the API, the admin pages
 * and their filters): its state, its type (license-token.ts in src/crypto
 * defines the type union signed in tokens), the origin of an activation,
 * the state changes an admin makes, and what the service's calls answer.
 */
import type { LicenseType } from '../crypto/index.js';
import { AppError, ERR } from '../errors/index.js';
import type { LicenseRow } from './licenses.repository.js';
import type { Product } from './products.repository.js';

export const LICENSE_STATES = ['active', 'suspended', 'revoked'] as const;
export type LicenseState = (typeof LICENSE_STATES)[number];

export const LICENSE_TYPES = ['trial', 'monthly', 'annual', 'lifetime'] as const satisfies readonly LicenseType[];
export const PAID_LICENSE_TYPES = ['monthly', 'annual', 'lifetime'] as const satisfies readonly LicenseType[];
export type PaidLicenseType = (typeof PAID_LICENSE_TYPES)[number];

/** How a machine came to a license (`license_activations.kind`): its trial, an activation code, a validation from a new machine. */
export const ACTIVATION_KINDS = ['trial', 'activation', 'validation'] as const;
export type ActivationKind = (typeof ACTIVATION_KINDS)[number];

/** The state changes an admin makes: from which states, to which, the audit action. */
export const LICENSE_CHANGES = {
  revoke: { from: ['active', 'suspended'], to: 'revoked', action: 'license.revoked' },
  suspend: { from: ['active'], to: 'suspended', action: 'license.suspended' },
  reinstate: { from: ['suspended', 'revoked'], to: 'active', action: 'license.reinstated' },
} as const satisfies Record<string, { from: readonly LicenseState[]; to: LicenseState; action: string }>;
export type LicenseChange = keyof typeof LICENSE_CHANGES;

/** A license just created (trial or activation) with its product and token. */
export interface IssuedLicense {
  license: LicenseRow;
  product: Product;
  token: string;
}

/** Why a validation says `valid:false`. */
export type RefusalCode =
  | typeof ERR.LICENSE_NOT_FOUND
  | typeof ERR.LICENSE_REVOKED
  | typeof ERR.LICENSE_EXPIRED
  | typeof ERR.MACHINE_MISMATCH
  | typeof ERR.TOO_MANY_ACTIVATIONS;

/** The verdict of a validation. `freshToken`: a new token when the row's expiry differs from the given token's. */
export type Validation =
  | { valid: true; license: LicenseRow; product: Product; freshToken: string | null }
  | { valid: false; error: RefusalCode; license: LicenseRow | null; product: Product | null };

/** 409 TRIAL_ALREADY_EXISTS; `existing` is the trial that blocks (its dates go in `existing_license`). */
export class TrialExistsError extends AppError {
  constructor(readonly existing: LicenseRow) {
    super(409, ERR.TRIAL_ALREADY_EXISTS, 'A trial of this product already exists for this machine or e-mail address');
  }
}
