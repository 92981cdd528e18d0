/**
 * The server's daily backup (scheduleBackup): in the configured form, encrypted to BACKUP_RECIPIENT, once in 12 hours
 * whatever the archive form already there, and pruned to BACKUP_KEEP counting files and directories together.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { expect } from 'chai';
import { pino } from 'pino';
import { scheduleBackup } from '../../../src/ops/index.js';
import { tarEntries } from '../../helpers/archives.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { PG_URL } from '../../helpers/db.js';
import { findOnPath } from '../../../src/ops/pg-tools.js';

describe('the daily backup (scheduleBackup)', function () {
  this.timeout(60000);
  let ctx: TestContext;
  let dir: string;
  beforeEach(function () {
    if (PG_URL && !findOnPath('pg_dump')) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'artisan-daily-'));
  });
  afterEach(async () => {
    await ctx?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes a .tar.gz.age encrypted to BACKUP_RECIPIENT, once, and prunes the older archives of both forms', async () => {
    const identity = await generateX25519Identity();
    ctx = await createTestContext({ env: { BACKUP_DIR: dir, BACKUP_KEEP: '2', BACKUP_RECIPIENT: await identityToRecipient(identity) } });
    fs.mkdirSync(path.join(dir, 'artisan-nd-backup-20200101T000000000Z'));
    fs.writeFileSync(path.join(dir, 'artisan-nd-backup-20200102T000000000Z.tar.gz'), 'old');
    const lines: string[] = [];
    const job = scheduleBackup(ctx.config, ctx.db, pino({ level: 'info' }, { write: (l: string) => { lines.push(l); } }))!;
    try {
      await job.trigger();
      const names = fs.readdirSync(dir).sort();
      expect(names).to.have.length(2);
      expect(names[0]).to.equal('artisan-nd-backup-20200102T000000000Z.tar.gz');
      expect(names[1]).to.match(/^artisan-nd-backup-\d{8}T\d{9}Z\.tar\.gz\.age$/);
      const entries = await tarEntries(path.join(dir, names[1]!), identity);
      const top = names[1]!.replace('.tar.gz.age', '');
      expect([...entries.keys()]).to.include(`${top}/manifest.json`).and.include(`${top}/${PG_URL ? 'db/database.pgdump' : 'db/database.sqlite'}`);
      expect(lines.join('')).to.include('backup done');
      // A second start within 12 hours (another instance, a restart) finds the recent archive and does nothing.
      await job.trigger();
      expect(fs.readdirSync(dir).sort()).to.deep.equal(names);
    } finally {
      job.stop();
    }
  });
});
