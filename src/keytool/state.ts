/**
 * The keytool's home folder: what the desktop program keeps on disk
 * (subscription/keyfile-v1.md §Keys "Installation key", §Verification step 9).
 *
 *   <home>/                 folder, created 0700
 *   <home>/installation.key the X25519 secret key: 64 hex characters + "\n", 0600, never sent anywhere
 *   <home>/state.json       KeytoolState (below), 0600, replaced atomically (temp file, fsync, rename)
 *   <home>/state.lock       held (O_EXCL, holds the pid) while a command changes state.json
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { installationCode, x25519PublicKey } from '../crypto/index.js';
import { processAlive } from '../platform/process-alive.js';

/** An issuer key learnt from the portal's keys.json (spec §Keys). */
export interface TrustedKey {
  /** 16 hex: the first 8 bytes of SHA-512(public key). */
  kid: string;
  /** The Ed25519 public key, 32 bytes, base64. */
  public_key: string;
  status: 'active' | 'retired';
  /** The base URL it was fetched from. */
  source: string;
}

/** One applied key file, for people reading state.json. */
export interface AppliedEntry {
  serial: number;
  units: number;
  /** The portal's recharge id (payload `id`). */
  id: string;
  partner: string;
  kid: string;
  /** RFC 3339 UTC. */
  applied_at: string;
  quota_after: number;
}

/** state.json. `applied` (the set of applied serials, ascending) is what step 8 checks. */
export interface KeytoolState {
  /** This installation's compact code (55 characters, no dashes). */
  installation: string;
  /** Units available (invoice numbers). */
  quota: number;
  applied: number[];
  trusted_keys: TrustedKey[];
  applied_log: AppliedEntry[];
}

/** A refusal the CLI prints (`message`) before exiting with `exitCode` (1 refused/error, 2 usage). */
export class KeytoolError extends Error {
  constructor(message: string, readonly exitCode: 1 | 2 = 1) {
    super(message);
    this.name = 'KeytoolError';
  }
}

/** The files of a home folder (absolute paths). */
export function homePaths(home: string): { home: string; key: string; state: string; lock: string } {
  return { home, key: path.join(home, 'installation.key'), state: path.join(home, 'state.json'), lock: path.join(home, 'state.lock') };
}

/**
 * Write `data` so that readers see the old or the new content, never a mix:
 * temp file (0600) in the same folder, fsync, rename over `file` (or, with
 * `noReplace`, hard-link it, which fails with EEXIST), fsync the folder.
 */
export function writeDurably(file: string, data: string, noReplace = false): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    if (noReplace) fs.linkSync(tmp, file);
    else fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}

/** Save the whole state in one durable step (spec §Verification step 9). */
export function saveState(home: string, state: KeytoolState): void {
  writeDurably(homePaths(home).state, `${JSON.stringify(state, null, 2)}\n`);
}

/** Create the home folder, 0700, when it does not exist (an existing folder keeps its mode). */
export function ensureHome(home: string): void {
  if (fs.existsSync(home)) return;
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  fs.chmodSync(home, 0o700);
}

/**
 * Create a new installation in an existing home: a fresh X25519 secret
 * (32 random bytes) in installation.key (0600) and an empty state.json.
 * @returns the state written (its `installation` is the compact code).
 * @throws KeytoolError (exit 1) when installation.key or state.json already exists.
 */
export function createInstallation(home: string): KeytoolState {
  const p = homePaths(home);
  if (fs.existsSync(p.key) || fs.existsSync(p.state)) {
    throw new KeytoolError(`${home} already holds an installation; refusing to overwrite its key (use another --home)`);
  }
  const secret = crypto.randomBytes(32);
  const state: KeytoolState = { installation: installationCode(x25519PublicKey(secret)), quota: 0, applied: [], trusted_keys: [], applied_log: [] };
  writeDurably(p.key, `${secret.toString('hex')}\n`, true);
  saveState(home, state);
  return state;
}

function isIntArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((n) => Number.isSafeInteger(n) && n >= 1);
}

function checkState(v: unknown, file: string): KeytoolState {
  const s = v as Partial<KeytoolState> | null;
  const ok = s !== null && typeof s === 'object' && typeof s.installation === 'string' && Number.isSafeInteger(s.quota) && (s.quota as number) >= 0
    && isIntArray(s.applied) && Array.isArray(s.trusted_keys) && Array.isArray(s.applied_log);
  if (!ok) throw new KeytoolError(`${file} is damaged (unexpected content); restore it from a backup`);
  return s as KeytoolState;
}

/**
 * Read the installation secret (32 bytes) and the state, and check that they belong together.
 * @throws KeytoolError (exit 1) when the home is not initialised or its files are damaged.
 */
export function loadInstallation(home: string): { secret: Buffer; state: KeytoolState } {
  const p = homePaths(home);
  if (!fs.existsSync(p.key)) throw new KeytoolError(`no installation in ${home}: run \`keytool init --home ${home}\` first`);
  if (!fs.existsSync(p.state)) throw new KeytoolError(`${p.state} is missing; restore it from a backup`);
  const hex = fs.readFileSync(p.key, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new KeytoolError(`${p.key} is damaged (expected 64 hex characters)`);
  const secret = Buffer.from(hex, 'hex');
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(p.state, 'utf8'));
  } catch {
    throw new KeytoolError(`${p.state} is damaged (not JSON); restore it from a backup`);
  }
  const state = checkState(parsed, p.state);
  if (state.installation !== installationCode(x25519PublicKey(secret))) {
    throw new KeytoolError(`${p.state} belongs to another installation than ${p.key}`);
  }
  return { secret, state };
}

/** Take state.lock (O_EXCL); a lock whose process is gone is removed once. @throws KeytoolError when another keytool holds it. */
function acquireLock(lock: string): number {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(lock, 'wx', 0o600);
      fs.writeSync(fd, `${process.pid}\n`);
      return fd;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number.parseInt(fs.readFileSync(lock, 'utf8'), 10);
      if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) break;
      fs.rmSync(lock, { force: true });
    }
  }
  throw new KeytoolError(`another keytool is changing this installation (${lock}); try again when it has finished`);
}

/** Run `fn` while holding the home's lock, so two keytools never lose each other's update. */
export async function withLock<T>(home: string, fn: () => Promise<T>): Promise<T> {
  const lock = homePaths(home).lock;
  const fd = acquireLock(lock);
  try {
    return await fn();
  } finally {
    fs.closeSync(fd);
    fs.rmSync(lock, { force: true });
  }
}
