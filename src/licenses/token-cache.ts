/**
 * Remembers license tokens whose Ed25519 signature already held, so that a
 * client validating the same `license_key` again (every start, every few
 * hours) does not pay the verification again: on this machine it is ~135 µs
 * of the main thread, a whole Express request's worth.
 *
 * Safe because a token is immutable: its signature either holds or not, for
 * ever. What can change is whether its kid is still trusted, so a hit is
 * returned only while `trusted(kid)` still answers a key; everything else a
 * validation decides (revocation, suspension, expiry, machine) comes from
 * the database row at every request, cached token or not.
 *
 * Entries are keyed by the SHA-256 of the token (44 base64 characters, not
 * the ~450-character token) and hold only the claims validation reads:
 * about 250 bytes each, so the default 50,000 entries stay under ~13 MB.
 * Least recently used entries go first (lru-cache).
 */
import crypto from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { verifyLicenseTokenAsync, type LicenseType } from '../crypto/index.js';

/** What validation and heartbeat read of a verified token (keyfile-v1.md §License token payload). */
export interface TokenClaims {
  /** The issuer key's kid, 16 hex characters. */
  kid: string;
  /** `license_id`: the license's public id (a UUID). */
  licenseId: string;
  /** `product`: the product code. */
  product: string;
  licenseType: LicenseType;
  /** `expires_at` exactly as in the token (RFC 3339), null for lifetime. */
  expiresAt: string | null;
}

export class VerifiedTokenCache {
  private readonly cache: LRUCache<string, TokenClaims> | null;

  /**
   * @param trusted the public key of a trusted kid (hex), or null (IssuerKeys.trusted)
   * @param max entries kept; 0 turns the cache off (every token verified)
   */
  constructor(private readonly trusted: (kidHex: string) => Uint8Array | null, max = 50_000) {
    this.cache = max > 0 ? new LRUCache<string, TokenClaims>({ max }) : null;
  }

  /**
   * The claims of `token` when its signature holds under a trusted kid, else
   * null (malformed, unknown kid, bad signature, a payload without a string
   * `license_id` of at most 36 characters). The signature is checked on the
   * thread pool (verifyLicenseTokenAsync). Never rejects.
   */
  async claims(token: string): Promise<TokenClaims | null> {
    const key = this.cache ? crypto.hash('sha256', token, 'base64') : '';
    const hit = this.cache?.get(key);
    if (hit) return this.trusted(hit.kid) ? hit : null;
    let verified;
    try {
      verified = await verifyLicenseTokenAsync(token, { trustedKey: this.trusted });
    } catch {
      return null;
    }
    const p = verified.payload;
    if (typeof p.license_id !== 'string' || p.license_id.length > 36 || typeof p.product !== 'string') return null;
    const claims: TokenClaims = {
      kid: verified.kid,
      licenseId: p.license_id,
      product: p.product,
      licenseType: p.license_type,
      expiresAt: typeof p.expires_at === 'string' ? p.expires_at : null,
    };
    this.cache?.set(key, claims);
    return claims;
  }

  /** Entries held now (for tests and the bench). */
  get size(): number {
    return this.cache?.size ?? 0;
  }
}
