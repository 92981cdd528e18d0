/**
 * OpenAPI conformance of the suite (issue 6: "Tests validate every API
 * response of the suite against that document, so it cannot drift").
 *
 * - `apiRecorder` collects every JSON answer under /api that an app built by
 *   createTestContext gives (AppDeps.apiObserver → `apiRecorder.observer(keys)`).
 * - `matchOperation(method, path)` finds the documented operation (path
 *   templates such as `/api/v1/admin/licenses/{machine_id}`).
 * - `checkExchange(exchange)` lists what does not conform: no operation, an
 *   undocumented status, a body failing the response schema (ajv, JSON
 *   Schema 2020-12 with formats), a missing or malformed required header
 *   (X-Request-Id everywhere, Retry-After on 429, X-Signature and
 *   X-Signature-Date on the signed routes). Signatures are also verified
 *   with the app's issuer keys, at the time of the answer.
 * - test/helpers/hooks.ts runs `conformanceReport()` after the whole run
 *   and fails it on any mismatch (single-file runs check what they recorded).
 */
import crypto from 'node:crypto';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import nacl from 'tweetnacl';
import type { ApiExchange, ApiObserver } from '../../src/app.js';
import { openApiDocument } from '../../src/api-docs/index.js';

// ajv-formats is CommonJS with `export default`: under ESM the function may sit on `.default`.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

type Json = Record<string, unknown>;
const DOC_ID = 'urn:artisan-nd:openapi';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const RESPONSE_CONTEXT = Buffer.from('ARTISAN-ND/RESPONSE/v1\0', 'ascii');
const SIGNATURE = /^ed25519;kid=([0-9a-f]{16});sig=([A-Za-z0-9+/=]+)$/;

/** One recorded answer, with the signature verdict taken when it was given. */
export interface RecordedExchange extends ApiExchange {
  /** Problems with X-Signature found at recording time (keys may rotate later). */
  signatureProblems: string[];
}

/** Where an exchange's path leads in the document. */
export interface OperationMatch {
  template: string;
  method: string;
  operation: Json;
  params: Record<string, string>;
}

/** Something that gives a trusted issuer public key by kid (IssuerKeys.trusted). */
export interface KeySource {
  trusted(kidHex: string): Uint8Array | null;
}

// Paths match as Express routes them: case ignored, one trailing slash allowed.
const paths = openApiDocument.paths as Record<string, Json>;
const templates = Object.keys(paths)
  .map((template) => {
    const names: string[] = [];
    const source = template.split('/').map((seg) => {
      const m = /^\{(.+)\}$/.exec(seg);
      if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(m[1]!);
      return '([^/]+)';
    }).join('/');
    return { template, names, regex: new RegExp(`^${source}/?$`, 'i'), literal: names.length === 0 };
  })
  // Literal paths win over templated ones (OpenAPI 3.1 §Paths Object).
  .sort((a, b) => Number(b.literal) - Number(a.literal));

/** A path segment decoded, or as it is when it is not valid percent-encoded UTF-8 (a fuzzer's `%ED%A0%80`). */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The documented operation for (method, path), or null. */
export function matchOperation(method: string, path: string): OperationMatch | null {
  for (const t of templates) {
    const m = t.regex.exec(path);
    if (!m) continue;
    const item = paths[t.template]!;
    const verb = method.toLowerCase();
    const operation = item[verb === 'head' && !item.head ? 'get' : verb] as Json | undefined;
    if (!operation || !METHODS.includes(verb)) return null;
    const params: Record<string, string> = {};
    t.names.forEach((n, i) => { params[n] = safeDecode(m[i + 1]!); });
    return { template: t.template, method: verb, operation, params };
  }
  return null;
}

let ajvInstance: Ajv2020 | null = null;
const validators = new Map<string, ValidateFunction>();

/** One ajv for the whole document: it is added once under DOC_ID so `#/components/...` refs resolve. */
function ajv(): Ajv2020 {
  if (!ajvInstance) {
    // strict off: the document root carries OpenAPI members (openapi, info, paths) and
    // annotations (example) that are not JSON Schema keywords; the unit test checks the
    // schemas' keywords on its own.
    ajvInstance = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajvInstance);
    ajvInstance.addSchema({ ...openApiDocument, $id: DOC_ID });
  }
  return ajvInstance;
}

/** JSON Pointer escaping (RFC 6901), then URI-fragment escaping. */
function fragment(parts: string[]): string {
  return parts.map((p) => encodeURIComponent(p.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
}

/** A compiled validator for the schema at `parts` inside the document. */
export function validatorAt(parts: string[]): ValidateFunction {
  const key = parts.join('\u0000');
  let v = validators.get(key);
  if (!v) {
    v = ajv().compile({ $ref: `${DOC_ID}#/${fragment(parts)}` });
    validators.set(key, v);
  }
  return v;
}

function resolve(node: unknown): Json {
  let n = node as Json;
  for (let guard = 0; n && typeof n.$ref === 'string' && guard < 10; guard++) {
    const ref = n.$ref as string;
    if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
    n = ref.slice(2).split('/').map((p) => decodeURIComponent(p).replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((acc, p) => (acc as Json | undefined)?.[p], openApiDocument) as Json;
  }
  return n;
}

function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map(
    (e) => `${e.instancePath || '(body)'} ${e.message ?? ''}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`.trim()
  );
}

function header(headers: Record<string, unknown>, name: string): string | undefined {
  const v = headers[name.toLowerCase()] ?? headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(', ') : String(v);
}

/** What in `ex` does not follow the document (empty when it conforms). */
export function checkExchange(ex: ApiExchange & { signatureProblems?: string[] }): string[] {
  const match = matchOperation(ex.method, ex.path);
  if (!match) return unroutedProblems(ex);
  const responses = match.operation.responses as Json;
  const range = `${String(ex.status)[0]}XX`;
  const statusKey = [String(ex.status), range, 'default'].find((k) => k in responses) ?? null;
  if (!statusKey) {
    return [`status ${ex.status} is not documented for ${match.method.toUpperCase()} ${match.template} (documented: ${Object.keys(responses).join(', ')})`];
  }
  const problems: string[] = [];
  const response = resolve(responses[statusKey]);
  const content = response.content as Json | undefined;
  const pathToResponse = ['paths', match.template, match.method, 'responses', statusKey];
  if (!content?.['application/json']) {
    problems.push(`a JSON body was sent, but ${statusKey} documents no application/json content`);
  } else {
    // The exact JSON a client receives (Dates become strings, undefined members vanish).
    const body: unknown = ex.body === undefined ? undefined : JSON.parse(JSON.stringify(ex.body));
    const responseParts = typeof (responses[statusKey] as Json).$ref === 'string'
      ? ((responses[statusKey] as Json).$ref as string).slice(2).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      : pathToResponse;
    const validate = validatorAt([...responseParts, 'content', 'application/json', 'schema']);
    if (!validate(body)) problems.push(...formatErrors(validate.errors).map((e) => `body: ${e}`));
  }
  for (const [name, raw] of Object.entries((response.headers ?? {}) as Json)) {
    const spec = resolve(raw);
    const value = header(ex.headers, name);
    if (value === undefined) {
      if (spec.required) problems.push(`header ${name} is required but missing`);
      continue;
    }
    if (spec.schema) {
      const v = ajv().compile(spec.schema as Json);
      if (!v(value)) problems.push(...formatErrors(v.errors).map((e) => `header ${name}: ${JSON.stringify(value)} ${e.replace('(body) ', '')}`));
    }
  }
  problems.push(...(ex.signatureProblems ?? []));
  return problems;
}

/**
 * An answer for no documented (method, path): only the documented 404
 * (components/responses/NotFound) or 405 (MethodNotAllowed, with Allow) may be.
 */
function unroutedProblems(ex: ApiExchange & { signatureProblems?: string[] }): string[] {
  const name = ex.status === 404 ? 'NotFound' : ex.status === 405 ? 'MethodNotAllowed' : null;
  if (!name) return [`no documented operation for this method and path (status ${ex.status}: only 404 NotFound or 405 MethodNotAllowed may answer it)`];
  const validate = validatorAt(['components', 'responses', name, 'content', 'application/json', 'schema']);
  const problems = validate(JSON.parse(JSON.stringify(ex.body))) ? [] : formatErrors(validate.errors).map((e) => `body: ${e}`);
  if (ex.status === 405 && !header(ex.headers, 'Allow')) problems.push('header Allow is required but missing');
  if (!header(ex.headers, 'X-Request-Id')) problems.push('header X-Request-Id is required but missing');
  return [...problems, ...(ex.signatureProblems ?? [])];
}

/**
 * Verify X-Signature over the body as Express sends it (JSON.stringify of
 * what res.json received). Returns problems; none when there is no header
 * (a missing required header is reported by checkExchange).
 */
export function verifySignature(ex: ApiExchange, keys: KeySource): string[] {
  const sig = header(ex.headers, 'X-Signature');
  const date = header(ex.headers, 'X-Signature-Date');
  if (sig === undefined) return [];
  const m = SIGNATURE.exec(sig);
  if (!m || date === undefined) return [`X-Signature cannot be checked (header ${JSON.stringify(sig)}, date ${JSON.stringify(date)})`];
  const publicKey = keys.trusted(m[1]!);
  if (!publicKey) return [`X-Signature names kid ${m[1]} that is not a trusted issuer key`];
  const bytes = Buffer.from(JSON.stringify(ex.body), 'utf8');
  const message = Buffer.concat([RESPONSE_CONTEXT, Buffer.from(date, 'ascii'), Buffer.from('\n'), bytes]);
  const signature = Buffer.from(m[2]!, 'base64');
  if (signature.length !== 64 || !nacl.sign.detached.verify(message, signature, publicKey)) {
    return ['X-Signature does not verify over "ARTISAN-ND/RESPONSE/v1\\0" || X-Signature-Date || "\\n" || body'];
  }
  return [];
}

/** Collects the exchanges of the whole run (one per process). */
export class ApiRecorder {
  readonly exchanges: RecordedExchange[] = [];

  /** An AppDeps.apiObserver; with `keys`, signatures are verified when the answer is given. */
  observer(keys?: KeySource): ApiObserver {
    return (ex) => {
      const copy: ApiExchange = { ...ex, headers: { ...ex.headers }, body: ex.body === undefined ? undefined : JSON.parse(JSON.stringify(ex.body)) as unknown };
      this.exchanges.push({ ...copy, signatureProblems: keys ? verifySignature(copy, keys) : [] });
    };
  }

  clear(): void {
    this.exchanges.length = 0;
  }
}

export const apiRecorder = new ApiRecorder();

export interface Mismatch {
  method: string;
  path: string;
  status: number;
  problems: string[];
}

/** Every recorded exchange that does not conform, each (method, path template, status, problems) once. */
export function conformanceMismatches(exchanges: readonly RecordedExchange[] = apiRecorder.exchanges): Mismatch[] {
  const seen = new Set<string>();
  const out: Mismatch[] = [];
  for (const ex of exchanges) {
    const problems = checkExchange(ex);
    if (!problems.length) continue;
    const key = `${ex.method} ${matchOperation(ex.method, ex.path)?.template ?? ex.path} ${ex.status} ${problems.join('|')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ method: ex.method, path: ex.path, status: ex.status, problems });
  }
  return out;
}

/** A readable report of the mismatches (empty string when none). */
export function conformanceReport(exchanges: readonly RecordedExchange[] = apiRecorder.exchanges): string {
  const mismatches = conformanceMismatches(exchanges);
  if (!mismatches.length) return '';
  return [
    `OpenAPI conformance: ${mismatches.length} answer(s) of ${exchanges.length} recorded under /api do not follow src/api-docs/openapi.ts:`,
    ...mismatches.map((m) => `  ${m.method} ${m.path} → ${m.status}\n${m.problems.map((p) => `      - ${p}`).join('\n')}`),
  ].join('\n');
}

/** Operations (method template) never exercised by the recorded exchanges: informative. */
export function uncoveredOperations(exchanges: readonly RecordedExchange[] = apiRecorder.exchanges): string[] {
  const hit = new Set<string>();
  for (const ex of exchanges) {
    const m = matchOperation(ex.method, ex.path);
    if (m) hit.add(`${m.method.toUpperCase()} ${m.template} ${ex.status}`);
  }
  const missing: string[] = [];
  for (const [template, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      for (const status of Object.keys(op.responses as Json)) {
        if (!hit.has(`${method.toUpperCase()} ${template} ${status}`)) missing.push(`${method.toUpperCase()} ${template} ${status}`);
      }
    }
  }
  return missing;
}

/** For tests: a stable digest of the document (to see it is served unchanged). */
export function documentDigest(): string {
  return crypto.createHash('sha256').update(JSON.stringify(openApiDocument)).digest('hex');
}
