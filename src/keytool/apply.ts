/**
 * Applying one key file to the installation's state, as the desktop program
 * does: subscription/keyfile-v1.md §Verification steps 1–8 through
 * src/crypto's `openKeyFile`, then step 9 (quota + serial in one durable
 * write, see state.ts `saveState`).
 */
import { KeyFileError, MAX_FILE_BYTES, openKeyFile, rfc3339, type KeyFileReason } from '../crypto/index.js';
import { saveState, type KeytoolState } from './state.js';

/** What a person can do about each refusal (the reason codes are the spec's). */
export const EXPLANATIONS: Record<KeyFileReason, string> = {
  FORMAT: 'this is not a valid artisan_nd key file (damaged, truncated or of another format)',
  NOT_FOR_THIS_INSTALLATION: 'this key file was made for another Installation Code (check the code given to the partner), or it is damaged',
  UNKNOWN_ISSUER_KEY: 'the file is signed by a key this installation does not trust; run `trust <portal-url>` to refresh the portal keys',
  BAD_SIGNATURE: 'the signature does not hold: the file was altered or was not issued by the portal',
  EXPIRED: 'the file had to be applied before its expiry date; ask the partner for a new recharge',
  ALREADY_APPLIED: 'this recharge was already applied on this installation; the quota is unchanged',
};

/** "REASON - explanation", printed after "refused: " for a refused file. */
export function describeRefusal(reason: KeyFileReason): string {
  return `${reason} - ${EXPLANATIONS[reason]}`;
}

/** The outcome of one file: applied (with the new quota) or refused with the spec's reason. */
export type ApplyOutcome =
  | { ok: true; serial: number; units: number; quota: number }
  | { ok: false; reason: KeyFileReason };

/** The trusted issuer key (32 bytes) for a kid (16 hex), from state.trusted_keys; retired keys still verify. */
function trustedKeyLookup(state: KeytoolState): (kidHex: string) => Uint8Array | null {
  const keys = new Map(state.trusted_keys.map((k) => [k.kid, Buffer.from(k.public_key, 'base64')]));
  return (kidHex) => keys.get(kidHex) ?? null;
}

/**
 * Verify `file` (raw bytes, ≤ 4096) for this installation and, when it holds,
 * add its units and record its serial in one durable write of state.json.
 * `state` is updated in place only after that write succeeded.
 * @returns the outcome; never throws a KeyFileError (I/O errors do propagate).
 */
export function applyKeyFile(home: string, secret: Buffer, state: KeytoolState, file: Uint8Array, now: Date): ApplyOutcome {
  const applied = new Set(state.applied);
  let opened: ReturnType<typeof openKeyFile>;
  try {
    if (file.length > MAX_FILE_BYTES) throw new KeyFileError('FORMAT', 'size');
    opened = openKeyFile(
      file,
      { installationSecret: secret, installationCode: state.installation, trustedKey: trustedKeyLookup(state), now, applied: (s) => applied.has(s) },
    );
  } catch (err) {
    if (err instanceof KeyFileError) return { ok: false, reason: err.reason };
    throw err;
  }
  const { payload, kid } = opened;
  const quota = state.quota + payload.units;
  const next: KeytoolState = {
    ...state,
    quota,
    applied: [...state.applied, payload.serial].sort((a, b) => a - b),
    applied_log: [
      ...state.applied_log,
      {
        serial: payload.serial, units: payload.units, id: String(payload.id), partner: String(payload.partner), kid,
        applied_at: rfc3339(now), quota_after: quota,
      },
    ],
  };
  saveState(home, next);
  Object.assign(state, next);
  return { ok: true, serial: payload.serial, units: payload.units, quota };
}

/** The line printed for an applied file: "+<units> units (serial N), quota now Q". */
export function describeApplied(o: { serial: number; units: number; quota: number }): string {
  return `+${o.units} units (serial ${o.serial}), quota now ${o.quota}`;
}

/**
 * The largest N such that every serial 1..N is applied (0 if serial 1 is not):
 * the `after_serial` of a fetch, so that gaps are fetched again.
 */
export function contiguousSerial(applied: readonly number[]): number {
  const set = new Set(applied);
  let n = 0;
  while (set.has(n + 1)) n++;
  return n;
}
