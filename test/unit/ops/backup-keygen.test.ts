/** npm run backup:keygen: an age X25519 key pair, the identity written 0600 and never over another, the public key printed. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Decrypter, Encrypter } from 'age-encryption';
import { expect } from 'chai';
import { loadConfig } from '../../../src/config/index.js';
import { cli } from '../../helpers/cli.js';

describe('npm run backup:keygen', function () {
  this.timeout(30000);
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'artisan-keygen-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes an identity that opens what is encrypted to the printed BACKUP_RECIPIENT, and never overwrites a file', async () => {
    const file = path.join(dir, 'backup-identity.txt');
    const made = await cli('backup-keygen.ts', ['--out', file], {}, '');
    expect(made.code, made.err).to.equal(0);
    const recipient = /BACKUP_RECIPIENT=(age1\S+)/.exec(made.err)![1]!;
    expect(loadConfig({ BACKUP_RECIPIENT: recipient }).backup.recipient).to.equal(recipient);
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).to.include(`# public key: ${recipient}\n`);
    const encrypter = new Encrypter();
    encrypter.addRecipient(recipient);
    const decrypter = new Decrypter();
    decrypter.addIdentity(/^AGE-SECRET-KEY-1[0-9A-Z]+$/m.exec(text)![0]);
    expect(await decrypter.decrypt(await encrypter.encrypt('sauvegarde'), 'text')).to.equal('sauvegarde');

    const again = await cli('backup-keygen.ts', ['--out', file], {}, '');
    expect(again.code).to.equal(1);
    expect(again.err).to.include(`No key written: ${file} already exists`);
    expect(fs.readFileSync(file, 'utf8')).to.equal(text);
  });

  it('prints the identity on standard output when no file is given', async () => {
    const res = await cli('backup-keygen.ts', [], {}, '');
    expect(res.code, res.err).to.equal(0);
    expect(res.out).to.match(/^# created: .+\n# public key: age1\S+\nAGE-SECRET-KEY-1[0-9A-Z]+\n$/);
    expect(res.err).to.include('off the server');
  });
});
