/**
 * The test vectors of subscription/keyfile-v1.md (test/fixtures/keyfile-v1.json,
 * a copy of the contract's vectors (keyfile-v1.json beside the shared spec) made by an independent
 * libsodium implementation): reproduced byte for byte and rejected exactly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import nacl from 'tweetnacl';
import {
  formatInstallationCode, installationCode, InstallationCodeError, KeyFileError, LicenseTokenError, openKeyFile, parseInstallationCode,
  sealKeyFile, signingKey, signLicenseToken, verifyLicenseToken, x25519PublicKey,
} from '../../../src/crypto/index.js';

interface Vectors {
  keys: Record<string, string>;
  installation_codes: { public_key_hex: string; code: string }[];
  installation_code_parsing: { text: string; expect: string }[];
  keyfile_valid: { payload_utf8: string; file_hex: string; expect_units: number; expect_serial: number };
  keyfile_invalid: { name: string; file_hex: string; expect: string; now?: string; applied?: number[] }[];
  license_valid: { payload_utf8: string; token: string };
  license_invalid: { name: string; token: string; expect: string }[];
}

const V = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'fixtures', 'keyfile-v1.json'), 'utf8')) as Vectors;
const hex = (h: string) => Buffer.from(h, 'hex');
const K = V.keys;
const issuer = signingKey(hex(K.issuer_seed_hex!));
const trusted = (kid: string) => (kid === K.issuer_kid_hex ? hex(K.issuer_public_hex!) : null);
const codeA = K.installation_a_code!.replace(/-/g, '');
const NOW = new Date('2026-11-22T12:00:00Z');

function openA(fileHex: string, now = NOW, applied: number[] = []) {
  return openKeyFile(
    hex(fileHex),
    { installationSecret: hex(K.installation_a_secret_hex!), installationCode: codeA, trustedKey: trusted, now, applied: (s) => applied.includes(s) },
  );
}

describe('crypto: spec vectors (keyfile-v1)', () => {
  it('derives the issuer public key and kid, and the installation public keys', () => {
    expect(issuer.publicKey.toString('hex')).to.equal(K.issuer_public_hex);
    expect(issuer.kid.toString('hex')).to.equal(K.issuer_kid_hex);
    expect(x25519PublicKey(hex(K.installation_a_secret_hex!)).toString('hex')).to.equal(K.installation_a_public_hex);
    expect(x25519PublicKey(hex(K.ephemeral_secret_hex!)).toString('hex')).to.equal(K.ephemeral_public_hex);
    expect(Buffer.from(nacl.sign.keyPair.fromSeed(hex(K.issuer_seed_hex!)).publicKey).toString('hex')).to.equal(K.issuer_public_hex);
  });

  for (const c of V.installation_codes) {
    it(`encodes and parses the Installation Code ${c.code.slice(0, 11)}…`, () => {
      const compact = installationCode(hex(c.public_key_hex));
      expect(formatInstallationCode(compact)).to.equal(c.code);
      expect(parseInstallationCode(c.code).publicKey.toString('hex')).to.equal(c.public_key_hex);
    });
  }

  for (const c of V.installation_code_parsing) {
    it(`parses "${c.text.slice(0, 20)}…" as ${c.expect}`, () => {
      if (c.expect === 'OK') {
        expect(parseInstallationCode(c.text).code).to.equal(codeA);
        return;
      }
      expect(() => parseInstallationCode(c.text)).to.throw(InstallationCodeError).with.property('reason', c.expect);
    });
  }

  it('reproduces keyfile_valid byte for byte from the vector inputs', () => {
    const file = sealKeyFile({
      payload: Buffer.from(V.keyfile_valid.payload_utf8, 'utf8'), issuer, installationPublicKey: hex(K.installation_a_public_hex!),
      ephemeralSecret: hex(K.ephemeral_secret_hex!), nonce: hex(K.nonce_hex!),
    });
    expect(file.toString('hex')).to.equal(V.keyfile_valid.file_hex);
  });

  it('opens keyfile_valid for installation A with the expected units and serial', () => {
    const { payload } = openA(V.keyfile_valid.file_hex);
    expect(payload.units).to.equal(V.keyfile_valid.expect_units);
    expect(payload.serial).to.equal(V.keyfile_valid.expect_serial);
  });

  it('opens keyfile_valid with tweetnacl alone (cross-check)', () => {
    const f = hex(V.keyfile_valid.file_hex);
    const plain = nacl.box.open(f.subarray(70), f.subarray(46, 70), f.subarray(14, 46), hex(K.installation_a_secret_hex!));
    expect(plain).to.not.equal(null);
    const msg = Buffer.concat([Buffer.from('ARTISAN-ND/KEYFILE/v1\0'), f.subarray(6, 14), plain!.subarray(64)]);
    expect(nacl.sign.detached.verify(msg, plain!.subarray(0, 64), hex(K.issuer_public_hex!))).to.equal(true);
  });

  for (const bad of V.keyfile_invalid) {
    it(`rejects ${bad.name} with ${bad.expect}`, () => {
      expect(() => openA(bad.file_hex, bad.now ? new Date(bad.now) : NOW, bad.applied ?? []))
        .to.throw(KeyFileError).with.property('reason', bad.expect);
    });
  }

  it('reproduces and verifies license_valid', () => {
    expect(signLicenseToken(Buffer.from(V.license_valid.payload_utf8, 'utf8'), issuer)).to.equal(V.license_valid.token);
    const { payload } = verifyLicenseToken(V.license_valid.token, { trustedKey: trusted, now: NOW });
    expect(payload).to.include({ license_type: 'annual', machine_id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' });
  });

  for (const bad of V.license_invalid) {
    it(`rejects the license token ${bad.name} with ${bad.expect}`, () => {
      expect(() => verifyLicenseToken(bad.token, { trustedKey: trusted })).to.throw(LicenseTokenError).with.property('reason', bad.expect);
    });
  }
});
