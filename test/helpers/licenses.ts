/**
 * Helpers for tests of the license server: products, activation code
 * batches, API calls, admin API tokens, and the client-side checks a
 * program does with tweetnacl alone (offline token verification, response
 * signatures), using only the public keys of /.well-known/artisan-nd/keys.json.
 */
import crypto from 'node:crypto';
import { expect } from 'chai';
import nacl from 'tweetnacl';
import request from 'supertest';
import { SYSTEM_ACTOR } from '../../src/audit/index.js';
import { generateActivationCode } from '../../src/licenses/index.js';
import type { TestContext } from './context.js';
import { createAccount } from './accounts.js';

/** A random machine id (32 lower hex). */
export function machine(): string {
  return crypto.randomBytes(16).toString('hex');
}

/** Insert a product; returns its id. */
export async function makeProduct(
  ctx: TestContext, code: string,
  policy: { trial_days?: number; grace_days?: number; max_activations?: number; heartbeat_interval_seconds?: number; renewal_url?: string } = {},
): Promise<number> {
  const now = ctx.clock.now().toISOString();
  const [row] = (await ctx.db('products')
    .insert({ code, name: code.toUpperCase(), renewal_url: '/renew', ...policy, created_at: now, updated_at: now })
    .returning('id')) as ({ id: number } | number)[];
  return typeof row === 'object' ? Number(row.id) : Number(row);
}

export async function productId(ctx: TestContext, code: string): Promise<number> {
  return Number(((await ctx.db('products').where({ code }).first('id')) as { id: unknown }).id);
}

export interface BatchOptions {
  durationDays?: number | null;
  expiresAt?: Date | null;
}

/** Insert a batch of `n` activation codes of `type` for product `code`; returns the codes. */
export async function makeBatch(
  ctx: TestContext, product: string, type: 'monthly' | 'annual' | 'lifetime', n: number, opts: BatchOptions = {},
): Promise<string[]> {
  const duration = opts.durationDays !== undefined ? opts.durationDays : type === 'monthly' ? 31 : type === 'annual' ? 366 : null;
  const [row] = (await ctx.db('activation_batches').insert({
    product_id: await productId(ctx, product), license_type: type, duration_days: duration, size: n,
    expires_at: opts.expiresAt ? opts.expiresAt.toISOString() : null, note: 'test', created_at: ctx.clock.now().toISOString(),
  }).returning('id')) as ({ id: number } | number)[];
  const batchId = typeof row === 'object' ? Number(row.id) : Number(row);
  const codes = Array.from({ length: n }, () => generateActivationCode());
  await ctx.db('activation_codes').insert(codes.map((code) => ({ batch_id: batchId, code })));
  return codes;
}

/** POST a JSON body to the API. */
export function post(ctx: TestContext, path: string, body: unknown): request.Test {
  return request(ctx.app).post(path).send(body as object);
}

/** Start a trial through the API (expects 201); returns the answer's body. */
export async function trial(
  ctx: TestContext, machineId = machine(), email = `${machineId.slice(0, 8)}@example.com`, product = 'easyfacture',
): Promise<{ license_key: string; expires_at: string; days_remaining: number; machineId: string }> {
  const res = await post(ctx, '/api/v1/licenses/trial', { machine_id: machineId, email, product, version: '1.0.0' });
  expect(res.status, res.text).to.equal(201);
  return { ...(res.body as { license_key: string; expires_at: string; days_remaining: number }), machineId };
}

/** Activate a code through the API (expects 200); returns the answer's body. */
export async function activate(
  ctx: TestContext, code: string, machineId = machine(), email = 'buyer@example.com',
): Promise<Record<string, unknown> & { license_key: string }> {
  const res = await post(ctx, '/api/v1/licenses/activate', { machine_id: machineId, activation_code: code, email });
  expect(res.status, res.text).to.equal(200);
  return res.body as Record<string, unknown> & { license_key: string };
}

/** A new admin account's API bearer token (`andt_…`). */
export async function apiToken(ctx: TestContext, email = `admin-${crypto.randomBytes(3).toString('hex')}@artisan-nd.test`): Promise<string> {
  const id = await createAccount(ctx, email, 'admin');
  const account = (await ctx.handle.accounts.byId(id))!;
  return ctx.handle.accounts.createApiToken(account, 'test', SYSTEM_ACTOR);
}

/** A published issuer key as keys.json lists it. */
export interface PublishedKey {
  kid: string;
  public_key: string;
  status: string;
}

/** The public keys, as a client fetches them. */
export async function publishedKeys(ctx: TestContext): Promise<PublishedKey[]> {
  const res = await request(ctx.app).get('/.well-known/artisan-nd/keys.json').expect(200);
  return (res.body as { keys: PublishedKey[] }).keys;
}

function publicKeyOf(keys: PublishedKey[], kidHex: string): Uint8Array {
  const k = keys.find((x) => x.kid === kidHex);
  if (!k) throw new Error(`kid ${kidHex} is not published`);
  return new Uint8Array(Buffer.from(k.public_key, 'base64'));
}

/**
 * Verify a license token as an offline client does (keyfile-v1.md §License
 * token), with tweetnacl only; returns the payload. Throws on any failure.
 */
export function verifyTokenOffline(token: string, keys: PublishedKey[]): Record<string, unknown> {
  const parts = token.split('.');
  expect(parts).to.have.length(4);
  expect(parts[0]).to.equal('ANDL1');
  for (const p of parts.slice(1)) expect(p).to.match(/^[A-Za-z0-9_-]+$/);
  const kid = Buffer.from(parts[1]!, 'base64url');
  const payload = Buffer.from(parts[2]!, 'base64url');
  const sig = Buffer.from(parts[3]!, 'base64url');
  expect(kid).to.have.length(8);
  expect(sig).to.have.length(64);
  const message = Buffer.concat([Buffer.from('ARTISAN-ND/LICENSE/v1', 'ascii'), Buffer.from([0]), kid, payload]);
  const ok = nacl.sign.detached.verify(new Uint8Array(message), new Uint8Array(sig), publicKeyOf(keys, kid.toString('hex')));
  if (!ok) throw new Error('license token signature does not verify');
  return JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
}

/** Check X-Signature / X-Signature-Date of an answer with tweetnacl only, over the raw body bytes. */
export function verifyResponseSignature(res: request.Response, keys: PublishedKey[]): void {
  const date = res.headers['x-signature-date'] as string | undefined;
  const header = res.headers['x-signature'] as string | undefined;
  expect(date, 'X-Signature-Date').to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  const m = /^ed25519;kid=([0-9a-f]{16});sig=([A-Za-z0-9+/]+={0,2})$/.exec(header ?? '');
  expect(m, `X-Signature ${header}`).to.not.equal(null);
  const message = Buffer.concat([Buffer.from('ARTISAN-ND/RESPONSE/v1\0', 'ascii'), Buffer.from(`${date}\n`, 'ascii'), Buffer.from(res.text, 'utf8')]);
  const ok = nacl.sign.detached.verify(new Uint8Array(message), new Uint8Array(Buffer.from(m![2]!, 'base64')), publicKeyOf(keys, m![1]!));
  expect(ok, 'response signature verifies').to.equal(true);
}

/** Env raising the per-IP limits, for test files that call the API many times. */
export const HIGH_LIMITS = { LICENSE_TRIALS_PER_HOUR: '10000', LICENSE_ACTIVATIONS_PER_HOUR: '10000', LICENSE_VALIDATIONS_PER_HOUR: '10000' };
