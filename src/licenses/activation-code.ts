/**
 * Activation codes: `XXXX-XXXX-XXXX-XXXX`, 15 random characters and one
 * check character, from an alphabet without look-alikes (Crockford's base32
 * without 0 and 1, so no O/0, I/1/L, U: 30 characters, ~73.6 bits of
 * randomness). The check character is Luhn mod N (N = 30) over the other 15,
 * so any single mistyped character and most swaps of two neighbours are
 * caught before the database is asked.
 */
import crypto from 'node:crypto';

export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
const N = CODE_ALPHABET.length;

/** Luhn mod N check character of `body` (characters of CODE_ALPHABET). */
export function checkCharacter(body: string): string {
  let factor = 2;
  let sum = 0;
  for (let i = body.length - 1; i >= 0; i--) {
    let addend = factor * CODE_ALPHABET.indexOf(body[i]!);
    factor = factor === 2 ? 1 : 2;
    addend = Math.floor(addend / N) + (addend % N);
    sum += addend;
  }
  return CODE_ALPHABET[(N - (sum % N)) % N]!;
}

/** A new random code (crypto.randomInt: unbiased), formatted `XXXX-XXXX-XXXX-XXXX`. */
export function generateActivationCode(): string {
  let body = '';
  for (let i = 0; i < 15; i++) body += CODE_ALPHABET[crypto.randomInt(N)];
  const code = body + checkCharacter(body);
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8, 12)}-${code.slice(12)}`;
}

/**
 * The canonical form of a typed code (upper case, spaces and dashes dropped,
 * then grouped by 4), or null when it is not 16 characters of the alphabet
 * with a correct check character.
 */
export function parseActivationCode(text: unknown): string | null {
  if (typeof text !== 'string' || text.length > 40) return null;
  const flat = text.toUpperCase().replace(/[\s-]/g, '');
  if (flat.length !== 16 || [...flat].some((c) => !CODE_ALPHABET.includes(c))) return null;
  if (checkCharacter(flat.slice(0, 15)) !== flat[15]) return null;
  return `${flat.slice(0, 4)}-${flat.slice(4, 8)}-${flat.slice(8, 12)}-${flat.slice(12)}`;
}
