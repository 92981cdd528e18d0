/**
 * The portal endpoints a client uses, with their responses checked:
 *
 *   GET <base>/.well-known/artisan-nd/keys.json                (spec §Keys)
 *     → {"keys":[{"kid":"<16 hex>","alg":"Ed25519","public_key":"<base64>","status":"active|retired","created_at":"…"}]}
 *   POST <base>/api/v1/installations/<compact code>/challenge
 *     → {"challenge":"<base64: epk 32 || nonce 24 || box>","expires_at":"…"}
 *   GET <base>/api/v1/installations/<compact code>/keyfiles?after_serial=<N>
 *       X-Installation-Proof: <base64 of the opened challenge>
 *     → {"keyfiles":[{"serial":7,"id":"<uuid>","file":"<base64 of the .bin>"}]}
 *
 * The proof shows the portal that this installation holds the secret key of
 * its code: only then does it hand out the files (and count them delivered).
 * Every failure is a KeytoolError (exit 1) whose message names the URL.
 */
import { kidOf, openChallenge } from '../crypto/index.js';
import { KeytoolError, type TrustedKey } from './state.js';

/** The fetch function used (global fetch of Node ≥ 20; tests may pass another). */
export type FetchFn = typeof fetch;

/** One key file offered by the portal; `file` is the raw .bin (untrusted until applied). */
export interface OfferedKeyFile {
  serial: number;
  id: string;
  file: Buffer;
}

const TIMEOUT_MS = 30_000;

/** `text` without trailing slashes, checked to be an http(s) URL. @throws KeytoolError (exit 2) otherwise. */
export function normaliseBaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new KeytoolError(`not a URL: ${text} (expected e.g. https://portal.example.com)`, 2);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new KeytoolError(`not an http(s) URL: ${text}`, 2);
  return text.replace(/\/+$/, '');
}

/** GET (or `method`) `url` and parse its JSON body. @throws KeytoolError "HTTP <status> …" on a non-2xx answer. */
async function getJson(url: string, fetchFn: FetchFn, headers: Record<string, string> = {}, method = 'GET'): Promise<unknown> {
  let res: Response;
  try {
    res = await fetchFn(url, { method, headers: { accept: 'application/json', ...headers }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    throw new KeytoolError(`cannot reach ${url}: ${cause}`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new KeytoolError(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''} from ${url}`);
  }
  try {
    return await res.json();
  } catch {
    throw new KeytoolError(`${url} did not answer JSON`);
  }
}

/** One keys.json entry, checked: kid = first 8 bytes of SHA-512(public key) (spec §Keys). */
function checkKey(entry: unknown, index: number, source: string): TrustedKey {
  const k = (entry ?? {}) as Record<string, unknown>;
  const bad = (what: string) => new KeytoolError(`keys.json from ${source}: key #${index + 1}: ${what}`);
  if (k.alg !== 'Ed25519') throw bad('alg is not Ed25519');
  if (typeof k.kid !== 'string' || !/^[0-9a-f]{16}$/i.test(k.kid)) throw bad('kid is not 16 hex characters');
  const pk = typeof k.public_key === 'string' ? Buffer.from(k.public_key, 'base64') : Buffer.alloc(0);
  if (pk.length !== 32) throw bad('public_key is not 32 bytes of base64');
  if (kidOf(pk).toString('hex') !== k.kid.toLowerCase()) throw bad('kid does not match the public key');
  if (k.status !== 'active' && k.status !== 'retired') throw bad('status is neither active nor retired');
  return { kid: k.kid.toLowerCase(), public_key: pk.toString('base64'), status: k.status, source };
}

/**
 * The portal's issuer keys, every one checked.
 * @throws KeytoolError on an HTTP error, a malformed entry or an empty list.
 */
export async function fetchTrustedKeys(base: string, fetchFn: FetchFn): Promise<TrustedKey[]> {
  const body = (await getJson(`${base}/.well-known/artisan-nd/keys.json`, fetchFn)) as { keys?: unknown } | null;
  if (!body || !Array.isArray(body.keys)) throw new KeytoolError(`keys.json from ${base} has no "keys" list`);
  const keys = body.keys.map((k, i) => checkKey(k, i, base));
  if (keys.length === 0) throw new KeytoolError(`${base} publishes no issuer key`);
  return keys;
}

function checkOffer(entry: unknown, index: number, url: string): OfferedKeyFile {
  const e = (entry ?? {}) as Record<string, unknown>;
  const ok = Number.isSafeInteger(e.serial) && (e.serial as number) >= 1 && typeof e.file === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(e.file);
  if (!ok) throw new KeytoolError(`${url}: key file #${index + 1} has no valid serial or base64 file`);
  return { serial: e.serial as number, id: typeof e.id === 'string' ? e.id : '', file: Buffer.from(e.file as string, 'base64') };
}

/**
 * The proof that this installation holds `secret`: the portal's challenge for
 * `code`, opened with it, base64 (for X-Installation-Proof).
 * @throws KeytoolError on an HTTP error, or when the challenge does not open with this key.
 */
export async function installationProof(base: string, code: string, secret: Uint8Array, fetchFn: FetchFn): Promise<string> {
  const url = `${base}/api/v1/installations/${encodeURIComponent(code)}/challenge`;
  const body = (await getJson(url, fetchFn, {}, 'POST')) as { challenge?: unknown } | null;
  const sealed = typeof body?.challenge === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(body.challenge) ? Buffer.from(body.challenge, 'base64') : null;
  const message = sealed ? openChallenge(sealed, secret) : null;
  if (!message) throw new KeytoolError(`${url}: the challenge does not open with this installation's key`);
  return message.toString('base64');
}

/**
 * The key files the portal holds for `code` with a serial above `afterSerial`; `proof` from installationProof.
 * @throws KeytoolError on an HTTP error (message "HTTP <status> … from <url>") or a malformed answer.
 */
export async function fetchKeyFiles(base: string, code: string, afterSerial: number, proof: string, fetchFn: FetchFn): Promise<OfferedKeyFile[]> {
  const url = `${base}/api/v1/installations/${encodeURIComponent(code)}/keyfiles?after_serial=${afterSerial}`;
  const body = (await getJson(url, fetchFn, { 'x-installation-proof': proof })) as { keyfiles?: unknown } | null;
  if (!body || !Array.isArray(body.keyfiles)) throw new KeytoolError(`${url} has no "keyfiles" list`);
  return body.keyfiles.map((e, i) => checkOffer(e, i, url));
}
