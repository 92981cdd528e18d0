/** BACKUP_DIR, BACKUP_KEEP and BACKUP_AT (src/config). */
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig, ROOT_DIR } from '../../../src/config/index.js';

describe('config: backups', () => {
  it('has no backup folder by default, keeps 14 archives, backs up at 03:30', () => {
    expect(loadConfig({}).backup).to.deep.equal({ dir: undefined, keep: 14, at: '03:30' });
  });

  it('resolves BACKUP_DIR from the project root and reads the count and time', () => {
    expect(loadConfig({ BACKUP_DIR: 'var/backups', BACKUP_KEEP: '30', BACKUP_AT: '23:05' }).backup)
      .to.deep.equal({ dir: path.join(ROOT_DIR, 'var', 'backups'), keep: 30, at: '23:05' });
  });

  it('refuses to keep no archive and a time that is not HH:MM', () => {
    expect(() => loadConfig({ BACKUP_KEEP: '0' })).to.throw(ConfigError, /BACKUP_KEEP/);
    expect(() => loadConfig({ BACKUP_AT: '3:30' })).to.throw(ConfigError, /BACKUP_AT: a time HH:MM/);
  });
});
