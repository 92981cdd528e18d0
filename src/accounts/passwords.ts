/**
 * Password hashing and policy.
 *
 * - argon2id with m = 19456 KiB, t = 2, p = 1: the OWASP Password Storage
 *   Cheat Sheet minimum (argon2's own default, 64 MiB a hash, is too much
 *   for a small VPS); at most 4 hashes are computed at once (a semaphore),
 *   so a burst of logins costs at most ~80 MB.
 * - Policy (ASVS 5.0 §6.2, NIST SP 800-63B §3.1.1.2): 12 to 128 characters,
 *   not in a list of common passwords (the `passwords-common` dictionary of
 *   @zxcvbn-ts/language-common), no composition rules.
 * - `verifyDummy` spends the same work for an unknown e-mail as for a known
 *   one, so timing does not tell whether an account exists.
 */
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import argon2 from 'argon2';

export const ARGON2_OPTIONS = Object.freeze({ type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;
const MAX_CONCURRENT = 4;

// Loaded on first use (~8 MB): an idle server that checks no password does not carry it.
let common: Set<string> | null = null;
function commonPasswords(): Set<string> {
  if (!common) {
    const { dictionary } = createRequire(import.meta.url)('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
    common = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  }
  return common;
}

let running = 0;
const waiting: (() => void)[] = [];

async function limited<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve));
  running += 1;
  try {
    return await work();
  } finally {
    running -= 1;
    waiting.shift()?.();
  }
}

/** Hash a password (argon2id, PHC string with the parameters inside). */
export function hashPassword(password: string): Promise<string> {
  return limited(() => argon2.hash(password, ARGON2_OPTIONS));
}

/** Whether `password` matches `hash`; false (never a throw) for a malformed hash. */
export function verifyPassword(hash: string, password: string): Promise<boolean> {
  return limited(() => argon2.verify(hash, password).catch(() => false));
}

let dummyHash: Promise<string> | null = null;

/** Spend one verification's work on nothing (unknown e-mail); always false. */
export async function verifyDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword(crypto.randomBytes(18).toString('base64'));
  await verifyPassword(await dummyHash, password);
  return false;
}

/** The policy problem of a new password as an i18n key, or null when acceptable. */
export function passwordProblem(password: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN) return 'accounts.errors.password_short';
  if (length > PASSWORD_MAX) return 'accounts.errors.password_long';
  if (commonPasswords().has(password.toLowerCase())) return 'accounts.errors.password_common';
  return null;
}
