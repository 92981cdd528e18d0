/** /admin/releases: upload a real .deb (built by dpkg-deb), refuse fakes leaving nothing behind, publish, latest, changelog, delete. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { createAccount, csrfOf, loginAgent } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import type { Agent } from '../../helpers/forms.js';
import { arArchive, buildDeb, controlText, fakeDeb, tarGz } from '../../helpers/deb.js';
import { auditSentence } from '../../helpers/audit.js';
import { waitFor } from '../../helpers/wait.js';

const sha256 = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');

function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

/** Upload `bytes` through the form as `name`. */
async function upload(agent: Agent, bytes: Buffer, name = 'artisan.deb', changelog = ''): Promise<request.Response> {
  const csrf = await csrfOf(agent, '/admin/releases');
  // form-data keeps only the base name of `filename`; `filepath` sends a path as is (a hostile client's name).
  const file = name.includes('/') ? { filepath: name } : { filename: name };
  return agent.post('/admin/releases')
    .field('_csrf', csrf)
    .field('changelog', changelog)
    .attach('deb', bytes, { ...file, contentType: 'application/vnd.debian.binary-package' });
}

/** Post an action form and confirm it (the confirmation page first, then confirm=yes). */
async function confirmPost(agent: Agent, url: string, back: string): Promise<request.Response> {
  const csrf = await csrfOf(agent, back);
  const first = await agent.post(url).type('form').send({ _csrf: csrf }).expect(200);
  expect(first.text).to.contain('name="confirm" value="yes"');
  return agent.post(url).type('form').send({ _csrf: csrf, confirm: 'yes' });
}

/** What an upload could leave behind: files in downloads/ and .tmp/, release rows. */
async function snapshot(ctx: TestContext): Promise<{ downloads: string[]; tmp: string[]; rows: number }> {
  const tmpDir = path.join(ctx.config.paths.files, '.tmp');
  const [count] = (await ctx.db('releases').count({ n: '*' })) as { n: unknown }[];
  return { downloads: fs.readdirSync(ctx.config.paths.downloads).sort(), tmp: fs.existsSync(tmpDir) ? fs.readdirSync(tmpDir) : [], rows: Number(count?.n) };
}

async function audits(ctx: TestContext, action: string): Promise<{ summary: string; target_id: string }[]> {
  const rows = (await ctx.db('audit_log').where({ action }).orderBy('id')) as { action: string; details: string; target_id: string }[];
  return rows.map((r) => ({ summary: auditSentence(r), target_id: r.target_id }));
}

describe('admin releases', function () {
  let ctx: TestContext;
  let admin: Agent;
  before(async () => {
    ctx = await createTestContext();
    await createAccount(ctx, 'rel-admin@example.fr', 'admin');
    admin = await loginAgent(ctx, 'rel-admin@example.fr');
  });
  after(async () => ctx.close());

  it('uploads a real .deb, publishes it, marks it latest, and the public download serves the same bytes', async () => {
    const deb = buildDeb({ package: 'artisan-nd', version: '0.2.0', architecture: 'all', compression: 'gzip', payloadBytes: 3000 });
    const before = await request(ctx.app).get('/download').expect(200); // primes the page cache
    expect(before.text).not.to.contain('0.2.0');

    const res = await upload(admin, deb, 'whatever-name.deb', 'Nouvelle numérotation.\nNew numbering.');
    expect(res.status, res.text.slice(0, 300)).to.equal(303);
    const row = await ctx.db('releases').where({ version: '0.2.0' }).first();
    expect(row).to.include({ product: 'artisan_nd', filename: 'artisan-nd_0.2.0_all.deb', sha256: sha256(deb), published_at: null });
    expect(Number(row.size_bytes)).to.equal(deb.length);
    expect(Boolean(row.is_latest)).to.equal(false);
    expect(res.headers.location).to.equal(`/admin/releases/${row.id}`);
    expect(Buffer.compare(fs.readFileSync(path.join(ctx.config.paths.downloads, 'artisan-nd_0.2.0_all.deb')), deb)).to.equal(0);
    expect((await snapshot(ctx)).tmp).to.deep.equal([]);
    expect((await audits(ctx, 'release.uploaded'))[0]!.summary).to.contain(sha256(deb));

    const page = await admin.get(res.headers.location!).expect(200);
    expect(page.text).to.contain('Le paquet artisan-nd_0.2.0_all.deb a été enregistré (non publié).').and.contain(sha256(deb)).and.contain('non publiée');
    // Not published yet: not downloadable.
    await request(ctx.app).get('/download/files/artisan-nd_0.2.0_all.deb').expect(404);

    // 0.2.0 is newer than the 0.1.0 served: publishing it makes it the latest.
    const published = await confirmPost(admin, `/admin/releases/${row.id}/publish`, `/admin/releases/${row.id}`);
    expect(published.status).to.equal(303);
    expect((await admin.get(`/admin/releases/${row.id}`).expect(200)).text).to.contain('Version 0.2.0 publiée : c’est désormais la version téléchargée.');
    const latest = await confirmPost(admin, `/admin/releases/${row.id}/latest`, `/admin/releases/${row.id}`);
    expect(latest.status).to.equal(303);
    expect((await admin.get(`/admin/releases/${row.id}`).expect(200)).text).to.contain('Rien n&#39;a changé.');
    const latestRows = await ctx.db('releases').where({ product: 'artisan_nd', is_latest: true });
    expect(latestRows.map((r: { version: string }) => r.version)).to.deep.equal(['0.2.0']);
    expect(await audits(ctx, 'release.published')).to.have.length(1);
    expect((await audits(ctx, 'release.marked_latest'))[0]!.summary).to.equal('artisan_nd: 0.1.0 → 0.2.0');

    const visitor = await request(ctx.app).get('/download').expect(200);
    expect(visitor.text).to.contain('sudo apt install ./artisan-nd_0.2.0_all.deb').and.contain(sha256(deb)).and.contain('New numbering.');
    const served = await request(ctx.app).get('/download/latest').buffer(true).parse(binary).expect(200);
    expect(Buffer.compare(served.body as Buffer, deb)).to.equal(0);
    const byName = await request(ctx.app).get('/download/files/artisan-nd_0.2.0_all.deb').buffer(true).parse(binary).expect(200);
    expect(sha256(byName.body as Buffer)).to.equal(sha256(deb));

    const list = await admin.get('/admin/releases').expect(200);
    expect(list.text).to.match(/0\.2\.0<\/a><\/td>\s*<td>artisan-nd<\/td>\s*<td>all<\/td>/);
    expect(list.text).to.contain(`href="/admin/downloads?release=${row.id}">2</a>`);
  });

  it('reads an xz-compressed control archive (dpkg-deb\'s default)', async function () {
    const deb = buildDeb({ package: 'easyfacture', version: '2.0.0-1', architecture: 'amd64', compression: 'xz' });
    const res = await upload(admin, deb);
    expect(res.status, res.text.slice(0, 300)).to.equal(303);
    expect(await ctx.db('releases').where({ filename: 'easyfacture_2.0.0-1_amd64.deb' }).first()).to.include({ product: 'easyfacture', version: '2.0.0-1' });
  });

  const fakes: [string, () => Promise<Buffer> | Buffer, RegExp][] = [
    ['not an ar archive', () => Buffer.from('%PDF-1.7\n fake'), /n&#39;est pas un paquet Debian \(ce n&#39;est pas une archive ar\)/],
    ['an ar archive without debian-binary first', async () => arArchive([{ name: 'control.tar.gz', data: await tarGz({ control: controlText('x-y', '1.0') }) }, { name: 'debian-binary', data: Buffer.from('2.0\n') }]), /le premier élément de l&#39;archive n&#39;est pas debian-binary/],
    ['a truncated .deb', () => { const d = buildDeb({ version: '0.3.0', payloadBytes: 2000 }); return d.subarray(0, d.length - 100); }, /Le paquet est incomplet \(fichier tronqué\)/],
    ['a control with Package ../x', async () => fakeDeb(controlText('../x', '1.0')), /Le champ Package du fichier control n&#39;est pas un nom de paquet Debian valide/],
    ['a control with Package a/b', async () => fakeDeb(controlText('a/b', '1.0')), /Le champ Package/],
    ['a control with a Version holding a slash', async () => fakeDeb(controlText('artisan-nd', '1.0/../../x')), /Le champ Version du fichier control n&#39;est pas un numéro de version Debian valide/],
    ['a control with a newline in Package', async () => fakeDeb('Package: artisan-nd\n ../../etc\nVersion: 1.0\nArchitecture: all\n'), /Le champ Package/],
    ['a control without Version', async () => fakeDeb('Package: artisan-nd\nArchitecture: all\n'), /doit contenir les champs Package, Version et Architecture/],
    ['a control repeating Package', async () => fakeDeb('Package: artisan-nd\nVersion: 0.2.5\nArchitecture: all\nPackage: evil\n'), /contient deux fois le même champ \(par exemple deux lignes Package:\) ; dpkg refuse un tel paquet/],
  ];
  for (const [what, make, message] of fakes) {
    it(`refuses ${what} with a clear error and leaves nothing on disk or in the database`, async () => {
      const before = await snapshot(ctx);
      const res = await upload(admin, await make());
      expect(res.status).to.equal(422);
      expect(res.text).to.contain('Le paquet n&#39;a pas été enregistré').and.match(message);
      expect(await snapshot(ctx)).to.deep.equal(before);
    });
  }

  it('refuses a version already present (the demo 0.1.0) with a 409 and nothing written', async () => {
    const before = await snapshot(ctx);
    const res = await upload(admin, buildDeb({ version: '0.1.0' }));
    expect(res.status).to.equal(409);
    expect(res.text).to.contain('La version 0.1.0 de artisan_nd existe déjà.');
    expect(await snapshot(ctx)).to.deep.equal(before);
    expect(fs.readFileSync(path.join(ctx.config.paths.downloads, 'artisan-nd_0.1.0_all.deb')).subarray(0, 8).toString()).to.equal('!<arch>\n');
  });

  it('rolls back when the file cannot be moved into files/downloads (a stray file of that name is never replaced)', async () => {
    const stray = path.join(ctx.config.paths.downloads, 'artisan-nd_0.6.0_all.deb');
    fs.writeFileSync(stray, 'stray file');
    const before = await snapshot(ctx);
    const uploads = (await audits(ctx, 'release.uploaded')).length;
    const res = await upload(admin, buildDeb({ version: '0.6.0' }));
    expect(res.status).to.equal(409);
    expect(res.text).to.contain('Un fichier artisan-nd_0.6.0_all.deb existe déjà dans files/downloads/');
    expect(await snapshot(ctx)).to.deep.equal(before);
    expect(fs.readFileSync(stray, 'utf8')).to.equal('stray file');
    expect(await audits(ctx, 'release.uploaded')).to.have.length(uploads);
    fs.rmSync(stray);
  });

  describe('when files/downloads/ is another filesystem (link answers EXDEV)', () => {
    const { link, copyFile } = fs.promises;
    const crossDevice = (src: fs.PathLike, dest: fs.PathLike): Promise<void> => {
      if (String(src).includes(`${path.sep}.tmp${path.sep}`)) {
        return Promise.reject(Object.assign(new Error('EXDEV: cross-device link not permitted'), { code: 'EXDEV' }));
      }
      return link(src, dest);
    };
    afterEach(() => { fs.promises.link = link; fs.promises.copyFile = copyFile; });

    it('copies beside the target first, then links it: the release is stored whole and no .part is left', async () => {
      fs.promises.link = crossDevice as typeof fs.promises.link;
      const deb = buildDeb({ version: '0.7.0' });
      const res = await upload(admin, deb);
      expect(res.status, res.text.slice(0, 300)).to.equal(303);
      expect(sha256(fs.readFileSync(path.join(ctx.config.paths.downloads, 'artisan-nd_0.7.0_all.deb')))).to.equal(sha256(deb));
      expect(fs.readdirSync(ctx.config.paths.downloads).filter((f) => f.endsWith('.part'))).to.deep.equal([]);
      expect((await snapshot(ctx)).tmp).to.deep.equal([]);
    });

    it('leaves nothing half-written in files/downloads/ nor in the database when the copy fails midway', async () => {
      fs.promises.link = crossDevice as typeof fs.promises.link;
      fs.promises.copyFile = (async (src: fs.PathLike, dest: fs.PathLike) => {
        fs.writeFileSync(String(dest), fs.readFileSync(String(src)).subarray(0, 100));
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      }) as typeof fs.promises.copyFile;
      const before = await snapshot(ctx);
      const uploads = (await audits(ctx, 'release.uploaded')).length;
      const res = await upload(admin, buildDeb({ version: '0.8.0' }));
      expect(res.status).to.equal(500);
      expect(await snapshot(ctx)).to.deep.equal(before);
      expect(await audits(ctx, 'release.uploaded')).to.have.length(uploads);
    });
  });

  it('refuses an upload whose file name is hostile, and one without a file', async () => {
    const before = await snapshot(ctx);
    const res = await upload(admin, buildDeb({ version: '0.4.0' }), '../../../etc/evil.deb');
    expect(res.status).to.equal(422);
    expect(res.text).to.contain('contient des caractères interdits');
    const csrf = await csrfOf(admin, '/admin/releases');
    const none = await admin.post('/admin/releases').field('_csrf', csrf).field('changelog', '');
    expect(none.status).to.equal(422);
    expect(none.text).to.contain('Choisissez un fichier .deb à envoyer.');
    expect(await snapshot(ctx)).to.deep.equal(before);
  });

  it('refuses an upload without a valid CSRF token and removes the uploaded file', async () => {
    const before = await snapshot(ctx);
    await admin.post('/admin/releases').field('_csrf', 'forged').attach('deb', buildDeb({ version: '0.5.0' }), 'x.deb').expect(403);
    // The temporary file is removed when the response closes: wait for that, then compare.
    await waitFor(async () => (await snapshot(ctx)).tmp.length === before.tmp.length, { what: 'the uploaded file to be removed' });
    expect(await snapshot(ctx)).to.deep.equal(before);
  });

  it('edits the changelog (audit row), and refuses control characters', async () => {
    const row = await ctx.db('releases').where({ version: '0.2.0' }).first();
    const csrf = await csrfOf(admin, `/admin/releases/${row.id}`);
    await admin.post(`/admin/releases/${row.id}/changelog`).type('form').send({ _csrf: csrf, changelog: 'Corrigé : numéros en double.' }).expect(303);
    expect((await ctx.db('releases').where({ id: row.id }).first()).changelog).to.equal('Corrigé : numéros en double.');
    expect((await admin.get(`/admin/releases/${row.id}`)).text).to.contain('Notes de version enregistrées.');
    expect((await audits(ctx, 'release.changelog_edited'))[0]!.summary).to.contain('changelog');
    // A control character is refused before the route (src/http/control-chars.ts): the 400 page.
    const bad = await admin.post(`/admin/releases/${row.id}/changelog`).type('form').send({ _csrf: csrf, changelog: 'bad \u0007 bell' }).expect(400);
    expect(bad.text).to.contain('Un champ du formulaire contient un caractère invisible non autorisé');
    expect((await ctx.db('releases').where({ id: row.id }).first()).changelog).to.equal('Corrigé : numéros en double.');
    ctx.handle.pageCache.clear();
    expect((await request(ctx.app).get('/download').expect(200)).text).to.contain('Corrigé : numéros en double.');
    // The longest changelog allowed, all accented (6 bytes each once encoded), is saved; one more character re-renders the form with the text.
    const longest = 'é'.repeat(20_000);
    await admin.post(`/admin/releases/${row.id}/changelog`).type('form').send({ _csrf: csrf, changelog: longest }).expect(303);
    expect((await ctx.db('releases').where({ id: row.id }).first()).changelog).to.equal(longest);
    const tooLong = await admin.post(`/admin/releases/${row.id}/changelog`).type('form').send({ _csrf: csrf, changelog: `${longest}é` }).expect(422);
    expect(tooLong.text).to.contain(longest);
  });

  it('refuses to mark an unpublished release latest', async () => {
    const row = await ctx.db('releases').where({ version: '2.0.0-1' }).first();
    const res = await confirmPost(admin, `/admin/releases/${row.id}/latest`, `/admin/releases/${row.id}`);
    expect(res.status).to.equal(303);
    expect((await admin.get(`/admin/releases/${row.id}`)).text).to.contain('Seule une version publiée peut être la plus récente');
    expect(Boolean((await ctx.db('releases').where({ id: row.id }).first()).is_latest)).to.equal(false);
  });

  it('deletes only unpublished releases: row and file go, the download log stays', async () => {
    const row = await ctx.db('releases').where({ version: '0.2.0' }).first();
    const back = `/admin/releases/${row.id}`;
    const refused = await confirmPost(admin, `${back}/delete`, back);
    expect(refused.status).to.equal(303);
    expect((await admin.get(back)).text).to.contain('Une version publiée ne peut pas être supprimée');
    expect(await ctx.db('releases').where({ id: row.id }).first()).to.not.equal(undefined);

    expect((await confirmPost(admin, `${back}/unpublish`, back)).status).to.equal(303);
    const unpublished = await ctx.db('releases').where({ id: row.id }).first();
    expect(unpublished.published_at).to.equal(null);
    expect(Boolean(unpublished.is_latest)).to.equal(false);
    await request(ctx.app).get('/download/files/artisan-nd_0.2.0_all.deb').expect(404);

    const deleted = await confirmPost(admin, `${back}/delete`, back);
    expect(deleted.status).to.equal(303);
    expect(deleted.headers.location).to.equal('/admin/releases');
    expect((await admin.get('/admin/releases')).text).to.contain('Version artisan-nd_0.2.0_all.deb supprimée.');
    expect(await ctx.db('releases').where({ id: row.id }).first()).to.equal(undefined);
    expect(fs.existsSync(path.join(ctx.config.paths.downloads, 'artisan-nd_0.2.0_all.deb'))).to.equal(false);
    const logRows = await ctx.db('downloads').where({ filename: 'artisan-nd_0.2.0_all.deb' });
    expect(logRows).to.have.length(2);
    expect(logRows.every((r: { release_id: unknown }) => r.release_id === null)).to.equal(true);
    expect((await audits(ctx, 'release.deleted'))[0]!.target_id).to.equal(String(row.id));
    expect((await snapshot(ctx)).tmp).to.deep.equal([]);
    // The same version may be uploaded again once deleted.
    expect((await upload(admin, buildDeb({ version: '0.2.0' }))).status).to.equal(303);
  });

  it('answers 403 to support, on the pages and the upload', async () => {
    await createAccount(ctx, 'rel-support@example.fr', 'support');
    const support = await loginAgent(ctx, 'rel-support@example.fr');
    await support.get('/admin/releases').expect(403);
    const row = await ctx.db('releases').first();
    await support.get(`/admin/releases/${row.id}`).expect(403);
    const before = await snapshot(ctx);
    await support.post('/admin/releases').attach('deb', buildDeb({ version: '0.9.0' }), 'x.deb').expect(403);
    expect(await snapshot(ctx)).to.deep.equal(before);
  });
});

describe('admin releases: size limit', function () {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext({ env: { RELEASE_MAX_BYTES: '4000' } });
    await createAccount(ctx, 'rel-admin2@example.fr', 'admin');
  });
  after(async () => ctx.close());

  it('refuses a .deb over RELEASE_MAX_BYTES with a clear error and no partial file', async () => {
    const admin = await loginAgent(ctx, 'rel-admin2@example.fr');
    const before = await snapshot(ctx);
    const res = await upload(admin, buildDeb({ version: '0.2.0', payloadBytes: 20_000 }));
    expect(res.status).to.equal(422);
    expect(res.text).to.contain('Le fichier dépasse la taille maximale (3,9 Kio).');
    expect(await snapshot(ctx)).to.deep.equal(before);
    const small = await upload(admin, buildDeb({ version: '0.2.1', payloadBytes: 10 }));
    expect(small.status).to.equal(303);
  });
});

describe('POST /admin/releases/:id/publish: a higher version becomes the download', function () {
  let ctx: TestContext;
  let admin: Agent;
  before(async () => {
    ctx = await createTestContext();
    await createAccount(ctx, 'pub-admin@example.fr', 'admin');
    admin = await loginAgent(ctx, 'pub-admin@example.fr');
  });
  after(async () => ctx.close());

  /** Upload a package of `version`; returns its release id. */
  async function uploaded(version: string): Promise<{ id: number; deb: Buffer }> {
    const deb = buildDeb({ version, payloadBytes: 200 });
    const res = await upload(admin, deb);
    expect(res.status, res.text.slice(0, 300)).to.equal(303);
    return { id: Number((await ctx.db('releases').where({ version }).first()).id), deb };
  }
  const latestVersions = async (): Promise<string[]> =>
    (await ctx.db('releases').where({ product: 'artisan_nd', is_latest: true })).map((r: { version: string }) => r.version);
  const servedBytes = async (): Promise<Buffer> => (await request(ctx.app).get('/download/latest').buffer(true).parse(binary).expect(200)).body as Buffer;

  it('makes a higher version (Debian order: 0.10.0 after 0.1.0) the latest in the same transaction, and /download/latest serves it', async () => {
    const { id, deb } = await uploaded('0.10.0');
    await request(ctx.app).get('/download').expect(200); // primes the page cache
    const ask = await admin.post(`/admin/releases/${id}/publish`).type('form').send({ _csrf: await csrfOf(admin, `/admin/releases/${id}`) }).expect(200);
    expect(ask.text).to.contain('sera publiée et deviendra la version téléchargée par /download/latest, à la place de la version 0.1.0.');
    expect((await confirmPost(admin, `/admin/releases/${id}/publish`, `/admin/releases/${id}`)).status).to.equal(303);
    expect(await latestVersions()).to.deep.equal(['0.10.0']);
    expect(sha256(await servedBytes())).to.equal(sha256(deb));
    expect((await request(ctx.app).get('/download').expect(200)).text).to.contain('sudo apt install ./artisan-nd_0.10.0_all.deb');
    const published = await audits(ctx, 'release.published');
    const marked = await audits(ctx, 'release.marked_latest');
    expect(published.map((a) => a.target_id)).to.deep.equal([String(id)]);
    expect(marked.map((a) => a.summary)).to.deep.equal(['artisan_nd: 0.1.0 → 0.10.0']);
  });

  it('leaves the latest alone when the version published is lower (0.9.0, then 0.10.0~rc1 before 0.10.0)', async () => {
    for (const version of ['0.9.0', '0.10.0~rc1']) {
      const { id } = await uploaded(version);
      const ask = await admin.post(`/admin/releases/${id}/publish`).type('form').send({ _csrf: await csrfOf(admin, `/admin/releases/${id}`) }).expect(200);
      expect(ask.text).to.contain('la version 0.10.0, plus récente, reste la version téléchargée.');
      expect((await confirmPost(admin, `/admin/releases/${id}/publish`, `/admin/releases/${id}`)).status).to.equal(303);
      expect(await latestVersions(), version).to.deep.equal(['0.10.0']);
    }
    const older = (await request(ctx.app).get('/download').expect(200)).text;
    expect(older.indexOf('artisan-nd_0.10.0_all.deb')).to.be.below(older.indexOf('artisan-nd_0.9.0_all.deb'));
  });

  it('publishes without making it the latest when the admin ticks the box, and says so', async () => {
    const { id } = await uploaded('0.11.0');
    const show = await admin.get(`/admin/releases/${id}`).expect(200);
    expect(show.text).to.contain('name="keep_latest"').and.contain('Version téléchargée par /download/latest : 0.10.0.');
    const csrf = await csrfOf(admin, `/admin/releases/${id}`);
    const ask = await admin.post(`/admin/releases/${id}/publish`).type('form').send({ _csrf: csrf, keep_latest: 'yes' }).expect(200);
    expect(ask.text).to.contain('mais la version 0.10.0 restera la version téléchargée').and.contain('name="keep_latest" value="yes"');
    await admin.post(`/admin/releases/${id}/publish`).type('form').send({ _csrf: csrf, keep_latest: 'yes', confirm: 'yes' }).expect(303);
    expect((await ctx.db('releases').where({ id }).first()).published_at).to.not.equal(null);
    expect(await latestVersions()).to.deep.equal(['0.10.0']);
    const list = await admin.get('/admin/releases').expect(200);
    expect(list.text).to.contain('Téléchargée par /download/latest : artisan_nd 0.10.0 (artisan-nd_0.10.0_all.deb)');
  });

  it('serves the highest published version once the latest is unpublished, and keeps it when a higher one is published with the box ticked', async () => {
    const latest = await ctx.db('releases').where({ version: '0.10.0' }).first();
    await confirmPost(admin, `/admin/releases/${latest.id}/unpublish`, `/admin/releases/${latest.id}`);
    expect(await latestVersions()).to.deep.equal([]);
    expect((await admin.get('/admin/releases').expect(200)).text).to.contain('Téléchargée par /download/latest : artisan_nd 0.11.0');
    const { id } = await uploaded('0.12.0');
    const csrf = await csrfOf(admin, `/admin/releases/${id}`);
    await admin.post(`/admin/releases/${id}/publish`).type('form').send({ _csrf: csrf, keep_latest: 'yes', confirm: 'yes' }).expect(303);
    expect(await latestVersions()).to.deep.equal(['0.11.0']);
  });

  it('makes exactly one of two higher versions published at the same time the latest', async () => {
    const a = await uploaded('1.0.0');
    const b = await uploaded('1.1.0');
    const csrf = await csrfOf(admin, `/admin/releases/${a.id}`);
    const posts = [a, b].map((r) => admin.post(`/admin/releases/${r.id}/publish`).type('form').send({ _csrf: csrf, confirm: 'yes' }));
    for (const res of await Promise.all(posts)) expect(res.status).to.equal(303);
    expect(await latestVersions()).to.have.length(1);
    expect(['1.0.0', '1.1.0']).to.include((await latestVersions())[0]);
  });

  it('shows the size limit in MiB, as RELEASE_MAX_BYTES is configured', async () => {
    expect(ctx.config.releaseMaxBytes).to.equal(524_288_000);
    expect((await admin.get('/admin/releases').expect(200)).text).to.contain('500 Mio au plus.');
    expect((await admin.get('/admin/releases?lang=en').expect(200)).text).to.contain('500 MiB at most.');
  });
});
