/**
 * The OpenAPI 3.1 document of every route under /api: the license
 * API (/api/v1/licenses/*, /api/v1/admin/licenses/{machine_id}), the
 * Mastertrade compatibility routes (/api/license/*), the key-file delivery
 * routes (/api/v1/installations/{code}/challenge and …/keyfiles), the shop's catalogue, the customer API
 * (/api/users/me/licenses and …/orders) and this document itself.
 *
 * Served as is at GET /api/v1/openapi.json and read by /api/docs. The test
 * suite checks every JSON answer it provokes under /api against this
 * document (test/helpers/openapi.ts, run from the root hooks), so a change of
 * the API that is not written here fails the suite: edit both together.
 *
 * Response bodies are closed (`unevaluatedProperties: false`): a member the
 * API adds must be documented first.
 */

/** A JSON object, loosely typed: the document is data, checked by tests against the OpenAPI 3.1 schema. */
export type OpenApiDocument = Record<string, unknown>;

const DATE_TIME = { type: 'string', format: 'date-time', description: 'RFC 3339 UTC, e.g. `2026-12-22T10:00:00Z`.' };
const MACHINE_ID = {
  type: 'string',
  pattern: '^[0-9A-Fa-f]{32}$',
  description: 'The machine fingerprint: exactly 32 hexadecimal characters (upper case accepted, stored lower case). Missing → ' +
    '`MACHINE_ID_REQUIRED`; malformed → `INVALID_MACHINE_ID`.',
  examples: ['0123456789abcdef0123456789abcdef'],
};
const LICENSE_KEY = {
  type: 'string',
  pattern: '^ANDL1\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
  description: 'The license token `ANDL1.<kid>.<payload>.<sig>` (keyfile-v1.md §License token), verifiable offline with the keys of ' +
    '`/.well-known/artisan-nd/keys.json`.',
};
const DAYS_REMAINING = {
  type: ['integer', 'null'],
  minimum: 0,
  description: 'Whole days until `expires_at` (0 on the last day); `null` for a lifetime license.',
};

/** Every error code the API may answer, in `error`. */
export const ERROR_CODES = [
  'INVALID_REQUEST',
  'MACHINE_ID_REQUIRED',
  'INVALID_MACHINE_ID',
  'INVALID_ACTIVATION_CODE',
  'INVALID_INSTALLATION_CODE',
  'INSTALLATION_PROOF_REQUIRED',
  'INSTALLATION_PROOF_INVALID',
  'LICENSE_NOT_FOUND',
  'LICENSE_EXPIRED',
  'LICENSE_REVOKED',
  'TRIAL_ALREADY_EXISTS',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'VALIDATION_FAILED',
  'METHOD_NOT_ALLOWED',
  'RATE_LIMIT_EXCEEDED',
  'SERVER_ERROR',
] as const;

const TEXTS = { type: 'object', required: ['fr', 'en'], properties: { fr: { type: 'string' }, en: { type: 'string' } } };
/** A product of the shop's catalogue (GET /api/products). */
const PRODUCT = {
  type: 'object',
  required: ['id', 'sku', 'title', 'description', 'category', 'max_activations', 'offers', 'release'],
  properties: {
    id: { type: 'integer' }, sku: { type: 'string' }, title: TEXTS, description: TEXTS, category: { type: 'string' },
    max_activations: { type: 'integer', description: 'Computers one license key activates on.' },
    offers: { type: 'array', items: { type: 'object', required: ['id', 'code', 'name', 'license_type', 'price', 'currency'], properties: {
      id: { type: 'integer' }, code: { type: 'string' }, name: TEXTS, license_type: { enum: ['monthly', 'annual', 'lifetime'] },
      duration_days: { type: ['integer', 'null'] }, price: { type: 'integer', description: 'Minor units excl. VAT, one seat.' },
      renewal_price: { type: ['integer', 'null'] }, currency: { type: 'string', pattern: '^[A-Z]{3}$' }, seat_based: { type: 'boolean' },
      max_seats: { type: 'integer' } } } },
    release: { oneOf: [{ type: 'null' }, { type: 'object', required: ['version', 'sha256', 'size_bytes'], properties: { version: { type: 'string' },
      sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' }, size_bytes: { type: 'integer' }, changelog: { type: 'string' },
      published_at: { type: ['string', 'null'], format: 'date-time' } } }] },
  },
};

/** One license key of the customer (GET /api/users/me/licenses). */
const CUSTOMER_LICENSE = {
  type: 'object',
  required: ['key', 'product_sku', 'order_id', 'state', 'license_type', 'expires_at', 'machines'],
  properties: {
    key: { type: 'string', description: 'The activation code (`XXXX-XXXX-XXXX-XXXX`), entered in the program to activate it.' },
    product_sku: { type: 'string' },
    order_id: { type: 'integer' },
    state: { enum: ['unused', 'active', 'suspended', 'revoked'], description: '`unused` until the key is activated.' },
    license_type: { enum: ['monthly', 'annual', 'lifetime'] },
    expires_at: { type: ['string', 'null'], format: 'date-time', description: 'RFC 3339 UTC; `null` before activation and for a lifetime license.' },
    machines: { type: 'array', items: { type: 'object', required: ['machine_id', 'first_seen_at', 'last_seen_at'], properties: {
      machine_id: { type: 'string', pattern: '^[0-9a-f]{32}$' }, first_seen_at: DATE_TIME, last_seen_at: DATE_TIME,
    }, unevaluatedProperties: false } },
  },
  unevaluatedProperties: false,
};
/** One order of the customer (GET /api/users/me/orders). */
const CUSTOMER_ORDER = {
  type: 'object',
  required: ['id', 'status', 'product_sku', 'offer_code', 'quantity', 'invoice_number', 'total_ttc', 'currency', 'created_at', 'paid_at'],
  properties: {
    id: { type: 'integer' }, status: { enum: ['pending', 'paid', 'failed', 'refunded', 'cancelled'] }, product_sku: { type: 'string' },
    offer_code: { type: 'string' }, quantity: { type: 'integer', minimum: 1, description: 'Seats: one license key each.' },
    invoice_number: { type: ['string', 'null'] },
    total_ttc: { type: 'integer', description: 'The invoice total including VAT, in minor units of `currency` (3480 EUR = 34,80 €).' },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' }, created_at: DATE_TIME,
    paid_at: { type: ['string', 'null'], format: 'date-time', description: 'RFC 3339 UTC; `null` until paid.' },
  },
  unevaluatedProperties: false,
};

/** The answer of POST /api/licenses/{id}/renew. */
const RENEWAL = {
  type: 'object', required: ['success', 'data'], properties: { success: { const: true }, data: { type: 'object',
    required: ['order_id', 'renews_order_id', 'status', 'invoice_number', 'total_ttc', 'currency', 'pay_url'],
    properties: { order_id: { type: 'integer' }, renews_order_id: { type: 'integer' }, status: { enum: ['pending', 'paid'] },
      invoice_number: { type: 'string' }, total_ttc: { type: 'integer', description: 'Minor units incl. VAT.' }, currency: { type: 'string' },
      pay_url: { type: 'string', format: 'uri' } } } },
};

/** The error schema narrowed to some codes (a `$ref` to Error plus an enum). */
function errorOf(codes: readonly string[], extra: Record<string, unknown> = {}, required: string[] = []): Record<string, unknown> {
  return {
    allOf: [{ $ref: '#/components/schemas/Error' }],
    properties: { error: { enum: codes }, ...extra },
    ...(required.length ? { required } : {}),
    unevaluatedProperties: false,
  };
}

function json(schema: Record<string, unknown>, description: string, headers: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    description,
    headers: { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' }, ...headers },
    content: { 'application/json': { schema } },
  };
}

const BAD_MACHINE = ['INVALID_REQUEST', 'MACHINE_ID_REQUIRED', 'INVALID_MACHINE_ID'];
const badRequest = (codes: readonly string[] = BAD_MACHINE) =>
  json(errorOf(codes), 'The request is not usable: malformed JSON, a body that is not an object, a missing or mistyped member, a body over 16 KB ' +
    '(never a 413), or a bad `machine_id`. `details` names the faulty members when known.');
const rateLimited = (what: string) =>
  json(errorOf(['RATE_LIMIT_EXCEEDED'], {}, ['retry_after']), `Too many requests: ${what}. Wait \`retry_after\` seconds (also in the Retry-After header).`, {
    'Retry-After': { $ref: '#/components/headers/Retry-After' },
  });
const serverError = json(errorOf(['SERVER_ERROR']), 'Unexpected failure; no details. Retry later.');
/** A control character in the query string: refused before any route (src/http/control-chars.ts). */
const badQuery = json(errorOf(['INVALID_REQUEST']), 'A control character in the query string (`details` names the parameter: `CONTROL_CHARACTER`).');
const signed = { 'X-Signature': { $ref: '#/components/headers/X-Signature' }, 'X-Signature-Date': { $ref: '#/components/headers/X-Signature-Date' } };
/** A response of a signed route: the same, with the signature headers required. */
const withSignature = (r: Record<string, unknown>): Record<string, unknown> => ({ ...r, headers: { ...(r.headers as Record<string, unknown>), ...signed } });
/**
 * The 500 of a signed route: signed when the failure was elsewhere; unsigned
 * when it was the signing itself (the client treats it as a network failure
 * either way, "Signed answers").
 */
const signedServerError: Record<string, unknown> = {
  ...serverError,
  description: 'Unexpected failure; no details. Retry later. Signed, unless the failure was in the signing itself: then unsigned, which a client ' +
    'treats as a network failure (see "Signed answers").',
  headers: {
    ...(serverError.headers as Record<string, unknown>),
    'X-Signature': { description: 'As on every answer of this route, when the server could sign.', required: false, schema: { type: 'string' } },
    'X-Signature-Date': { description: 'As on every answer of this route, when the server could sign.', required: false, schema: { type: 'string' } },
  },
};
const heartbeatRefused = (what: string) => withSignature(
  json(errorOf(['LICENSE_REVOKED', 'LICENSE_EXPIRED']), `The ${what} is revoked or expired: nothing is stored (validate says the same).`),
);

const CODE_PARAMETER = {
  name: 'code', in: 'path', required: true, description: 'The Installation Code, with or without dashes, any case.', schema: { type: 'string' },
};

function body(schema: Record<string, unknown>, example?: Record<string, unknown>): Record<string, unknown> {
  return { required: true, content: { 'application/json': { schema, ...(example ? { example } : {}) } } };
}

const DESCRIPTION = `
JSON API of the artisan_nd portal: the license server used by the vendor's desktop programs
(EasyFacture, artisan_nd, programs sold through Mastertrade) and the delivery of recharge key files.

*FR — API JSON du portail : serveur de licences (essai, activation, validation, heartbeat,
révocation) et livraison des fichiers de recharge. Les réponses sont en anglais ; les codes
d'erreur sont stables.*

## Conventions

* Requests and answers are JSON (\`Content-Type: application/json\`), bodies at most 16 KB.
* Every answer carries an \`X-Request-Id\` header (the caller's own, if it sends one of
  8–64 characters \`A–Z a–z 0–9 . _ -\`, else a new UUID); quote it when reporting a problem.
* Every error has the same shape (schema **Error**):
  \`{"success":false,"error":"<CODE>","message":"…","details":…,"timestamp":"…","request_id":"…"}\`,
  plus \`retry_after\` (seconds) and a \`Retry-After\` header on 429. Malformed JSON, wrong types
  and oversized bodies answer 400 \`INVALID_REQUEST\`, never an HTML page or a 500.
  Clients must branch on \`error\`, never on \`message\`.
* Dates are RFC 3339 UTC (\`2026-12-22T10:00:00Z\`). \`machine_id\` is exactly 32 hexadecimal characters.
* Paths are matched exactly (any letter case, one trailing slash allowed). Any other path under
  \`/api\` (including \`//api/…\` or a percent-encoded letter) answers 404 \`NOT_FOUND\` (response
  **NotFound**); a method a path does not have answers 405 \`METHOD_NOT_ALLOWED\` with an \`Allow\`
  header (response **MethodNotAllowed**). On the paths of validate and heartbeat both are signed,
  like every answer there. A control character in a query value answers 400 \`INVALID_REQUEST\`.
* Rate limits, per client IP: trial 3/hour, activate 10/hour, validate 100/hour, heartbeat
  100/hour (the deployment may raise them; each server instance counts alone); heartbeat also:
  one per license and machine per product heartbeat interval (24 h by default), a second one
  answers 429. A heartbeat for a revoked or expired license answers 403 \`LICENSE_REVOKED\` /
  \`LICENSE_EXPIRED\`.

## Offline verification of \`license_key\`

*FR — Le client vérifie le jeton hors ligne avec les clés publiques du portail.*

\`license_key\` is the license token of the key-file specification (keyfile-v1.md, "License token"):

\`\`\`
token   = "ANDL1." || b64url(kid) || "." || b64url(payload) || "." || b64url(sig)
sig     = Ed25519(issuer secret, "ARTISAN-ND/LICENSE/v1" || 0x00 || kid || payload)
payload = {"v":1,"typ":"license","product","license_id","machine_id","license_type","email","issued_at","expires_at"}
\`\`\`

(b64url = RFC 4648 base64url without padding; \`kid\` = 8 bytes, the first 8 of SHA-512(public key).)
A client:

1. fetches \`GET /.well-known/artisan-nd/keys.json\` once (and after an unknown \`kid\`), and
   stores it: \`{"keys":[{"kid":"<16 hex>","alg":"Ed25519","public_key":"<base64>","status":"active|retired"}]}\`.
   Retired keys still verify. It may also ship these keys inside the program.
2. splits the token on \`.\`: 4 parts, the first \`ANDL1\`; decodes \`kid\` (8 bytes) and \`sig\` (64 bytes);
3. looks \`kid\` up (hex) in its stored keys — unknown: reject;
4. checks \`Ed25519-verify(public_key, "ARTISAN-ND/LICENSE/v1\\0" || kid || payload, sig)\`
   (tweetnacl \`nacl.sign.detached.verify\`, libsodium \`crypto_sign_verify_detached\`) — on the
   raw payload bytes, before parsing them;
5. parses the payload, checks \`v\` = 1, \`typ\` = "license", \`machine_id\` = its own, \`product\` = its own;
6. checks \`expires_at\` (null = lifetime) against its clock, with the grace period below.

## Grace period (offline use)

*FR — Sans accès au serveur, le client continue de fonctionner jusqu'à expires_at + grace_days
du produit ; la validation en ligne fait foi.*

Each product has a grace period (\`grace_days\`, 7 by default, set by the vendor per product). Every
\`valid:true\` answer of validate carries it (\`grace_days\`, with \`heartbeat_interval_seconds\`): the
client stores it beside its token. A client that **cannot reach the server** keeps working while
its token's signature holds and \`now <= expires_at + grace_days\` (before its first online answer:
7 days).
The grace period is for offline clients only: when the server answers, its answer is
authoritative — \`POST /api/v1/licenses/validate\` says \`valid:false\` with \`LICENSE_EXPIRED\` as
soon as \`now > expires_at\`, and reports revocation and suspension, which a token cannot carry.
A client should therefore validate online at start and at least once per heartbeat interval,
replace its stored \`license_key\` when the answer carries a new one (after an extension), and
fall back to the offline check only on network failure (not on a \`valid:false\` answer).

## Signed answers (validate and heartbeat)

*FR — Les réponses de validate et heartbeat sont signées : un faux serveur est détecté.*

Every answer of the validate and heartbeat routes (v1 and compatibility), errors included,
carries two headers:

\`\`\`
X-Signature-Date: 2026-11-22T10:00:00Z
X-Signature: ed25519;kid=<16 hex>;sig=<base64>
\`\`\`

where \`sig = Ed25519(issuer secret, "ARTISAN-ND/RESPONSE/v1" || 0x00 || date || "\\n" || body)\`,
\`date\` the exact ASCII value of X-Signature-Date and \`body\` the exact bytes of the HTTP body as
received (before any JSON parsing). A client checks that \`kid\` is one of its stored issuer keys,
verifies the signature with that public key, and rejects the answer when the date is more than a
few minutes away from its own clock (replay). An answer that fails these checks comes from a
spoofed server: treat it as a network failure (offline rules apply), never as a revocation.
An unsigned answer on these routes is treated the same way (the one the server sends unsigned is
a 500 SERVER_ERROR when the signing itself failed).

## Key files (recharges)

*FR — Seule l'installation qui détient sa clé secrète reçoit ses fichiers de recharge : elle
ouvre un défi chiffré pour sa clé, et le renvoie.*

A partner's recharge produces a key file (keyfile-v1.md, "Recharge key file") that the partner
downloads, or that the installation fetches here. Knowing an Installation Code is not enough:
the installation proves it holds the X25519 secret key of its code.

1. \`POST /api/v1/installations/{code}/challenge\` answers \`challenge\`, base64 of
   \`epk (32) || nonce (24) || nacl.box(message, nonce, installation public key, esk)\` for a
   fresh ephemeral key pair, exactly like a key file's box; \`message\` is 56 bytes.
2. The installation opens it with its secret key (\`nacl.box.open(box, nonce, epk, secret)\`,
   libsodium \`crypto_box_open_easy\`), refuses any message that is not 56 bytes long, and sends
   the message, base64, in the \`X-Installation-Proof\` header of
   \`GET /api/v1/installations/{code}/keyfiles\` (one proof serves every page until \`expires_at\`,
   5 minutes).
3. The files served are then **delivered**: they can no longer be revoked (a never-delivered
   recharge can be, with its units given back to the partner). Without a valid proof the answer
   is 401 \`INSTALLATION_PROOF_REQUIRED\` / \`INSTALLATION_PROOF_INVALID\` and nothing changes:
   a stranger who knows the code can neither read the files nor block a revocation.

## Admin API

\`DELETE /api/v1/admin/licenses/{machine_id}\` needs \`Authorization: Bearer andt_…\`: an API token
created with \`npm run admin:token\` or in the admin pages (shown once, stored hashed), belonging
to an active admin.

## Customer API

\`GET /api/users/me/licenses\` and \`GET /api/users/me/orders\` need \`Authorization: Bearer andc_…\`: a
customer's API token, created on the customer's page \`/account/tokens\` (shown once, stored hashed,
revocable there). No token, an unknown or revoked one: 401 \`UNAUTHORIZED\`; a staff token: 403
\`FORBIDDEN\`. A customer token is refused by the admin API (401).

## Client API keys

A client package (made by the vendor on \`/admin/packages\` or with \`npm run package:create\`) holds the
client's API key \`sk_<plan>_<22 base62 characters>\` in its \`.env\` (\`API_KEY=\`). The portal stores only its
SHA-256. \`GET /api/v1/client/me\` says whom a key belongs to. \`POST /api/v1/licenses/trial\`, \`activate\` and
\`validate\` (and \`/api/license/validate\`) accept it in \`Authorization: Bearer sk_…\`: an unknown, malformed or
revoked key answers 401 \`UNAUTHORIZED\` (\`WWW-Authenticate: Bearer\`), a request about another product than the
key's (trial's \`product\`, the activation code's product, the validated license's product) 403 \`FORBIDDEN\`.
Without the header, a request about a product the vendor lists in \`CLIENT_KEY_REQUIRED_PRODUCTS\` (the portal's
configuration; empty by default) answers 401 \`UNAUTHORIZED\` (\`WWW-Authenticate: Bearer\`; validate's answer signed);
about any other product it is answered as for any desktop client (the key is optional). A key is revoked by the
vendor, or replaced ("reset the client"): the old key then stops at once or after the grace period the vendor chose.
`;

/** The optional client API key of trial, activate and validate: no security, or the client key. */
const CLIENT_KEY_OPTIONAL = [{}, { clientKey: [] }];
const clientKeyRefused = json(errorOf(['UNAUTHORIZED']), 'A client API key was sent (`Bearer sk_…`) that is unknown, malformed or revoked; or none ' +
  'was sent and the product needs one (`CLIENT_KEY_REQUIRED_PRODUCTS`, see "Client API keys").', {
  'WWW-Authenticate': { description: '`Bearer`.', schema: { type: 'string' } },
});
const otherProduct = json(errorOf(['FORBIDDEN']), 'The client API key sent is for another product.');

/** A GET of the customer API (bearer customer token) answering `{success, data: [<schema>]}`. */
function customerGet(operationId: string, summary: string, description: string, schema: string): Record<string, unknown> {
  return {
    get: {
      tags: ['customer'], operationId, summary, description, security: [{ customerBearer: [] }],
      responses: {
        200: json({ type: 'object', required: ['success', 'data'], properties: { success: { const: true },
          data: { type: 'array', items: { $ref: `#/components/schemas/${schema}` } } }, unevaluatedProperties: false }, 'The list.'),
        400: badQuery,
        401: json(errorOf(['UNAUTHORIZED']), 'No token, or not a valid, unrevoked token of an active account.', {
          'WWW-Authenticate': { description: '`Bearer`.', schema: { type: 'string' } },
        }),
        403: json(errorOf(['FORBIDDEN']), 'The token is not a customer\'s (a staff token).'),
        429: rateLimited('600 requests per hour per IP'),
        500: serverError,
      },
    },
  };
}

/** The whole document. `servers` is relative, so the page and clients use the host they reached. */
export const openApiDocument: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'artisan_nd portal API',
    version: '1.0.0',
    summary: 'License server (trial, activation, validation, heartbeat, revocation) and key-file delivery.',
    description: DESCRIPTION.trim(),
    license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
  },
  servers: [{ url: '/', description: 'This portal' }],
  tags: [
    { name: 'licenses', description: 'License server for the desktop programs (EasyFacture, artisan_nd…). FR : serveur de licences.' },
    { name: 'admin', description: 'Administration with an API token. FR : administration par jeton d\'API.' },
    { name: 'compatibility', description: 'Routes kept for Mastertrade clients. FR : compatibilité Mastertrade.' },
    { name: 'key files', description: 'Delivery of recharge key files to installations. FR : livraison des fichiers de recharge.' },
    { name: 'shop', description: 'The catalogue of the customer shop. FR : catalogue de la boutique.' },
    { name: 'customer', description: 'A customer\'s licenses and orders, with a customer API token. FR : licences et commandes du client.' },
    { name: 'client', description: 'A client package\'s API key (`sk_…`). FR : clé d\'API d\'un package client.' },
    { name: 'documentation', description: 'This document. FR : ce document.' },
  ],
  paths: {
    '/api/v1/licenses/trial': {
      post: {
        tags: ['licenses'],
        operationId: 'createTrial',
        summary: 'Start a trial license / Démarrer un essai',
        description: 'Creates a trial of `product` for this machine, valid `trial_days` (30 by default). One trial per machine and per e-mail ' +
          'address (case-insensitive) for a product: a second one answers 409 with the existing trial\'s dates. An unknown `product` answers 400 ' +
          '`INVALID_REQUEST` with `details: {"product":"UNKNOWN"}`. Limited to 3 per hour per IP. A client API key is optional ' +
          'except for some products (see "Client API keys").',
        security: CLIENT_KEY_OPTIONAL,
        requestBody: body({
          type: 'object',
          required: ['machine_id', 'email', 'product', 'version'],
          properties: {
            machine_id: { $ref: '#/components/schemas/MachineId' },
            email: { type: 'string', format: 'email', maxLength: 254 },
            product: { type: 'string', description: 'A product code, e.g. `easyfacture`, `artisan_nd`.', examples: ['easyfacture'] },
            version: { type: 'string', description: 'The program\'s version.', examples: ['2.4.1'] },
          },
        }, { machine_id: '0123456789abcdef0123456789abcdef', email: 'alice@example.com', product: 'easyfacture', version: '2.4.1' }),
        responses: {
          201: json({
            type: 'object',
            required: ['success', 'license_key', 'license_type', 'expires_at', 'days_remaining', 'message'],
            properties: {
              success: { const: true },
              license_key: { $ref: '#/components/schemas/LicenseKey' },
              license_type: { const: 'trial' },
              expires_at: DATE_TIME,
              days_remaining: { type: 'integer', minimum: 0 },
              message: { type: 'string' },
            },
            unevaluatedProperties: false,
          }, 'The trial was created.'),
          400: badRequest(),
          401: clientKeyRefused,
          403: otherProduct,
          409: json(errorOf(['TRIAL_ALREADY_EXISTS'], {
            existing_license: {
              type: 'object',
              required: ['expires_at', 'days_remaining'],
              properties: { expires_at: DATE_TIME, days_remaining: { type: 'integer', minimum: 0 } },
              unevaluatedProperties: false,
            },
          }, ['existing_license']), 'This machine, or this e-mail address, already had a trial of this product; `existing_license` gives its dates.'),
          429: rateLimited('3 trials per hour per IP'),
          500: serverError,
        },
      },
    },
    '/api/v1/licenses/activate': {
      post: {
        tags: ['licenses'],
        operationId: 'activateLicense',
        summary: 'Activate a paid license with a code / Activer une licence payante',
        description: 'Uses an activation code `XXXX-XXXX-XXXX-XXXX` (case, spaces and dashes are forgiven) once: creates a paid license for this ' +
          'machine, of the type of the code\'s batch (`monthly`, `annual` or `lifetime`). Limited to 10 per hour per IP. A client API key is optional ' +
          'except for some products (see "Client API keys").',
        security: CLIENT_KEY_OPTIONAL,
        requestBody: body({
          type: 'object',
          required: ['machine_id', 'activation_code', 'email'],
          properties: {
            machine_id: { $ref: '#/components/schemas/MachineId' },
            activation_code: { type: 'string', examples: ['ABCD-EFGH-JKLM-NPQR'] },
            email: { type: 'string', format: 'email', maxLength: 254 },
          },
        }, { machine_id: '0123456789abcdef0123456789abcdef', activation_code: 'ABCD-EFGH-JKLM-NPQR', email: 'alice@example.com' }),
        responses: {
          200: json({
            type: 'object',
            required: ['success', 'license_key', 'license_type', 'expires_at', 'days_remaining', 'message'],
            properties: {
              success: { const: true },
              license_key: { $ref: '#/components/schemas/LicenseKey' },
              license_type: { enum: ['monthly', 'annual', 'lifetime'] },
              expires_at: { ...DATE_TIME, type: ['string', 'null'], description: 'RFC 3339 UTC; `null` for a lifetime license.' },
              days_remaining: DAYS_REMAINING,
              message: { type: 'string' },
            },
            unevaluatedProperties: false,
          }, 'The license was created.'),
          400: badRequest(),
          401: clientKeyRefused,
          403: otherProduct,
          404: json(errorOf(['INVALID_ACTIVATION_CODE']), 'The code is unknown, already used, or its batch expired.'),
          429: rateLimited('10 activations per hour per IP'),
          500: serverError,
        },
      },
    },
    '/api/v1/licenses/validate': {
      post: {
        tags: ['licenses'],
        operationId: 'validateLicense',
        summary: 'Validate a license online / Valider une licence en ligne',
        description: 'The authoritative check: the server looks the license up and answers from its records (extension, revocation, suspension). A ' +
          'license that cannot be used is still a 200 with `valid:false` and a code in `error`. When the license\'s expiry changed since the ' +
          'token was issued (an extension), the answer carries a fresh `license_key`: store it. A suspended license answers `valid:true, ' +
          'is_active:false`. With a product allowing several machines, a new machine is recorded as an activation while there is room. Answers ' +
          'are signed (X-Signature). Limited to 100 per hour per IP. A client API key is optional ' +
          'except for some products (see "Client API keys").',
        security: CLIENT_KEY_OPTIONAL,
        requestBody: body({
          type: 'object',
          required: ['machine_id', 'license_key'],
          properties: { machine_id: { $ref: '#/components/schemas/MachineId' }, license_key: { type: 'string' } },
        }),
        responses: {
          200: json(
            { oneOf: [{ $ref: '#/components/schemas/ValidationOk' }, { $ref: '#/components/schemas/ValidationRefused' }] },
            'The verdict; signed.',
            signed,
          ),
          400: withSignature(badRequest()),
          401: withSignature(clientKeyRefused),
          403: withSignature(otherProduct),
          429: withSignature(rateLimited('100 validations per hour per IP')),
          500: signedServerError,
        },
      },
    },
    '/api/v1/client/me': {
      get: {
        tags: ['client'],
        operationId: 'clientMe',
        summary: 'Who an API key belongs to / À qui appartient une clé d\'API',
        description: 'The client, plan, e-mail and product of the client API key sent (`Authorization: Bearer sk_…`), and when a scheduled ' +
          'revocation (after a reset) will refuse it. Limited to 600 requests per hour per IP.',
        security: [{ clientKey: [] }],
        responses: {
          200: json({
            type: 'object',
            required: ['success', 'client'],
            properties: {
              success: { const: true },
              client: {
                type: 'object',
                required: ['client', 'plan', 'email', 'product', 'created_at', 'revokes_at'],
                properties: {
                  client: { type: 'string', description: 'The client\'s identifier (slug).', examples: ['dupont-bakery'] },
                  plan: { type: 'string', examples: ['pro'] },
                  email: { type: 'string', format: 'email' },
                  product: { type: 'string', description: 'The product code the key is for.', examples: ['artisan_nd'] },
                  created_at: { type: 'string', format: 'date-time' },
                  revokes_at: { type: ['string', 'null'], format: 'date-time', description: 'When the key stops (a reset\'s grace period), or `null`.' },
                },
                unevaluatedProperties: false,
              },
            },
            unevaluatedProperties: false,
          }, 'The key\'s owner.'),
          400: badQuery,
          401: json(errorOf(['UNAUTHORIZED']), 'No client API key, or one that is unknown, malformed or revoked.', {
            'WWW-Authenticate': { description: '`Bearer`.', schema: { type: 'string' } },
          }),
          429: rateLimited('600 requests per hour per IP'),
          500: serverError,
        },
      },
    },
    '/api/v1/licenses/heartbeat': {
      post: {
        tags: ['licenses'],
        operationId: 'heartbeat',
        summary: 'Report that the program runs / Signaler que le programme tourne',
        description: 'Stores a heartbeat (version and OS of the program) for usage statistics. At most one per license and machine per product ' +
          'heartbeat interval (24 h by default): a second one answers 429 with the seconds to wait. Answers are signed (X-Signature).',
        requestBody: body({
          type: 'object',
          required: ['machine_id', 'license_key', 'app_version', 'os_info'],
          properties: {
            machine_id: { $ref: '#/components/schemas/MachineId' },
            license_key: { type: 'string' },
            app_version: { type: 'string', examples: ['2.4.1'] },
            os_info: { type: 'string', examples: ['Windows 11 23H2'] },
          },
        }),
        responses: {
          200: json({
            type: 'object',
            required: ['success', 'message', 'last_check'],
            properties: { success: { const: true }, message: { type: 'string' }, last_check: DATE_TIME },
            unevaluatedProperties: false,
          }, 'The heartbeat was stored; signed.', signed),
          400: withSignature(badRequest()),
          403: heartbeatRefused('license'),
          404: withSignature(json(errorOf(['LICENSE_NOT_FOUND']), 'The license token is unknown or not valid for this machine.')),
          429: withSignature(rateLimited('one heartbeat per license and machine per heartbeat interval, and validate\'s allowance per IP and hour')),
          500: signedServerError,
        },
      },
    },
    '/api/v1/admin/licenses/{machine_id}': {
      delete: {
        tags: ['admin'],
        operationId: 'revokeMachineLicenses',
        summary: 'Revoke every license of a machine / Révoquer les licences d\'une machine',
        description: 'Revokes every license of this machine that is not revoked yet (reason "revoked through the API", written to the audit log). ' +
          'The next validate answers `LICENSE_REVOKED`.',
        security: [{ bearerAuth: [] }],
        parameters: [{ name: 'machine_id', in: 'path', required: true, schema: { $ref: '#/components/schemas/MachineId' } }],
        responses: {
          200: json({
            type: 'object',
            required: ['success', 'revoked', 'message'],
            properties: {
              success: { const: true },
              revoked: { type: 'integer', minimum: 1, description: 'How many licenses were revoked.' },
              message: { type: 'string' },
            },
            unevaluatedProperties: false,
          }, 'The licenses were revoked.'),
          400: badRequest(['INVALID_MACHINE_ID', 'INVALID_REQUEST']),
          401: json(errorOf(['UNAUTHORIZED']), 'No token, or not a valid, unrevoked token of an active admin.', {
            'WWW-Authenticate': { description: 'May be `Bearer`.', schema: { type: 'string' } },
          }),
          404: json(errorOf(['LICENSE_NOT_FOUND']), 'This machine has no license left to revoke.'),
          500: serverError,
        },
      },
    },
    '/api/license/validate': {
      post: {
        tags: ['compatibility'],
        operationId: 'compatValidate',
        summary: 'Validate (Mastertrade clients) / Valider (clients Mastertrade)',
        description: 'The validate route in the shape Mastertrade clients expect. `key` is a license token, `device_id` the machine id. `allowed` ' +
          '= valid and active. Signed like the v1 route, and counted in the same per-IP limit. A client API key is optional ' +
          'except for some products (see "Client API keys").',
        security: CLIENT_KEY_OPTIONAL,
        requestBody: body({
          type: 'object',
          required: ['key', 'device_id'],
          properties: { key: { type: 'string' }, device_id: { $ref: '#/components/schemas/MachineId' } },
        }),
        responses: {
          200: json({
            type: 'object',
            required: ['valid', 'expiry', 'allowed'],
            properties: {
              valid: { type: 'boolean' },
              expiry: { ...DATE_TIME, type: ['string', 'null'], description: 'RFC 3339 UTC; `null` for a lifetime license or an unknown key.' },
              allowed: { type: 'boolean', description: '`valid` and the license is active (not suspended).' },
            },
            unevaluatedProperties: false,
          }, 'The verdict; signed.', signed),
          400: withSignature(badRequest()),
          401: withSignature(clientKeyRefused),
          403: withSignature(otherProduct),
          429: withSignature(rateLimited('validations per hour per IP')),
          500: signedServerError,
        },
      },
    },
    '/api/license/heartbeat': {
      post: {
        tags: ['compatibility'],
        operationId: 'compatHeartbeat',
        summary: 'Heartbeat (Mastertrade clients) / Heartbeat (clients Mastertrade)',
        description: 'The heartbeat route in the shape Mastertrade clients expect; same rule of one per interval. Signed.',
        requestBody: body({
          type: 'object',
          required: ['key', 'device_id'],
          properties: {
            key: { type: 'string' },
            device_id: { $ref: '#/components/schemas/MachineId' },
            app_version: { type: 'string' },
            os_info: { type: 'string' },
          },
        }),
        responses: {
          200: json({
            type: 'object',
            required: ['ok', 'last_check'],
            properties: { ok: { const: true }, last_check: DATE_TIME },
            unevaluatedProperties: false,
          }, 'The heartbeat was stored; signed.', signed),
          400: withSignature(badRequest()),
          403: heartbeatRefused('key'),
          404: withSignature(json(errorOf(['LICENSE_NOT_FOUND']), 'The key is unknown or not valid for this device.')),
          429: withSignature(rateLimited('one heartbeat per license and device per heartbeat interval, and validate\'s allowance per IP and hour')),
          500: signedServerError,
        },
      },
    },
    '/api/v1/installations/{code}/challenge': {
      post: {
        tags: ['key files'],
        operationId: 'installationChallenge',
        summary: 'A challenge for the installation / Un défi pour l\'installation',
        description: 'A 56-byte message sealed to the X25519 public key of the Installation Code (see "Key files" above). '
          + 'Opened with the installation\'s secret key, it is the `X-Installation-Proof` of the keyfiles route until `expires_at`. '
          + 'No body. Rate-limited per IP with the keyfiles route.',
        parameters: [CODE_PARAMETER],
        responses: {
          200: json({
            type: 'object',
            required: ['installation', 'challenge', 'expires_at'],
            properties: {
              installation: { type: 'string', description: 'The Installation Code, in groups of 5.' },
              challenge: { type: 'string', contentEncoding: 'base64', description: 'base64 of `epk (32) || nonce (24) || box (16 + 56)`: 128 bytes.' },
              expires_at: { ...DATE_TIME, description: 'Until when the opened challenge is accepted as a proof (5 minutes).' },
            },
            unevaluatedProperties: false,
          }, 'The challenge.', { 'Cache-Control': { schema: { const: 'no-store' } } }),
          400: badRequest(['INVALID_INSTALLATION_CODE', 'INVALID_REQUEST']),
          429: rateLimited('key-file requests per hour per IP'),
          500: serverError,
        },
      },
    },
    '/api/v1/installations/{code}/keyfiles': {
      get: {
        tags: ['key files'],
        operationId: 'listKeyFiles',
        summary: 'Fetch pending recharge key files / Récupérer les fichiers de recharge',
        description: 'The recharge key files issued to this installation (keyfile-v1.md), at most 100, in serial order, after `after_serial`, '
          + 'for the installation itself: `X-Installation-Proof` carries its opened challenge (see "Key files" above). '
          + 'Serving a file marks it delivered (it can no longer be revoked); a request without a valid proof reads and marks nothing. Rate-limited per IP.',
        parameters: [
          CODE_PARAMETER,
          {
            name: 'after_serial', in: 'query', required: false, description: 'Only files with a greater serial (default 0).',
            schema: { type: 'integer', minimum: 0, default: 0 },
          },
          {
            name: 'X-Installation-Proof', in: 'header', required: true,
            description: 'base64 of the 56-byte message of a challenge from `POST /api/v1/installations/{code}/challenge`, '
              + 'opened with the installation secret key; good until its `expires_at`.',
            schema: { type: 'string' },
          },
        ],
        responses: {
          200: json({
            type: 'object',
            required: ['installation', 'keyfiles'],
            properties: {
              installation: { type: 'string', description: 'The Installation Code, in groups of 5.' },
              keyfiles: {
                type: 'array',
                maxItems: 100,
                items: {
                  type: 'object',
                  required: ['serial', 'id', 'file'],
                  properties: {
                    serial: { type: 'integer', minimum: 1 },
                    id: { type: 'string' },
                    file: { type: 'string', contentEncoding: 'base64', description: 'The `.bin` key file, base64.' },
                  },
                  unevaluatedProperties: false,
                },
              },
            },
            unevaluatedProperties: false,
          }, 'The files, maybe none; each is now delivered.', { 'Cache-Control': { schema: { const: 'no-store' } } }),
          400: badRequest(['INVALID_INSTALLATION_CODE', 'INVALID_REQUEST']),
          401: json(errorOf(['INSTALLATION_PROOF_REQUIRED', 'INSTALLATION_PROOF_INVALID']),
            'No proof (`INSTALLATION_PROOF_REQUIRED`), or one that is not the opened challenge of this installation or has expired '
            + '(`INSTALLATION_PROOF_INVALID`): ask a new challenge. Nothing was read or marked.'),
          429: rateLimited('key-file requests per hour per IP'),
          500: serverError,
        },
      },
    },
    '/api/products': {
      get: {
        tags: ['shop'],
        operationId: 'listProducts',
        summary: 'Published products with their offers and current release / Logiciels en vente',
        description: 'Public. Prices are integer minor units excluding VAT of `currency` (2900 EUR = 29,00 € HT).',
        responses: {
          200: json({ type: 'object', required: ['success', 'data'], properties: { success: { const: true },
            data: { type: 'array', items: { $ref: '#/components/schemas/Product' } } } }, 'The published products, in display order.'),
          400: badQuery,
        },
      },
    },
    '/api/products/{id}': {
      get: {
        tags: ['shop'],
        operationId: 'getProduct',
        summary: 'One published product by id or SKU / Un logiciel en vente',
        parameters: [{ name: 'id', in: 'path', required: true, description: 'The product id or its SKU (`easyfacture`).',
          schema: { type: 'string', maxLength: 64 } }],
        responses: {
          200: json({ type: 'object', required: ['success', 'data'], properties: { success: { const: true }, data: { $ref: '#/components/schemas/Product' } } },
            'The product.'),
          400: badQuery,
          404: { $ref: '#/components/responses/NotFound' },
        },
      },
    },
    '/api/users/me/licenses': customerGet('listMyLicenses', 'The customer\'s license keys / Mes licences',
      'Every license key of the customer\'s paid orders (newest order first), with its state, type, expiry and the machines it runs on.',
      'CustomerLicense'),
    '/api/users/me/orders': customerGet('listMyOrders', 'The customer\'s orders / Mes commandes',
      'The customer\'s orders, newest first (at most 500), with their invoice number and total.', 'CustomerOrder'),
    '/api/licenses/{id}/renew': {
      post: {
        tags: ['customer'], operationId: 'renewMyLicenses', summary: 'Renew the licenses of one of my orders / Renouveler mes licences',
        description: 'Places the renewal order of the customer\'s paid order `id` (all its seats, at the renewal price) and answers where it is paid '
          + '(`pay_url`, the order page). The licenses move on once it is paid. An `Idempotency-Key` header (8 to 100 of `[A-Za-z0-9_-]`) makes a '
          + 'repeated call answer the same order (200).',
        security: [{ customerBearer: [] }],
        parameters: [{ name: 'id', in: 'path', required: true, description: 'The paid order (`order_id` of GET /api/users/me/licenses).',
          schema: { type: 'string', maxLength: 20 } },
        { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{8,100}$' } }],
        responses: {
          201: json(RENEWAL, 'The renewal order, to pay at `pay_url`.'),
          200: json(RENEWAL, 'The same renewal order (a repeated call with the same Idempotency-Key).'),
          400: badQuery,
          401: json(errorOf(['UNAUTHORIZED']), 'No token, or not a valid, unrevoked token of an active account.', {
            'WWW-Authenticate': { description: '`Bearer`.', schema: { type: 'string' } },
          }),
          403: json(errorOf(['FORBIDDEN']), 'The token is not a customer\'s (a staff token).'),
          404: json(errorOf(['NOT_FOUND']), 'No such order of this customer.'),
          422: json(errorOf(['VALIDATION_FAILED']), 'The order cannot be renewed (not paid, lifetime, no renewal price); `details.form` says why.'),
          429: rateLimited('600 requests per hour per IP'),
          500: serverError,
        },
      },
    },
    '/api/v1/openapi.json': {
      get: {
        tags: ['documentation'],
        operationId: 'openApiDocument',
        summary: 'This OpenAPI 3.1 document / Ce document OpenAPI 3.1',
        responses: {
          200: json(
            { type: 'object', required: ['openapi', 'info', 'paths'], properties: { openapi: { type: 'string', pattern: '^3\\.1\\.' } } },
            'The document.',
          ),
          400: badQuery,
        },
      },
    },
    '/api/docs': {
      get: {
        tags: ['documentation'],
        operationId: 'apiDocsPage',
        summary: 'This document as a readable page / Ce document en page lisible',
        description: 'An HTML page (swagger-ui) in the visitor\'s language (`?lang=fr|en`).',
        responses: {
          200: { description: 'The HTML page (text/html).', headers: { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } } },
          400: badQuery,
        },
      },
    },
  },
  components: {
    responses: {
      BadQuery: badQuery,
      NotFound: json(errorOf(['NOT_FOUND']),
        'No route at this path: not under the API, or not in its exact form (`//api/…`, a percent-encoded letter). Signed on the paths of the signed routes.'),
      MethodNotAllowed: json(errorOf(['METHOD_NOT_ALLOWED']),
        'The path exists but not with this method; `Allow` lists its methods and `details.allow` too. Signed on the paths of the signed routes.', {
        Allow: { description: 'The methods of this path, e.g. `POST`.', required: true, schema: { type: 'string', pattern: '^[A-Z]+(, [A-Z]+)*$' } },
      }),
    },
    schemas: {
      Product: PRODUCT,
      MachineId: MACHINE_ID,
      LicenseKey: LICENSE_KEY,
      CustomerLicense: CUSTOMER_LICENSE,
      CustomerOrder: CUSTOMER_ORDER,
      Error: {
        type: 'object',
        description: 'Every error answer. `error` is a stable code; `message` is for people (English); `details` is null or an object naming ' +
          'faulty members; `retry_after` (seconds) only on 429.',
        required: ['success', 'error', 'message', 'details', 'timestamp', 'request_id'],
        properties: {
          success: { const: false },
          error: { type: 'string', enum: ERROR_CODES },
          message: { type: 'string' },
          details: { description: 'null, or an object, e.g. `{"product":"UNKNOWN"}`.' },
          timestamp: { type: 'string', format: 'date-time' },
          request_id: { type: 'string', description: 'Same as the X-Request-Id header.' },
          retry_after: { type: 'integer', minimum: 1, description: 'Seconds to wait (429 only).' },
        },
      },
      ValidationOk: {
        type: 'object',
        description: 'The license may be used (`is_active:false` when an admin suspended it: the program should then stop as if invalid, but keep ' +
          'the license).',
        required: [
          'success', 'valid', 'license_type', 'expires_at', 'days_remaining', 'is_active', 'customer_email', 'grace_days', 'heartbeat_interval_seconds',
        ],
        properties: {
          success: { const: true },
          valid: { const: true },
          license_type: { enum: ['trial', 'monthly', 'annual', 'lifetime'] },
          expires_at: { ...DATE_TIME, type: ['string', 'null'], description: 'RFC 3339 UTC; `null` for a lifetime license.' },
          days_remaining: DAYS_REMAINING,
          is_active: { type: 'boolean', description: 'false when the license is suspended.' },
          customer_email: { type: 'string' },
          grace_days: {
            type: 'integer',
            minimum: 0,
            description: 'The product\'s grace period: how many days past `expires_at` the program may go on while it cannot reach the server. ' +
              'Store it with the token.',
          },
          heartbeat_interval_seconds: {
            type: 'integer',
            minimum: 1,
            description: 'The product\'s heartbeat interval: send at most one heartbeat, and validate at least once, per interval.',
          },
          license_key: {
            $ref: '#/components/schemas/LicenseKey',
            description: 'A fresh token, only when the expiry changed since the given token was issued: store it in place of the old one.',
          },
        },
        unevaluatedProperties: false,
      },
      ValidationRefused: {
        type: 'object',
        description: 'The license may not be used. `LICENSE_NOT_FOUND`: unknown token or bad signature; `LICENSE_REVOKED`; `LICENSE_EXPIRED` (with ' +
          '`expired_at` and `renewal_url`); `MACHINE_MISMATCH`: bound to another machine; `TOO_MANY_ACTIVATIONS`: all the product\'s machines ' +
          'are taken (with `support_url`).',
        required: ['success', 'valid', 'error', 'message'],
        properties: {
          success: { const: true },
          valid: { const: false },
          error: { enum: ['LICENSE_NOT_FOUND', 'LICENSE_REVOKED', 'LICENSE_EXPIRED', 'MACHINE_MISMATCH', 'TOO_MANY_ACTIVATIONS'] },
          message: { type: 'string' },
          expired_at: DATE_TIME,
          renewal_url: { type: ['string', 'null'], description: 'Where to buy a renewal (the product\'s), when known.' },
          support_url: {
            type: 'string', format: 'uri',
            description: 'With `TOO_MANY_ACTIVATIONS`: the support ticket form with this license preselected (the customer can also release a ' +
              'device from their licenses page).',
          },
        },
        allOf: [
          { if: { properties: { error: { const: 'LICENSE_EXPIRED' } } }, then: { required: ['expired_at', 'renewal_url'] } },
          { if: { properties: { error: { const: 'TOO_MANY_ACTIVATIONS' } } }, then: { required: ['support_url'] } },
        ],
        unevaluatedProperties: false,
      },
    },
    headers: {
      'X-Request-Id': {
        description: 'The request id: the caller\'s `X-Request-Id` when it has 8–64 of `A–Z a–z 0–9 . _ -`, else a new UUID. Also `request_id` in errors.',
        required: true,
        schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{8,64}$' },
      },
      'Retry-After': {
        description: 'Seconds to wait before retrying (same as `retry_after`).',
        required: true,
        schema: { type: 'string', pattern: '^[1-9][0-9]*$' },
      },
      'X-Signature-Date': {
        description: 'When the answer was signed, RFC 3339 UTC without milliseconds; part of the signed bytes. Reject answers dated too far from your clock.',
        required: true,
        schema: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' },
      },
      'X-Signature': {
        description: 'Detached Ed25519 signature of the answer: `ed25519;kid=<16 hex>;sig=<base64>`, over `"ARTISAN-ND/RESPONSE/v1" || 0x00 || ' +
          'X-Signature-Date || "\\n" || body bytes`, made with the issuer key `kid` of `/.well-known/artisan-nd/keys.json`. See "Signed answers" ' +
          'above.',
        required: true,
        schema: { type: 'string', pattern: '^ed25519;kid=[0-9a-f]{16};sig=[A-Za-z0-9+/]{86}==$' },
      },
    },
    securitySchemes: {
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'andt_…',
        description: 'An admin API token (`npm run admin:token` or the admin pages), shown once, stored hashed.',
      },
      customerBearer: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'andc_…',
        description: 'A customer API token (the customer\'s page /account/tokens), shown once, stored hashed, revocable there.',
      },
      clientKey: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'sk_<plan>_<22 base62 characters>',
        description: 'A client package\'s API key (its `.env`, `API_KEY=`), stored hashed by the portal, revocable by the vendor. Optional on ' +
          'trial, activate and validate, except for the products listed in the portal\'s CLIENT_KEY_REQUIRED_PRODUCTS (then 401 without it).',
      },
    },
  },
};
