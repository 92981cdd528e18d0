/**
 * Properties of key files (fast-check): every file the portal seals opens for
 * its installation — with src/crypto and with tweetnacl alone — and any
 * tampered byte, another installation, an unknown kid, a replay or an
 * expired file is refused with the spec's reason.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import nacl from 'tweetnacl';
import {
  encodePayload, installationCode, InstallationCodeError, KeyFileError, openKeyFile, parseInstallationCode, rfc3339, sealKeyFile, signingKey,
  type RechargePayload,
} from '../../../src/crypto/index.js';

const issuer = signingKey(Buffer.alloc(32, 7));
const other = signingKey(Buffer.alloc(32, 9));
const trusted = (kid: string) => (kid === issuer.kid.toString('hex') ? issuer.publicKey : null);
const NOW = new Date('2026-11-22T10:00:00Z');

function installation(seed: Uint8Array) {
  const kp = nacl.box.keyPair.fromSecretKey(seed);
  return { secret: Buffer.from(kp.secretKey), publicKey: Buffer.from(kp.publicKey), code: installationCode(kp.publicKey) };
}

function payloadFor(code: string, serial: number, units: number, expires: Date | null): RechargePayload {
  return {
    v: 1, typ: 'recharge', product: 'artisan_nd', installation: code, serial, units, issued_at: rfc3339(NOW),
    expires_at: expires ? rfc3339(expires) : null, partner: 'PTN-0001', id: `r-${serial}`,
  };
}

const seed32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const serial = fc.integer({ min: 1, max: 1e9 });
const units = fc.integer({ min: 1, max: 1_000_000 });

function openWith(file: Uint8Array, inst: ReturnType<typeof installation>, applied: number[] = [], now = NOW) {
  return openKeyFile(file, { installationSecret: inst.secret, installationCode: inst.code, trustedKey: trusted, now, applied: (s) => applied.includes(s) });
}

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof KeyFileError) return err.reason;
    throw err;
  }
  return 'ACCEPTED';
}

describe('crypto: key file properties', () => {
  it('opens every sealed file with src/crypto and with tweetnacl alone', () => {
    fc.assert(fc.property(seed32, serial, units, (seed, s, u) => {
      const inst = installation(seed);
      const payload = encodePayload(payloadFor(inst.code, s, u, null));
      const file = sealKeyFile({ payload, issuer, installationPublicKey: inst.publicKey });
      expect(openWith(file, inst).payload).to.include({ serial: s, units: u });
      const plain = nacl.box.open(file.subarray(70), file.subarray(46, 70), file.subarray(14, 46), inst.secret);
      expect(plain).to.not.equal(null);
      const msg = Buffer.concat([Buffer.from('ARTISAN-ND/KEYFILE/v1\0'), issuer.kid, plain!.subarray(64)]);
      expect(nacl.sign.detached.verify(msg, plain!.subarray(0, 64), issuer.publicKey)).to.equal(true);
      expect(Buffer.from(plain!.subarray(64)).equals(payload)).to.equal(true);
    }), { numRuns: 100 });
  });

  it('refuses a file with any byte changed', () => {
    const inst = installation(Buffer.alloc(32, 3));
    const file = sealKeyFile({ payload: encodePayload(payloadFor(inst.code, 1, 10, null)), issuer, installationPublicKey: inst.publicKey });
    fc.assert(fc.property(fc.integer({ min: 0, max: file.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, xor) => {
      const bad = Buffer.from(file);
      bad[at]! ^= xor;
      const r = reason(() => openWith(bad, inst));
      const expected = at < 6 ? ['FORMAT'] : at < 14 ? ['UNKNOWN_ISSUER_KEY', 'NOT_FOR_THIS_INSTALLATION'] : ['NOT_FOR_THIS_INSTALLATION'];
      expect(expected, `byte ${at}`).to.include(r);
    }), { numRuns: 300 });
  });

  it('refuses a file sealed for another installation, or naming another one', () => {
    fc.assert(fc.property(seed32, seed32, (a, b) => {
      fc.pre(Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0);
      const A = installation(a);
      const B = installation(b);
      const forB = sealKeyFile({ payload: encodePayload(payloadFor(B.code, 1, 1, null)), issuer, installationPublicKey: B.publicKey });
      expect(reason(() => openWith(forB, A))).to.equal('NOT_FOR_THIS_INSTALLATION');
      const namesB = sealKeyFile({ payload: encodePayload(payloadFor(B.code, 1, 1, null)), issuer, installationPublicKey: A.publicKey });
      expect(reason(() => openWith(namesB, A))).to.equal('NOT_FOR_THIS_INSTALLATION');
    }), { numRuns: 50 });
  });

  it('refuses an unknown kid, a replayed serial and an expired file', () => {
    fc.assert(fc.property(seed32, serial, (seed, s) => {
      const inst = installation(seed);
      const byOther = sealKeyFile({ payload: encodePayload(payloadFor(inst.code, s, 5, null)), issuer: other, installationPublicKey: inst.publicKey });
      expect(reason(() => openWith(byOther, inst))).to.equal('UNKNOWN_ISSUER_KEY');
      const file = sealKeyFile({
        payload: encodePayload(payloadFor(inst.code, s, 5, new Date(NOW.getTime() + 3600_000))), issuer,
        installationPublicKey: inst.publicKey,
      });
      expect(reason(() => openWith(file, inst, [s]))).to.equal('ALREADY_APPLIED');
      expect(reason(() => openWith(file, inst, [], new Date(NOW.getTime() + 3600_000)))).to.equal('EXPIRED');
      expect(reason(() => openWith(file, inst, [s + 1], new Date(NOW.getTime() + 3599_000)))).to.equal('ACCEPTED');
    }), { numRuns: 50 });
  });

  it('refuses payloads of the wrong shape with FORMAT, after the signature holds', () => {
    const inst = installation(Buffer.alloc(32, 5));
    for (const p of [
      'not json', '{"v":2,"typ":"recharge","units":1,"serial":1}',
      `{"v":1,"typ":"recharge","units":0,"serial":1,"installation":"${inst.code}"}`,
      `{"v":1,"typ":"recharge","units":1000001,"serial":1}`, '{"v":1,"typ":"recharge","units":1,"serial":1.5}',
    ]) {
      const file = sealKeyFile({ payload: Buffer.from(p), issuer, installationPublicKey: inst.publicKey });
      expect(reason(() => openWith(file, inst)), p).to.equal('FORMAT');
    }
  });

  it('round-trips Installation Codes, and flags non-zero trailing bits as PADDING', () => {
    fc.assert(fc.property(seed32, (seed) => {
      const { publicKey, code } = installation(seed);
      const typed = code.toLowerCase().replace(/(.{5})/g, '$1 - ');
      expect(parseInstallationCode(typed).publicKey.equals(publicKey)).to.equal(true);
      const last = code.at(-1)!;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
      const withBits = code.slice(0, -1) + alphabet[alphabet.indexOf(last) | 1];
      expect(() => parseInstallationCode(withBits)).to.throw(InstallationCodeError).with.property('reason', 'INSTALLATION_CODE_PADDING');
    }), { numRuns: 100 });
  });
});
