/**
 * Signed, expiring download links for releases restricted to license holders:
 * `/downloads/signed/<token>`, token = `<payload>.<mac>` in base64url, the
 * payload `v1|<release id>|<account id>|<expiry, unix seconds>|<ip or ->`, the
 * MAC HMAC-SHA256 (RFC 2104) of the payload under a key derived from the
 * session secret for this one use (HMAC("download-links", secret)), compared
 * in constant time. A link names one release for one account until its expiry
 * (DOWNLOAD_LINK_MINUTES), and, when asked, one client IP address.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface LinkClaims {
  releaseId: number;
  accountId: number;
  /** Unix seconds. */
  expiresAt: number;
  /** The client address the link is locked to, or null. */
  ip: string | null;
}

/** Why a link is refused: altered or unreadable, expired, used from another address. */
export type LinkRefusal = 'invalid' | 'expired' | 'other_ip';

export class DownloadLinks {
  private readonly key: Buffer;

  constructor(secret: string, private readonly minutes: number) {
    this.key = createHmac('sha256', secret).update('download-links').digest();
  }

  /** A token for `releaseId` and `accountId`, valid `minutes` from `now`, locked to `ip` when given. */
  sign(releaseId: number, accountId: number, now: Date, ip: string | null = null): string {
    const expiresAt = Math.floor(now.getTime() / 1000) + this.minutes * 60;
    const payload = Buffer.from(`v1|${releaseId}|${accountId}|${expiresAt}|${ip ?? '-'}`).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  /** The claims of `token` if its MAC holds, it has not expired at `now` and (when locked) `ip` is its address. */
  verify(token: string, now: Date, ip: string): { ok: true; claims: LinkClaims } | { ok: false; reason: LinkRefusal } {
    const m = /^([A-Za-z0-9_-]{8,200})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return { ok: false, reason: 'invalid' };
    const expected = Buffer.from(this.mac(m[1]!));
    if (!timingSafeEqual(expected, Buffer.from(m[2]!))) return { ok: false, reason: 'invalid' };
    const parts = Buffer.from(m[1]!, 'base64url').toString('utf8').split('|');
    if (parts.length !== 5 || parts[0] !== 'v1' || !parts.slice(1, 4).every((p) => /^\d{1,12}$/.test(p))) return { ok: false, reason: 'invalid' };
    const claims = { releaseId: Number(parts[1]), accountId: Number(parts[2]), expiresAt: Number(parts[3]), ip: parts[4] === '-' ? null : parts[4]! };
    if (Math.floor(now.getTime() / 1000) > claims.expiresAt) return { ok: false, reason: 'expired' };
    if (claims.ip !== null && claims.ip !== ip) return { ok: false, reason: 'other_ip' };
    return { ok: true, claims };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
