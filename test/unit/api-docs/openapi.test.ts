/**
 * The OpenAPI document itself (well-formed OpenAPI 3.1, every schema keyword
 * known, every route documented with its headers) and the conformance
 * checker of test/helpers/openapi.ts (it must catch what it is meant to).
 */
import crypto from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { expect } from 'chai';
import nacl from 'tweetnacl';
import request from 'supertest';
import { ERROR_CODES, openApiDocument } from '../../../src/api-docs/index.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { apiRecorder, checkExchange, matchOperation, verifySignature, type RecordedExchange } from '../../helpers/openapi.js';

type Json = Record<string, unknown>;
const paths = openApiDocument.paths as Record<string, Record<string, Json>>;
const responses = (openApiDocument.components as { responses: Record<string, { headers: Json }> }).responses;

/** JSON Schema 2020-12 keywords plus OpenAPI 3.1's schema annotations. */
const SCHEMA_KEYWORDS = new Set([
  '$id', '$schema', '$ref', '$anchor', '$dynamicRef', '$dynamicAnchor', '$defs', '$comment', '$vocabulary',
  'allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else', 'dependentSchemas', 'prefixItems', 'items', 'contains',
  'properties', 'patternProperties', 'additionalProperties', 'propertyNames', 'unevaluatedItems', 'unevaluatedProperties',
  'type', 'enum', 'const', 'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength',
  'pattern', 'maxItems', 'minItems', 'uniqueItems', 'maxContains', 'minContains', 'maxProperties', 'minProperties', 'required',
  'dependentRequired', 'format', 'contentEncoding', 'contentMediaType', 'contentSchema',
  'title', 'description', 'default', 'deprecated', 'readOnly', 'writeOnly', 'examples',
  'discriminator', 'xml', 'externalDocs', 'example',
]);
const SUBSCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'dependentSchemas'];
const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const SUBSCHEMA_ONE = [
  'not', 'if', 'then', 'else', 'items', 'contains', 'additionalProperties', 'propertyNames', 'unevaluatedItems',
  'unevaluatedProperties', 'contentSchema',
];

function unknownKeywords(schema: unknown, where: string, out: string[]): void {
  if (typeof schema !== 'object' || schema === null) return;
  for (const [k, v] of Object.entries(schema)) {
    if (!SCHEMA_KEYWORDS.has(k)) out.push(`${where}: ${k}`);
    if (SUBSCHEMA_MAPS.includes(k)) for (const [name, sub] of Object.entries(v as Json)) unknownKeywords(sub, `${where}/${k}/${name}`, out);
    if (SUBSCHEMA_LISTS.includes(k)) (v as unknown[]).forEach((sub, i) => unknownKeywords(sub, `${where}/${k}/${i}`, out));
    if (SUBSCHEMA_ONE.includes(k)) unknownKeywords(v, `${where}/${k}`, out);
  }
}

/** Every schema of the document with a readable location. */
function allSchemas(): [string, unknown][] {
  const out: [string, unknown][] = [];
  const components = openApiDocument.components as { schemas: Json; headers: Record<string, Json> };
  for (const [name, s] of Object.entries(components.schemas)) out.push([`components/schemas/${name}`, s]);
  for (const [name, h] of Object.entries(components.headers)) out.push([`components/headers/${name}`, h.schema]);
  for (const [template, item] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(item)) {
      for (const p of (op.parameters ?? []) as Json[]) out.push([`${method} ${template} parameter ${String(p.name)}`, p.schema]);
      const rb = op.requestBody as { content: Record<string, { schema: unknown }> } | undefined;
      if (rb) out.push([`${method} ${template} requestBody`, rb.content['application/json']!.schema]);
      for (const [status, r] of Object.entries(op.responses as Record<string, Json>)) {
        const content = r.content as Record<string, { schema: unknown }> | undefined;
        if (content) out.push([`${method} ${template} ${status}`, content['application/json']!.schema]);
        for (const [h, spec] of Object.entries((r.headers ?? {}) as Record<string, Json>)) if (spec.schema) out.push([
          `${method} ${template} ${status} header ${h}`, spec.schema,
        ]);
      }
    }
  }
  return out;
}

const operations = (): [
  string, string, Json,
][] => Object.entries(paths).flatMap(([t, item]) => Object.entries(item).map(([m, op]) => [t, m, op] as [string, string, Json]));

describe('api-docs: the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document whose $refs all resolve', async () => {
    const validator = new Validator();
    const res = await validator.validate(structuredClone(openApiDocument));
    expect(res.errors ?? [], JSON.stringify(res.errors, null, 1)).to.deep.equal([]);
    expect(res.valid).to.equal(true);
    expect(validator.version).to.equal('3.1');
    expect(() => validator.resolveRefs()).not.to.throw();
    expect(openApiDocument.servers).to.deep.equal([{ url: '/', description: 'This portal' }]);
  });

  it('uses only JSON Schema 2020-12 / OpenAPI keywords in its schemas (no typo silently ignored)', () => {
    const unknown: string[] = [];
    for (const [where, schema] of allSchemas()) unknownKeywords(schema, where, unknown);
    expect(unknown).to.deep.equal([]);
  });

  it('documents every route under /api of the issue, with bearer auth on the admin one', () => {
    expect(operations().map(([t, m]) => `${m.toUpperCase()} ${t}`).sort()).to.deep.equal([
      'DELETE /api/v1/admin/licenses/{machine_id}',
      'GET /api/docs',
      'GET /api/products',
      'GET /api/products/{id}',
      'GET /api/users/me/licenses',
      'GET /api/users/me/orders',
      'GET /api/v1/client/me',
      'GET /api/v1/installations/{code}/keyfiles',
      'GET /api/v1/openapi.json',
      'POST /api/license/heartbeat',
      'POST /api/license/validate',
      'POST /api/licenses/{id}/renew',
      'POST /api/v1/installations/{code}/challenge',
      'POST /api/v1/licenses/activate',
      'POST /api/v1/licenses/heartbeat',
      'POST /api/v1/licenses/trial',
      'POST /api/v1/licenses/validate',
    ]);
    expect(paths['/api/v1/admin/licenses/{machine_id}']!.delete!.security).to.deep.equal([{ bearerAuth: [] }]);
    expect(paths['/api/users/me/licenses']!.get!.security).to.deep.equal([{ customerBearer: [] }]);
    expect(paths['/api/v1/client/me']!.get!.security).to.deep.equal([{ clientKey: [] }]);
    expect(paths['/api/v1/licenses/trial']!.post!.security).to.deep.equal([{}, { clientKey: [] }]);
    // A client key is optional, except for the products the vendor lists (CLIENT_KEY_REQUIRED_PRODUCTS): said where the security is described.
    const clientKey = (openApiDocument.components as { securitySchemes: Record<string, { description: string }> }).securitySchemes.clientKey!;
    expect(clientKey.description).to.contain('CLIENT_KEY_REQUIRED_PRODUCTS');
    expect((openApiDocument.info as { description: string }).description).to.contain('CLIENT_KEY_REQUIRED_PRODUCTS');
    expect((openApiDocument.components as { securitySchemes: Json }).securitySchemes).to.have.keys('bearerAuth', 'customerBearer', 'clientKey');
    for (const code of [
      'INVALID_REQUEST', 'MACHINE_ID_REQUIRED', 'INVALID_MACHINE_ID', 'LICENSE_NOT_FOUND', 'LICENSE_EXPIRED', 'LICENSE_REVOKED',
      'TRIAL_ALREADY_EXISTS', 'RATE_LIMIT_EXCEEDED', 'SERVER_ERROR',
    ]) {
      expect(ERROR_CODES).to.include(code);
    }
  });

  it('declares X-Request-Id on every answer, Retry-After on every 429 and the signature headers on validate/heartbeat 200s', () => {
    const signed = ['/api/v1/licenses/validate', '/api/v1/licenses/heartbeat', '/api/license/validate', '/api/license/heartbeat'];
    for (const [template, , op] of operations()) {
      for (const [status, response] of Object.entries(op.responses as Record<string, { headers: Json; $ref?: string }>)) {
        // A shared response (`$ref: '#/components/responses/NotFound'`) is checked where it is defined.
        const r = response.$ref ? responses[response.$ref.split('/').pop()!]! : response;
        expect(r.headers, `${template} ${status}`).to.have.property('X-Request-Id');
        if (status === '429') expect(r.headers, `${template} 429`).to.have.property('Retry-After');
        if (status === '200' && signed.includes(template)) expect(r.headers, `${template} 200`).to.include.keys('X-Signature', 'X-Signature-Date');
      }
    }
    const info = (openApiDocument.info as { description: string }).description;
    expect(info).to.contain('/.well-known/artisan-nd/keys.json').and.contain('grace_days').and.contain('X-Signature').and.contain('ARTISAN-ND/RESPONSE/v1');
  });
});

describe('api-docs: the conformance checker', () => {
  const headers = { 'x-request-id': 'req-12345678' };
  const error = (code: string, extra: Json = {}): Json => ({
    success: false, error: code, message: 'm', details: null, timestamp: '2026-11-22T10:00:00.000Z', request_id: 'req-12345678',
    ...extra
  });

  it('matches paths to templates, literal first, and refuses unknown methods and paths', () => {
    expect(matchOperation(
      'DELETE', '/api/v1/admin/licenses/0123456789abcdef0123456789abcdef',
    )).to.include({ template: '/api/v1/admin/licenses/{machine_id}', method: 'delete' });
    expect(matchOperation(
      'DELETE', '/api/v1/admin/licenses/0123456789abcdef0123456789abcdef',
    )!.params).to.deep.equal({ machine_id: '0123456789abcdef0123456789abcdef' });
    expect(matchOperation('GET', '/api/v1/installations/ABCDE-FGHIJ/keyfiles')!.params).to.deep.equal({ code: 'ABCDE-FGHIJ' });
    expect(matchOperation('GET', '/api/v1/licenses/trial')).to.equal(null);
    expect(matchOperation('POST', '/api/v1/licenses/nope')).to.equal(null);
  });

  it('accepts conforming answers', () => {
    expect(checkExchange({
      method: 'POST', path: '/api/v1/licenses/trial', status: 409, headers,
      body: error('TRIAL_ALREADY_EXISTS', { existing_license: { expires_at: '2026-12-22T10:00:00Z', days_remaining: 30 } }),
    })).to.deep.equal([]);
    expect(checkExchange({
      method: 'POST', path: '/api/v1/licenses/activate', status: 429, headers: { ...headers, 'retry-after': '120' },
      body: error('RATE_LIMIT_EXCEEDED', { retry_after: 120, details: { retry_after: 120 } }),
    })).to.deep.equal([]);
  });

  it('reports undocumented statuses, wrong codes, extra members, missing headers and paths', () => {
    expect(checkExchange({ method: 'POST', path: '/api/v1/licenses/trial', status: 418, headers, body: {} })[0]).to.match(/status 418 is not documented/);
    const wrong = checkExchange({
      method: 'POST', path: '/api/v1/licenses/activate', status: 404, headers: {}, body: error('LICENSE_NOT_FOUND', { extra: 1 }),
    });
    expect(wrong.join('\n')).to.contain('/error must be equal to one of the allowed values').and.contain('unevaluated properties')
      .and.contain('header X-Request-Id is required but missing');
    const limited = checkExchange({ method: 'POST', path: '/api/v1/licenses/trial', status: 429, headers, body: error('RATE_LIMIT_EXCEEDED') });
    expect(limited.join('\n')).to.contain("required property 'retry_after'").and.contain('header Retry-After is required but missing');
    const unsigned = checkExchange({
      method: 'POST', path: '/api/v1/licenses/heartbeat', status: 200, headers,
      body: { success: true, message: 'ok', last_check: '2026-11-22T10:00:00Z' },
    });
    expect(unsigned).to.deep.equal(['header X-Signature is required but missing', 'header X-Signature-Date is required but missing']);
    // Unknown paths and methods: only the documented 404 NotFound and 405 MethodNotAllowed (with Allow).
    expect(checkExchange({ method: 'GET', path: '/api/v2/nothing', status: 404, headers, body: error('NOT_FOUND') })).to.deep.equal([]);
    expect(checkExchange({ method: 'GET', path: '/api/v2/nothing', status: 200, headers, body: {} })[0]).to.match(/^no documented operation for this method and path/);
    expect(checkExchange({ method: 'GET', path: '/api/v2/nothing', status: 404, headers, body: error('LICENSE_NOT_FOUND') })[0]).to.match(/error must be equal to one of the allowed values/);
    expect(checkExchange({
      method: 'GET', path: '/api/v1/licenses/trial', status: 405, headers, body: error('METHOD_NOT_ALLOWED'),
    })).to.deep.equal(['header Allow is required but missing']);
    expect(checkExchange({
      method: 'GET', path: '/api/v1/licenses/trial', status: 405, headers: { ...headers, allow: 'POST' },
      body: error('METHOD_NOT_ALLOWED'),
    })).to.deep.equal([]);
  });

  it('verifies X-Signature over the date and the body bytes with the issuer key', () => {
    const pair = nacl.sign.keyPair();
    const kid = crypto.createHash('sha512').update(pair.publicKey).digest().subarray(0, 8).toString('hex');
    const body = { success: true, message: 'ok', last_check: '2026-11-22T10:00:00Z' };
    const date = '2026-11-22T10:00:00Z';
    const message = Buffer.concat([Buffer.from('ARTISAN-ND/RESPONSE/v1\0'), Buffer.from(date), Buffer.from('\n'), Buffer.from(JSON.stringify(body))]);
    const sig = Buffer.from(nacl.sign.detached(message, pair.secretKey)).toString('base64');
    const keys = { trusted: (k: string) => (k === kid ? pair.publicKey : null) };
    const ex = {
      method: 'POST', path: '/api/v1/licenses/heartbeat', status: 200,
      headers: { ...headers, 'x-signature': `ed25519;kid=${kid};sig=${sig}`, 'x-signature-date': date }, body,
    };
    expect(verifySignature(ex, keys)).to.deep.equal([]);
    expect(checkExchange(ex)).to.deep.equal([]);
    expect(verifySignature({ ...ex, body: { ...body, message: 'spoofed' } }, keys)[0]).to.match(/does not verify/);
    expect(verifySignature({ ...ex, headers: { ...ex.headers, 'x-signature-date': '2026-11-22T10:00:01Z' } }, keys)[0]).to.match(/does not verify/);
    expect(verifySignature(ex, { trusted: () => null })[0]).to.match(/not a trusted issuer key/);
  });
});

describe('api-docs: routes', () => {
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext({ seed: false }); });
  after(async () => { await ctx?.close(); });

  it('serves the document at /api/v1/openapi.json', async () => {
    const res = await request(ctx.app).get('/api/v1/openapi.json').expect(200).expect('Content-Type', /application\/json/);
    expect(res.body).to.deep.equal(JSON.parse(JSON.stringify(openApiDocument)));
    expect(res.headers['x-request-id']).to.be.a('string');
  });

  it('serves a readable page at /api/docs in French and English, with local assets and no inline script', async () => {
    const fr = await request(ctx.app).get('/api/docs').set('Accept-Language', 'fr').expect(200).expect('Content-Type', /text\/html/);
    expect(fr.text).to.contain('<html lang="fr">').and.contain('Documentation de l’API').and.contain('href="/api/v1/openapi.json"');
    expect(fr.text).to.contain('<script src="/vendor/swagger-ui/swagger-ui-bundle.js"></script>').and.contain('<script src="/js/api-docs.js"></script>');
    expect(fr.text).not.to.match(/<script>|<script [^>]*>[^<]+<\/script>|https?:\/\//);
    expect(fr.headers['content-security-policy']).to.contain("script-src 'self'");
    const en = await request(ctx.app).get('/api/docs?lang=en').expect(200);
    expect(en.text).to.contain('<html lang="en">').and.contain('API documentation');
    await request(ctx.app).get('/vendor/swagger-ui/swagger-ui-bundle.js').expect(200).expect('Content-Type', /javascript/);
    await request(ctx.app).get('/vendor/swagger-ui/swagger-ui.css').expect(200).expect('Content-Type', /css/);
    // Not the package's demo page and its initializer pointing at a public petstore.
    await request(ctx.app).get('/vendor/swagger-ui/index.html').expect(404);
    await request(ctx.app).get('/vendor/swagger-ui/swagger-initializer.js').expect(404);
    await request(ctx.app).get('/js/api-docs.js').expect(200);
  });

  it('records real answers, and an unknown /api path answers the documented 404', async () => {
    const before = apiRecorder.exchanges.length;
    await request(ctx.app).get('/api/v1/nothing-here').set('X-Request-Id', 'probe-12345678').expect(404).expect('Content-Type', /json/);
    const taken: RecordedExchange[] = apiRecorder.exchanges.slice(before);
    expect(taken.map((e) => [e.method, e.path, e.status])).to.deep.equal([['GET', '/api/v1/nothing-here', 404]]);
    expect(taken[0]!.body).to.include({ success: false, error: 'NOT_FOUND', request_id: 'probe-12345678' });
    expect(checkExchange(taken[0]!)).to.deep.equal([]);
  });
});
