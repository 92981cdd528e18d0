/** BACKUP_DIR, BACKUP_KEEP, BACKUP_AT, BACKUP_FORMAT, BACKUP_RECIPIENT and BACKUP_IDENTITY_FILE (src/config). */
import path from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { expect } from 'chai';
import { backupIdentityFile, ConfigError, loadConfig, ROOT_DIR } from '../../../src/config/index.js';

const DEFAULTS = { dir: undefined, keep: 14, at: '03:30', format: 'tar.gz', recipient: undefined, identityFile: undefined };

describe('config: backups', () => {
  it('has no backup folder by default, keeps 14 archives, backs up at 03:30 as an unencrypted tar.gz', () => {
    expect(loadConfig({}).backup).to.deep.equal(DEFAULTS);
  });

  it('resolves BACKUP_DIR and BACKUP_IDENTITY_FILE from the project root and reads the count, time and form', () => {
    expect(loadConfig({ BACKUP_DIR: 'var/backups', BACKUP_KEEP: '30', BACKUP_AT: '23:05', BACKUP_FORMAT: 'dir', BACKUP_IDENTITY_FILE: 'keys/id.txt' }).backup)
      .to.deep.equal({ ...DEFAULTS, dir: path.join(ROOT_DIR, 'var', 'backups'), keep: 30, at: '23:05', format: 'dir',
        identityFile: path.join(ROOT_DIR, 'keys', 'id.txt') });
    expect(backupIdentityFile({ BACKUP_IDENTITY_FILE: 'keys/id.txt' }, ROOT_DIR)).to.equal(path.join(ROOT_DIR, 'keys', 'id.txt'));
    expect(backupIdentityFile({}, ROOT_DIR)).to.equal(undefined);
  });

  it('refuses to keep no archive, a time that is not HH:MM and an unknown form', () => {
    expect(() => loadConfig({ BACKUP_KEEP: '0' })).to.throw(ConfigError, /BACKUP_KEEP/);
    expect(() => loadConfig({ BACKUP_AT: '3:30' })).to.throw(ConfigError, /BACKUP_AT: a time HH:MM/);
    expect(() => loadConfig({ BACKUP_FORMAT: 'zip' })).to.throw(ConfigError, /BACKUP_FORMAT/);
  });

  it('takes an age X25519 public key as BACKUP_RECIPIENT', async () => {
    const recipient = await identityToRecipient(await generateX25519Identity());
    expect(loadConfig({ BACKUP_RECIPIENT: recipient }).backup.recipient).to.equal(recipient);
  });

  it('fails at start on a BACKUP_RECIPIENT that is not an age X25519 public key, and on an encrypted dir form', async () => {
    const identity = await generateX25519Identity();
    const recipient = await identityToRecipient(identity);
    // A changed character breaks the bech32 checksum; a secret key pasted by mistake is not a recipient.
    const broken = recipient.slice(0, -1) + (recipient.endsWith('q') ? 'p' : 'q');
    for (const bad of [broken, identity, 'age1', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI']) {
      expect(() => loadConfig({ BACKUP_RECIPIENT: bad }), bad).to.throw(ConfigError, /BACKUP_RECIPIENT: an age X25519 public key age1…/);
    }
    expect(() => loadConfig({ BACKUP_RECIPIENT: recipient, BACKUP_FORMAT: 'dir' })).to.throw(ConfigError, /BACKUP_FORMAT: a dir archive cannot be encrypted/);
  });
});
