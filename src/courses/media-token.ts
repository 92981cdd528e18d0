/**
 * Signed media URLs of lessons: `/courses/media/<token>`, where the token is
 * `<lesson id>.<account id>.<expiry, Unix seconds>.<mac>` and mac is the
 * base64url HMAC-SHA256 of the first three parts under a key derived from
 * the session secret (HKDF-SHA256, info `course-media`: a key of its own,
 * so a media MAC is never a valid session signature nor the reverse).
 * Valid DOWNLOAD_LINK_MINUTES (15 by default) from the lesson page's
 * rendering; checked with timingSafeEqual. Pure: the clock is passed in.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** The default validity of a media URL, minutes (config DOWNLOAD_LINK_MINUTES). */
export const MEDIA_LINK_MINUTES = 15;

export interface MediaClaim {
  lessonId: number;
  accountId: number;
  /** Expiry, Unix seconds. */
  expires: number;
}

const TOKEN = /^([1-9]\d{0,9})\.([1-9]\d{0,9})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

/** The media key derived from `secret`. */
export function mediaKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), Buffer.from('course-media'), 32));
}

function mac(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(payload).digest();
}

/** A token for `lessonId` and `accountId`, valid `minutes` from `now`. */
export function signMedia(key: Buffer, lessonId: number, accountId: number, now: Date, minutes: number): string {
  const payload = `${lessonId}.${accountId}.${Math.floor(now.getTime() / 1000) + minutes * 60}`;
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

/** The claim of a well-formed, authentic, unexpired token; null otherwise (altered, expired, garbage). */
export function verifyMedia(key: Buffer, token: string, now: Date): MediaClaim | null {
  const m = TOKEN.exec(token);
  if (!m) return null;
  const given = Buffer.from(m[4]!, 'base64url');
  const expected = mac(key, `${m[1]}.${m[2]}.${m[3]}`);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const claim = { lessonId: Number(m[1]), accountId: Number(m[2]), expires: Number(m[3]) };
  return claim.expires * 1000 > now.getTime() ? claim : null;
}
