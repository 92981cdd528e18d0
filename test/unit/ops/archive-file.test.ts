/**
 * backup:verify's reading of a .tar.gz (src/ops/archive-file.ts, src/ops/verify.ts) on archives made by other tools:
 * a directory archive packed again by `tar -czf` (folder entries, the manifest anywhere) verifies; an entry leaving the
 * archive folder, a second archive folder, a file the manifest does not list, a missing manifest and bytes that are not
 * an archive are refused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createBackup, verifyArchive } from '../../../src/ops/index.js';
import { writeTarGz } from '../../helpers/archives.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { PG_URL } from '../../helpers/db.js';
import { findOnPath } from '../../../src/ops/pg-tools.js';

describe('backup:verify on a .tar.gz made by another tool', function () {
  this.timeout(60000);
  let ctx: TestContext;
  let dir: string;
  let top: string;
  let files: Map<string, Buffer>;
  before(async function () {
    if (PG_URL && !findOnPath('pg_dump')) this.skip();
    ctx = await createTestContext();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'artisan-tar-'));
    const made = await createBackup({ config: ctx.config, db: ctx.db, now: new Date() }, dir, 5, { format: 'dir' });
    top = path.basename(made.archive);
    // As `tar -czf` lists it: the folders first, the manifest before the other files.
    files = new Map([[`${top}/`, Buffer.alloc(0)], [`${top}/manifest.json`, fs.readFileSync(path.join(made.archive, 'manifest.json'))]]);
    for (const f of made.manifest.files) files.set(`${top}/${f.path}`, fs.readFileSync(path.join(made.archive, f.path)));
  });
  after(async () => {
    await ctx?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function verify(entries: Map<string, Buffer>) {
    const file = path.join(dir, 'x.tar.gz');
    await writeTarGz(file, entries);
    return verifyArchive(file);
  }

  it('verifies a directory archive packed again, with folder entries and the manifest first', async () => {
    const res = await verify(files);
    expect(res.ok, JSON.stringify(res)).to.equal(true);
  });

  it('refuses an entry outside the archive folder, a second folder, an unlisted file, no manifest and a file that is no archive', async () => {
    expect(await verify(new Map([...files, [`${top}/../evil`, Buffer.from('x')]]))).to.deep.include({ ok: false,
      problem: `${top}/../evil: an entry outside the archive folder` });
    expect(await verify(new Map([...files, [`${top}/files/extra.txt`, Buffer.from('x')]]))).to.deep.include({ ok: false,
      problem: 'files/extra.txt: not listed in the manifest' });
    expect(await verify(new Map([...files, ['artisan-nd-backup-20200101T000000000Z/files/x', Buffer.from('x')]])))
      .to.deep.include({ ok: false, problem: 'artisan-nd-backup-20200101T000000000Z/files/x: a second archive folder in the file' });
    const noManifest = new Map([...files].filter(([n]) => !n.endsWith('manifest.json')));
    expect((await verify(noManifest) as { problem: string }).problem).to.match(/^manifest\.json is missing in /);
    const garbage = path.join(dir, 'garbage.tar.gz');
    fs.writeFileSync(garbage, 'not an archive');
    expect(await verifyArchive(garbage)).to.deep.include({ ok: false, problem: `${garbage}: neither a .tar.gz nor an age-encrypted archive` });
  });
});
