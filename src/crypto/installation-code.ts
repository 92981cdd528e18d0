/**
 * Installation Codes (subscription/keyfile-v1.md §Installation Code):
 * bytes = X25519 public key (32) || SHA-512(public key)[0..2] (34 bytes);
 * text = RFC 4648 base32 (A–Z 2–7), no padding, 55 characters whose last
 * 3 bits are zero, shown as 11 groups of 5 joined by `-`.
 */
import { InstallationCodeError } from './errors.js';
import { sha512 } from './primitives.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export const CODE_LENGTH = 55;

function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

function checksum(publicKey: Uint8Array): Buffer {
  return sha512(publicKey).subarray(0, 2);
}

/** The compact code (55 characters, no dashes) of an installation public key (32 bytes). */
export function installationCode(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new TypeError('an installation public key is 32 bytes');
  return base32(Buffer.concat([publicKey, checksum(publicKey)]));
}

/** The code as shown to people: 11 groups of 5 joined by `-`. */
export function formatInstallationCode(compact: string): string {
  return compact.match(/.{1,5}/g)!.join('-');
}

/** Drop spaces, tabs and dashes, upper-case (spec: parsing). */
export function normaliseInstallationCode(text: string): string {
  return text.replace(/[ \t-]/g, '').toUpperCase();
}

/**
 * Parse a typed code into its public key (32 bytes) and compact text.
 * @throws InstallationCodeError LENGTH | CHARACTER | PADDING | CHECKSUM, checked in that order.
 */
export function parseInstallationCode(text: string): { publicKey: Buffer; code: string } {
  const code = normaliseInstallationCode(text);
  if (code.length !== CODE_LENGTH) throw new InstallationCodeError('INSTALLATION_CODE_LENGTH');
  const bytes = Buffer.alloc(34);
  let buffer = 0;
  let bits = 0;
  let i = 0;
  for (const ch of code) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) throw new InstallationCodeError('INSTALLATION_CODE_CHARACTER');
    buffer = (buffer << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bytes[i++] = (buffer >>> (bits - 8)) & 0xff;
      bits -= 8;
      buffer &= (1 << bits) - 1;
    }
  }
  if (buffer !== 0) throw new InstallationCodeError('INSTALLATION_CODE_PADDING');
  const publicKey = bytes.subarray(0, 32);
  if (!checksum(publicKey).equals(bytes.subarray(32))) throw new InstallationCodeError('INSTALLATION_CODE_CHECKSUM');
  return { publicKey: Buffer.from(publicKey), code };
}
