/**
 * Challenges sealed to an installation (src/crypto/challenge.ts), checked
 * against tweetnacl's box in both directions: what the portal seals opens
 * with nacl.box.open, what nacl.box seals opens with openChallenge; only the
 * installation's secret key opens it, and a key file's box is never taken for a challenge.
 */
import crypto from 'node:crypto';
import { expect } from 'chai';
import nacl from 'tweetnacl';
import { encodePayload, installationCode, openChallenge, parseInstallationCode, sealChallenge, sealKeyFile, signingKey } from '../../../src/crypto/index.js';

describe('crypto: installation challenges', () => {
  const inst = nacl.box.keyPair();
  const message = crypto.randomBytes(56);

  it('seals a 56-byte message that tweetnacl opens with the installation secret', () => {
    const sealed = sealChallenge(message, inst.publicKey);
    expect(sealed).to.have.length(32 + 24 + 16 + 56);
    const opened = nacl.box.open(sealed.subarray(56), sealed.subarray(32, 56), sealed.subarray(0, 32), inst.secretKey);
    expect(Buffer.from(opened!).equals(message)).to.equal(true);
    expect(sealChallenge(message, inst.publicKey).equals(sealed), 'a fresh ephemeral key and nonce each time').to.equal(false);
  });

  it('opens what nacl.box sealed, only with the right secret key', () => {
    const eph = nacl.box.keyPair();
    const nonce = crypto.randomBytes(24);
    const sealed = Buffer.concat([eph.publicKey, nonce, nacl.box(message, nonce, inst.publicKey, eph.secretKey)]);
    expect(openChallenge(sealed, inst.secretKey)!.equals(message)).to.equal(true);
    expect(openChallenge(sealed, nacl.box.keyPair().secretKey)).to.equal(null);
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1]! ^= 1;
    expect(openChallenge(tampered, inst.secretKey)).to.equal(null);
  });

  it('refuses messages of another length, and never opens the box of a key file', () => {
    expect(() => sealChallenge(Buffer.alloc(55), inst.publicKey)).to.throw(TypeError);
    const eph = nacl.box.keyPair();
    const nonce = crypto.randomBytes(24);
    const longer = Buffer.concat([eph.publicKey, nonce, nacl.box(Buffer.alloc(57), nonce, inst.publicKey, eph.secretKey)]);
    expect(openChallenge(longer, inst.secretKey)).to.equal(null);
    const code = installationCode(inst.publicKey);
    const file = sealKeyFile({
      payload: encodePayload({
        v: 1, typ: 'recharge', product: 'artisan_nd', installation: code, serial: 1, units: 5,
        issued_at: '2026-11-22T10:00:00Z', expires_at: null, partner: 'PTN-0001', id: 'x',
      }),
      issuer: signingKey(Buffer.alloc(32, 7)), installationPublicKey: parseInstallationCode(code).publicKey,
    });
    expect(openChallenge(file.subarray(14), inst.secretKey), 'epk || nonce || box of a key file').to.equal(null);
  });
});
