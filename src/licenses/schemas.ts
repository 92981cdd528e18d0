/**
 * Request bodies of the license API, checked with zod, and the mapping of
 * what is wrong to the documented error codes (all 400):
 *
 * - not a JSON object (array, string, no JSON content type) → INVALID_REQUEST, details null;
 * - machine id (`machine_id`, `device_id` on the compatibility routes)
 *   missing, null or "" → MACHINE_ID_REQUIRED; not exactly 32 hex characters
 *   (or not a string) → INVALID_MACHINE_ID; checked before the other members;
 * - any other member missing or of the wrong type/size → INVALID_REQUEST with
 *   details `{<member>: "REQUIRED" | "INVALID"}`.
 *
 * Machine ids come back lower-cased.
 */
import { z } from 'zod';
import { BadRequestError, ERR } from '../errors/index.js';

const MACHINE_ID = /^[0-9a-fA-F]{32}$/;
/** A license token is short (~400 characters); a generous cap. */
const token = z.string().min(1).max(4096);
/** Free text (a version, an OS name): one line, no control character (PostgreSQL refuses NUL; logs and pages show these). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const text = (max: number) => z.string().trim().max(max).regex(/^[^\u0000-\u001f\u007f]*$/);

export const trialBody = z.object({
  machine_id: z.string(),
  email: z.email().max(254),
  product: z.string().min(1).max(32),
  version: text(64),
});

export const activateBody = z.object({
  machine_id: z.string(),
  activation_code: z.string().min(1).max(64),
  email: z.email().max(254),
});

export const validateBody = z.object({
  machine_id: z.string(),
  license_key: token,
});

export const heartbeatBody = z.object({
  machine_id: z.string(),
  license_key: token,
  app_version: text(64),
  os_info: text(200),
});

export const compatValidateBody = z.object({
  device_id: z.string(),
  key: token,
});

export const compatHeartbeatBody = z.object({
  device_id: z.string(),
  key: token,
  app_version: text(64).optional().default(''),
  os_info: text(200).optional().default(''),
});

/** Check a machine id; returns it lower-cased. @throws BadRequestError MACHINE_ID_REQUIRED | INVALID_MACHINE_ID */
export function parseMachineId(value: unknown, field = 'machine_id'): string {
  if (value === undefined || value === null || value === '') {
    throw new BadRequestError(`${field} is required`, { [field]: 'REQUIRED' }, ERR.MACHINE_ID_REQUIRED);
  }
  if (typeof value !== 'string' || !MACHINE_ID.test(value)) {
    throw new BadRequestError(`${field} must be exactly 32 hexadecimal characters`, { [field]: 'INVALID' }, ERR.INVALID_MACHINE_ID);
  }
  return value.toLowerCase();
}

/**
 * Parse a JSON body with `schema`, the machine id member (`machineField`)
 * first. @throws BadRequestError (codes above)
 */
export function parseBody<S extends z.ZodType<Record<string, unknown>>>(schema: S, body: unknown, machineField = 'machine_id'): z.output<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('The body must be a JSON object');
  const machine = parseMachineId((body as Record<string, unknown>)[machineField], machineField);
  const r = schema.safeParse(body);
  if (!r.success) {
    const details: Record<string, string> = {};
    for (const issue of r.error.issues) {
      const field = String(issue.path[0] ?? '');
      if (field && !(field in details)) details[field] = (body as Record<string, unknown>)[field] === undefined ? 'REQUIRED' : 'INVALID';
    }
    throw new BadRequestError(`Invalid or missing members: ${Object.keys(details).join(', ')}`, details);
  }
  return { ...r.data, [machineField]: machine } as z.output<S>;
}
