/**
 * The keytool commands: the desktop program's side of a recharge
 * (subscription/keyfile-v1.md). Each returns its exit code (0 ok, 1 refused)
 * or throws a KeytoolError; they print through `io` only.
 */
import fs from 'node:fs';
import { formatInstallationCode } from '../crypto/index.js';
import { applyKeyFile, contiguousSerial, describeApplied, describeRefusal } from './apply.js';
import { fetchKeyFiles, fetchTrustedKeys, installationProof, normaliseBaseUrl, type FetchFn, type OfferedKeyFile } from './portal.js';
import { createInstallation, ensureHome, KeytoolError, loadInstallation, saveState, withLock, type KeytoolState } from './state.js';

/** Where a command prints and what it may use: stdout/stderr lines, the clock, HTTP. */
export interface KeytoolIo {
  out(line: string): void;
  err(line: string): void;
  now(): Date;
  fetch: FetchFn;
}

/** `init`: new installation key pair and state; prints the formatted Installation Code. @throws KeytoolError when one exists. */
export async function cmdInit(home: string, io: KeytoolIo): Promise<number> {
  ensureHome(home);
  const state = await withLock(home, async () => createInstallation(home));
  io.out(`Installation Code: ${formatInstallationCode(state.installation)}`);
  io.out(`created in ${home} (installation.key is secret and never leaves this folder)`);
  return 0;
}

/** `code`: prints the formatted Installation Code (11 groups of 5 joined by '-'). */
export async function cmdCode(home: string, io: KeytoolIo): Promise<number> {
  io.out(formatInstallationCode(loadInstallation(home).state.installation));
  return 0;
}

/** "1-3, 7, 9-10" for [1,2,3,7,9,10]; "none" for []. */
export function formatSerials(serials: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < serials.length; i++) {
    const start = serials[i]!;
    while (i + 1 < serials.length && serials[i + 1] === serials[i]! + 1) i++;
    parts.push(serials[i] === start ? String(start) : `${start}-${serials[i]}`);
  }
  return parts.length ? parts.join(', ') : 'none';
}

/** `status`: code, quota, applied serials, number of trusted keys. */
export async function cmdStatus(home: string, io: KeytoolIo): Promise<number> {
  const { state } = loadInstallation(home);
  io.out(`Installation Code: ${formatInstallationCode(state.installation)}`);
  io.out(`Quota: ${state.quota} units`);
  io.out(`Applied serials: ${formatSerials(state.applied)}`);
  io.out(`Trusted issuer keys: ${state.trusted_keys.length}`);
  return 0;
}

/** Replace the trusted keys with the portal's (checked) list, save, and print how many. */
async function refreshKeys(home: string, state: KeytoolState, base: string, io: KeytoolIo): Promise<void> {
  const keys = await fetchTrustedKeys(base, io.fetch);
  state.trusted_keys = keys;
  saveState(home, state);
  const active = keys.filter((k) => k.status === 'active').length;
  io.out(`trusted ${keys.length} issuer key(s) from ${base} (${active} active, ${keys.length - active} retired)`);
}

/** `trust <base-url>`: store the portal's issuer keys (kid → public key). @throws KeytoolError on HTTP or format errors. */
export async function cmdTrust(home: string, baseUrl: string, io: KeytoolIo): Promise<number> {
  const base = normaliseBaseUrl(baseUrl);
  return withLock(home, async () => {
    const { state } = loadInstallation(home);
    await refreshKeys(home, state, base, io);
    return 0;
  });
}

function readKeyFile(file: string): Buffer {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      // at most one byte more than a key file may hold: enough for step 1 to say FORMAT
      const buf = Buffer.alloc(4097);
      return buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    throw new KeytoolError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** `apply <file.bin>`: verify and apply one key file (spec §Verification 1–9). Exit 1 with the reason when refused. */
export async function cmdApply(home: string, file: string, io: KeytoolIo): Promise<number> {
  return withLock(home, async () => {
    const { secret, state } = loadInstallation(home);
    if (state.trusted_keys.length === 0) throw new KeytoolError(`no trusted issuer key yet: run \`keytool trust <portal-url> --home ${home}\` first`);
    const outcome = applyKeyFile(home, secret, state, readKeyFile(file), io.now());
    if (outcome.ok) {
      io.out(describeApplied(outcome));
      return 0;
    }
    io.err(`refused: ${describeRefusal(outcome.reason)}`);
    return 1;
  });
}

/** The portal answers at most this many key files per request (serial order); a full page means ask again. */
export const FETCH_PAGE = 100;

/** Apply each offered file not yet applied; ALREADY_APPLIED is skipped silently. Counts into `tally`. */
function applyOffers(
  home: string, secret: Buffer, state: KeytoolState, offers: OfferedKeyFile[], io: KeytoolIo,
  tally: { applied: number; refused: number },
): void {
  for (const offer of [...offers].sort((a, b) => a.serial - b.serial)) {
    if (state.applied.includes(offer.serial)) continue;
    const outcome = applyKeyFile(home, secret, state, offer.file, io.now());
    if (outcome.ok) {
      tally.applied++;
      io.out(describeApplied(outcome));
    } else if (outcome.reason !== 'ALREADY_APPLIED') {
      tally.refused++;
      io.err(`serial ${offer.serial}: refused: ${describeRefusal(outcome.reason)}`);
    }
  }
}

/**
 * `fetch <base-url>`: refresh the keys, prove to the portal that this
 * installation holds its key (its challenge opened with the secret key, sent
 * with each request), download the key files above the largest gap-free
 * serial (page after page while the portal returns full pages) and apply
 * each not yet applied (already applied ones are skipped silently). One line
 * per file, then a summary; exit 1 if any was refused.
 */
export async function cmdFetch(home: string, baseUrl: string, io: KeytoolIo): Promise<number> {
  const base = normaliseBaseUrl(baseUrl);
  return withLock(home, async () => {
    const { secret, state } = loadInstallation(home);
    await refreshKeys(home, state, base, io);
    const tally = { applied: 0, refused: 0 };
    let after = contiguousSerial(state.applied);
    const proof = await installationProof(base, state.installation, secret, io.fetch);
    for (;;) {
      const offers = await fetchKeyFiles(base, state.installation, after, proof, io.fetch);
      applyOffers(home, secret, state, offers, io, tally);
      const last = Math.max(after, ...offers.map((o) => o.serial));
      if (offers.length < FETCH_PAGE || last === after) break;
      after = last;
    }
    io.out(
      tally.applied || tally.refused ? `${tally.applied} applied, ${tally.refused} refused; quota now ${state.quota}` : `nothing new; quota ${state.quota}`,
    );
    return tally.refused ? 1 : 0;
  });
}
