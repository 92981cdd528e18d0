/** Helpers for recharge tests: installations (key pairs) and the recharge forms. */
import request from 'supertest';
import nacl from 'tweetnacl';
import { SYSTEM_ACTOR } from '../../src/audit/index.js';
import { formatInstallationCode, installationCode, openKeyFile } from '../../src/crypto/index.js';
import type { TestContext } from './context.js';
import { csrfFrom, hiddenFields, type Agent } from './forms.js';
import { csrfOf } from './accounts.js';

export interface TestInstallation {
  secret: Buffer;
  code: string;
  formatted: string;
}

export function newInstallation(): TestInstallation {
  const kp = nacl.box.keyPair();
  const code = installationCode(kp.publicKey);
  return { secret: Buffer.from(kp.secretKey), code, formatted: formatInstallationCode(code) };
}

export async function credit(ctx: TestContext, accountId: number, units: number): Promise<void> {
  await ctx.handle.ledger.change(accountId, 'credit', units, 'test credit', SYSTEM_ACTOR);
}

/** The confirmation page reached from the form: its status, text, hidden fields, and its address. */
export interface PreparedRecharge { status: number; text: string; confirm: Record<string, string>; location: string }

/**
 * Fill the form and read the confirmation page (the form's answer is a 303 to
 * GET /subscription/recharge/confirm/<id>, followed here as a browser does);
 * returns the page and its hidden confirm fields. `location` is the page's address when there was a redirect.
 */
export async function prepare(agent: Agent, fields: Record<string, string>): Promise<PreparedRecharge> {
  const csrf = await csrfOf(agent, '/subscription/recharge');
  let res = await agent.post('/subscription/recharge').field('_csrf', csrf).field('installation_code', fields.installation_code ?? '')
    .field('customer', fields.customer ?? 'Client').field('units', fields.units ?? '10').field('expires_in_days', fields.expires_in_days ?? '30');
  const location = res.status === 303 ? String(res.headers.location) : '';
  if (location) res = await agent.get(location);
  return { status: res.status, text: res.text, confirm: hiddenFields(res.text), location };
}

/**
 * Prepare and confirm a recharge through the forms; returns the recharge id.
 * A second recharge of the same installation within minutes asks for an
 * explicit "yes, again": ticked here, as the partner would.
 */
export async function recharge(agent: Agent, inst: TestInstallation, units: number, customer = 'Boulangerie Martin'): Promise<string> {
  const p = await prepare(agent, { installation_code: inst.formatted.toLowerCase(), customer, units: String(units) });
  if (p.status !== 200) throw new Error(`prepare answered ${p.status}: ${p.text.slice(0, 300)}`);
  const again = p.text.includes('name="again"') ? { again: 'yes' } : {};
  const res = await agent.post('/subscription/recharge/confirm').type('form').send({ ...p.confirm, ...again });
  if (res.status !== 303) throw new Error(`confirm answered ${res.status}`);
  return String(res.headers.location).split('/').pop()!;
}

/**
 * The installation's answer to the portal's challenge, opened with tweetnacl
 * (an implementation independent of src/crypto): POST …/challenge gives
 * base64(epk 32 || nonce 24 || nacl.box(proof)); the proof goes back base64 in `X-Installation-Proof`.
 */
export async function installationProof(ctx: TestContext, inst: TestInstallation): Promise<string> {
  const res = await request(ctx.app).post(`/api/v1/installations/${inst.code}/challenge`);
  if (res.status !== 200) throw new Error(`challenge answered ${res.status}`);
  const c = Buffer.from(String(res.body.challenge), 'base64');
  const plain = nacl.box.open(c.subarray(56), c.subarray(32, 56), c.subarray(0, 32), inst.secret);
  if (!plain) throw new Error('the challenge does not open with the installation key');
  return Buffer.from(plain).toString('base64');
}

/** GET the installation's key files through the API as the installation itself (with its proof); the answer must be a 200. */
export async function fetchKeyFiles(ctx: TestContext, inst: TestInstallation, afterSerial = 0): Promise<request.Response> {
  const proof = await installationProof(ctx, inst);
  return request(ctx.app).get(`/api/v1/installations/${inst.code}/keyfiles?after_serial=${afterSerial}`).set('X-Installation-Proof', proof).expect(200);
}

/** Verify a key file as the desktop program does. */
export function applyAs(ctx: TestContext, inst: TestInstallation, file: Buffer, applied: number[] = []) {
  return openKeyFile(
    file,
    { installationSecret: inst.secret, installationCode: inst.code, trustedKey: ctx.keys.trusted, now: ctx.clock.now(), applied: (s) => applied.includes(s) },
  );
}

/** supertest parser keeping a binary body (key files) as a Buffer. */
export function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

/**
 * Post an admin action form as a browser would: the form on `page`, then the
 * confirmation page's form. Returns the first answer when it is not the
 * confirmation page (a 422 re-render…), else the confirmed answer.
 */
export async function postConfirmed(agent: Agent, page: string, action: string, fields: Record<string, string>): Promise<{
  first: { status: number; text: string }; final: { status: number; text: string; headers: Record<string, string> };
}> {
  const html = (await agent.get(page).expect(200)).text;
  const first = await agent.post(action).type('form').send({ ...fields, _csrf: csrfFrom(html, page) });
  if (first.status !== 200 || !first.text.includes('name="confirm" value="yes"')) return { first, final: first };
  const final = await agent.post(action).type('form').send(hiddenFields(first.text));
  return { first, final };
}
