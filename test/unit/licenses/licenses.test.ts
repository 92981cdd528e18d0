import { expect } from 'chai';
import nacl from 'tweetnacl';
import { pino } from 'pino';
import { signingKey } from '../../../src/crypto/index.js';
import { AppError } from '../../../src/errors/index.js';
import { daysRemaining, licenseToken, signResponse, ValidationCounter, type LicensesRepository } from '../../../src/licenses/index.js';
import { parseBody, validateBody, trialBody } from '../../../src/licenses/schemas.js';
import { FixedClock } from '../../../src/platform/clock.js';
import { verifyTokenOffline } from '../../helpers/licenses.js';

const seed = Buffer.alloc(32, 7);
const signer = signingKey(seed);
const keys = [{ kid: signer.kid.toString('hex'), public_key: signer.publicKey.toString('base64'), status: 'active' }];

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as AppError).code;
  }
  return 'none';
}

describe('licenses: helpers', () => {
  it('daysRemaining: whole days, 0 on the last day and after, null for lifetime', () => {
    const now = new Date('2026-11-22T10:00:00Z');
    expect(daysRemaining(new Date('2026-12-22T10:00:00Z'), now)).to.equal(30);
    expect(daysRemaining(new Date('2026-12-22T09:59:59Z'), now)).to.equal(29);
    expect(daysRemaining(new Date('2026-11-22T20:00:00Z'), now)).to.equal(0);
    expect(daysRemaining(new Date('2026-11-01T00:00:00Z'), now)).to.equal(0);
    expect(daysRemaining(null, now)).to.equal(null);
  });

  it('licenseToken: deterministic, verifiable with tweetnacl, dates without fraction', () => {
    const row = {
      publicId: '6f1c3c1e-2b7a-4c55-9d3e-000000000001', productCode: 'easyfacture', machineId: 'ab'.repeat(16),
      licenseType: 'annual' as const, email: 'a@b.c', issuedAt: new Date('2026-11-22T10:00:00.123Z'), expiresAt: null,
    };
    const token = licenseToken(row, signer);
    expect(licenseToken(row, signer)).to.equal(token);
    expect(verifyTokenOffline(token, keys)).to.deep.equal({
      v: 1, typ: 'license', product: 'easyfacture', license_id: row.publicId, machine_id: row.machineId, license_type: 'annual',
      email: 'a@b.c', issued_at: '2026-11-22T10:00:00Z', expires_at: null,
    });
  });

  it('signResponse: Ed25519 over context, date, newline and body, checked by tweetnacl', () => {
    const body = '{"success":true,"valid":true,"é":1}';
    const header = signResponse(signer, '2026-11-22T10:00:00Z', body);
    const m = /^ed25519;kid=([0-9a-f]{16});sig=(.+)$/.exec(header)!;
    expect(m[1]).to.equal(signer.kid.toString('hex'));
    const message = Buffer.concat([Buffer.from('ARTISAN-ND/RESPONSE/v1\0'), Buffer.from('2026-11-22T10:00:00Z\n'), Buffer.from(body, 'utf8')]);
    expect(nacl.sign.detached.verify(message, Buffer.from(m[2]!, 'base64'), signer.publicKey)).to.equal(true);
    expect(nacl.sign.detached.verify(Buffer.concat([message, Buffer.from(' ')]), Buffer.from(m[2]!, 'base64'), signer.publicKey)).to.equal(false);
  });

  it('parseBody maps problems to the documented codes, machine id first, lower-cased', () => {
    expect(codeOf(() => parseBody(validateBody, [1]))).to.equal('INVALID_REQUEST');
    expect(codeOf(() => parseBody(validateBody, null))).to.equal('INVALID_REQUEST');
    expect(codeOf(() => parseBody(validateBody, { license_key: 5 }))).to.equal('MACHINE_ID_REQUIRED');
    expect(codeOf(() => parseBody(validateBody, { machine_id: 'zz', license_key: 5 }))).to.equal('INVALID_MACHINE_ID');
    expect(codeOf(() => parseBody(validateBody, { machine_id: 'A'.repeat(32), license_key: 5 }))).to.equal('INVALID_REQUEST');
    expect(parseBody(validateBody, { machine_id: 'A'.repeat(32), license_key: 'k' }).machine_id).to.equal('a'.repeat(32));
    expect(codeOf(() => parseBody(
      trialBody, { machine_id: 'a'.repeat(32), email: 'x@example.com', product: 'p', version: 'v'.repeat(65) },
    ))).to.equal('INVALID_REQUEST');
  });
});

describe('licenses: ValidationCounter', () => {
  const clock = new FixedClock(new Date('2026-11-22T23:59:59Z'));
  const logger = pino({ level: 'silent' });

  function fakeRepo(fail: { days: boolean }) {
    const written: { productId: number; day: string; validations: number; failures: number }[][] = [];
    const touched: number[][] = [];
    const repo = {
      addValidationDays: async (rows: typeof written[number]) => {
        if (fail.days) throw new Error('db down');
        written.push(rows.map((r) => ({ ...r })));
      },
      touchValidated: async (ids: number[]) => { touched.push(ids); },
    } as unknown as LicensesRepository;
    return { repo, written, touched };
  }

  /** A license never validated before. */
  const fresh = (id: number) => ({ id, lastValidatedAt: null });

  it('adds counts per product and UTC day in one write per flush; nothing when idle', async () => {
    const f = fakeRepo({ days: false });
    const counter = new ValidationCounter(f.repo, clock, logger, 60_000);
    counter.count(1, fresh(10), new Date('2026-11-22T23:59:59Z'), true);
    counter.count(1, fresh(10), new Date('2026-11-22T23:59:59Z'), false);
    counter.count(1, fresh(11), new Date('2026-11-23T00:00:01Z'), true);
    counter.count(2, fresh(12), new Date('2026-11-23T00:00:01Z'), true);
    await counter.flush();
    expect(f.written).to.have.length(1);
    expect(f.written[0]).to.deep.equal([
      { productId: 1, day: '2026-11-22', validations: 2, failures: 1 },
      { productId: 1, day: '2026-11-23', validations: 1, failures: 0 },
      { productId: 2, day: '2026-11-23', validations: 1, failures: 0 },
    ]);
    expect(f.touched[0]).to.deep.equal([10, 11, 12]);
    await counter.flush();
    expect(f.written).to.have.length(1);
    await counter.close();
  });

  it('rewrites last_validated_at only when it is an hour old or more, but counts every validation', async () => {
    const f = fakeRepo({ days: false });
    const counter = new ValidationCounter(f.repo, clock, logger, 60_000);
    const now = clock.now();
    counter.count(1, { id: 20, lastValidatedAt: new Date(now.getTime() - 59 * 60_000) }, now, true);
    counter.count(1, { id: 21, lastValidatedAt: new Date(now.getTime() - 60 * 60_000) }, now, true);
    counter.count(1, { id: 22, lastValidatedAt: null }, now, true);
    await counter.flush();
    expect(f.touched[0]).to.deep.equal([21, 22]);
    expect(f.written[0]).to.deep.equal([{ productId: 1, day: '2026-11-22', validations: 3, failures: 0 }]);
    await counter.close();
  });

  it('keeps the counts of a failed write for the next flush, and writes on close', async () => {
    const fail = { days: true };
    const f = fakeRepo(fail);
    const counter = new ValidationCounter(f.repo, clock, logger, 60_000);
    counter.count(3, fresh(1), clock.now(), true);
    await counter.flush();
    expect(f.written).to.have.length(0);
    fail.days = false;
    counter.count(3, fresh(1), clock.now(), false);
    await counter.close();
    expect(f.written).to.deep.equal([[{ productId: 3, day: '2026-11-22', validations: 2, failures: 1 }]]);
  });
});
