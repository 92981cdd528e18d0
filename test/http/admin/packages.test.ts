/**
 * /admin/packages: an admin generates a client package (release + API key + README), sees the key once, downloads the
 * zip; the portal keeps only the key's SHA-256; regeneration, revocation and the daily cleanup of old zips.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { createAccount, csrfOf, loginAgent } from '../../helpers/accounts.js';
import { auditRows, textOf } from '../../helpers/billing-admin.js';
import { createTestContext, DEMO_DEB, type TestContext } from '../../helpers/context.js';
import { hiddenFields, type Agent } from '../../helpers/forms.js';
import { HIGH_LIMITS } from '../../helpers/licenses.js';
import { cli } from '../../helpers/cli.js';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { ValidationError } from '../../../src/errors/index.js';
import { ProductsService } from '../../../src/licenses/index.js';
import { buildPackagesService } from '../../../src/packages/index.js';
import { testDatabaseEnv } from '../../helpers/db.js';
import { readZip } from '../../helpers/zip.js';

const DAY_S = 86400;
const sha256 = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');

/** The zip a download answers, as bytes (supertest buffers binary bodies with this parser). */
function download(agent: Agent, url: string) {
  return agent.get(url).buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });
}

/** The clear key of a key page, checked to appear there exactly once (the read-only field), with `Cache-Control: no-store`. */
function keyOfPage(res: request.Response): string {
  expect(res.status, res.text).to.equal(201);
  expect(res.headers['cache-control']).to.equal('no-store');
  const key = /id="new-key" type="text" readonly value="([^"]+)"/.exec(res.text)![1]!;
  expect(res.text.split(key.slice(7)).length - 1, 'the key appears once').to.equal(1);
  return key;
}

/** Create a package through the form: the answer itself shows the key; returns the package id and the key. */
async function createPackage(agent: Agent, fields: Record<string, string>): Promise<{ id: number; key: string; page: string }> {
  const csrf = await csrfOf(agent, '/admin/packages/new');
  const res = await agent.post('/admin/packages').type('form').send({ _csrf: csrf, ...fields });
  const key = keyOfPage(res);
  const id = Number(/href="\/admin\/packages\/(\d+)"/.exec(res.text)![1]);
  return { id, key, page: res.text };
}

/** The id the next client_packages row gets (no other writer runs meanwhile). */
async function nextPackageId(ctx: TestContext): Promise<number> {
  if (ctx.config.database.client === 'sqlite') {
    const r = (await ctx.db('sqlite_sequence').where({ name: 'client_packages' }).first('seq')) as { seq: number } | undefined;
    return Number(r?.seq ?? 0) + 1;
  }
  const r = (await ctx.db.raw("select last_value, is_called from client_packages_id_seq")) as { rows: { last_value: string; is_called: boolean }[] };
  return Number(r.rows[0]!.last_value) + (r.rows[0]!.is_called ? 1 : 0);
}

/** Every text value of every row of every table, joined (to look for a secret anywhere in the database). */
async function wholeDatabase(ctx: TestContext): Promise<string> {
  const tables = ctx.config.database.client === 'sqlite'
    ? ((await ctx.db.raw("select name from sqlite_master where type = 'table'")) as { name: string }[]).map((r) => r.name)
    : ((await ctx.db.raw('select table_name as name from information_schema.tables where table_schema = current_schema()')) as { rows: { name: string }[] })
      .rows.map((r) => r.name);
  const parts: string[] = [];
  for (const t of tables) parts.push(JSON.stringify(await ctx.db(t).select('*')));
  return parts.join('\n');
}

describe('admin client packages', function () {
  this.timeout(60000);
  let ctx: TestContext;
  let admin: Agent;
  before(async () => {
    ctx = await createTestContext({ env: HIGH_LIMITS });
    await createAccount(ctx, 'pk-admin@example.fr', 'admin');
    admin = await loginAgent(ctx, 'pk-admin@example.fr');
  });
  after(async () => ctx.close());

  it('lists no package at first, with the way to create one', async () => {
    const page = (await admin.get('/admin/packages').expect(200)).text;
    expect(textOf(page)).to.contain('Packages clients').and.contain('Aucun package client pour l\'instant');
    expect(page).to.contain('href="/admin/packages/new"');
    const form = (await admin.get('/admin/packages/new?lang=en').expect(200)).text;
    expect(form).to.contain('New client package').and.contain('<option value="artisan_nd" selected>');
    await admin.get('/admin/packages?lang=fr').expect(200);
  });

  it('re-renders the form with its errors (422) for bad fields and writes nothing', async () => {
    const csrf = await csrfOf(admin, '/admin/packages/new');
    const res = await admin.post('/admin/packages').type('form')
      .send({ _csrf: csrf, client: 'Bad Slug!', plan: 'p_1', email: 'not-an-email', product: 'artisan_nd' }).expect(422);
    const text = textOf(res.text);
    expect(text).to.contain('Le formulaire contient des erreurs').and.contain('minuscules, chiffres, tirets à l\'intérieur')
      .and.contain('Une adresse e-mail valide');
    expect(res.text).to.contain('value="Bad Slug!"');
    const unknown = await admin.post('/admin/packages').type('form')
      .send({ _csrf: csrf, client: 'acme', plan: 'pro', email: 'it@acme.example', product: 'nope' }).expect(422);
    expect(textOf(unknown.text)).to.contain('Ce produit n\'existe pas');
    const noRelease = await admin.post('/admin/packages').type('form')
      .send({ _csrf: csrf, client: 'acme', plan: 'pro', email: 'it@acme.example', product: 'easyfacture' }).expect(422);
    expect(textOf(noRelease.text)).to.contain('aucune version publiée');
    expect(await ctx.db('client_packages').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 0);
  });

  it('generates the zip with the release, .env, API_KEY.txt, a bilingual README and matching SHA256SUMS; the key is shown once', async () => {
    const { id, key, page } = await createPackage(admin, { client: 'boulangerie-dupont', plan: 'pro', email: 'contact@dupont.example', product: 'artisan_nd' });
    expect(key).to.match(/^sk_pro_[0-9A-Za-z]{22}$/);
    expect(textOf(page)).to.contain('n\'est affichée qu\'une fois').and.contain('Package artisan_nd-client-boulangerie-dupont.zip généré.');
    // No page shows it again: the key page is gone, the package's page names its last 4 characters.
    await admin.get(`/admin/packages/${id}/key`).expect(404);
    const show = (await admin.get(`/admin/packages/${id}`).expect(200)).text;
    expect(show).to.not.contain(key);
    expect(textOf(show)).to.contain('artisan_nd-client-boulangerie-dupont.zip').and.contain('sk_pro_…' + key.slice(-4));

    const res = await download(admin, `/admin/packages/${id}/download`).expect(200);
    expect(res.headers['content-type']).to.equal('application/zip');
    expect(res.headers['content-disposition']).to.equal('attachment; filename=artisan_nd-client-boulangerie-dupont.zip');
    const zipBytes = res.body as Buffer;
    const entries = readZip(zipBytes);
    expect([...entries.keys()]).to.deep.equal(['artisan-nd_0.1.0_all.deb', '.env', 'API_KEY.txt', 'README.md', 'SHA256SUMS']);
    const deb = entries.get('artisan-nd_0.1.0_all.deb')!;
    expect(deb.method, 'the .deb is stored, not deflated').to.equal(0);
    expect(deb.data.equals(fs.readFileSync(DEMO_DEB))).to.equal(true);
    expect(entries.get('.env')!.data.toString()).to.equal(`API_KEY=${key}\nPORTAL_URL=${ctx.config.baseUrl}\n`);
    expect(entries.get('.env')!.mode & 0o777).to.equal(0o600);
    expect(entries.get('API_KEY.txt')!.data.toString()).to.equal(`${key}\n`);
    const readme = entries.get('README.md')!.data.toString();
    expect(readme).to.contain('## Français').and.contain('## English').and.contain('sudo apt install ./artisan-nd_0.1.0_all.deb')
      .and.contain('~/.config/artisan-nd/.env').and.contain('admin@artisan-nd.test');
    expect(readme).to.not.contain(key);
    const sums = entries.get('SHA256SUMS')!.data.toString();
    const expected = ['artisan-nd_0.1.0_all.deb', '.env', 'API_KEY.txt', 'README.md'].map((n) => `${sha256(entries.get(n)!.data)}  ${n}\n`).join('');
    expect(sums).to.equal(expected);
    // The row records the zip's own hash and size; the file on disk is private (0600).
    const row = await ctx.db('client_packages').where({ id }).first() as Record<string, unknown>;
    expect(row.zip_sha256).to.equal(sha256(zipBytes));
    expect(Number(row.zip_bytes)).to.equal(zipBytes.length);
    const onDisk = path.join(ctx.config.packages.dir, String(id), 'artisan_nd-client-boulangerie-dupont.zip');
    expect(fs.statSync(onDisk).mode & 0o777).to.equal(0o600);
  });

  it('stores only the key’s SHA-256: the clear key is nowhere in the database, the audit row names its last 4 characters', async () => {
    const { id, key } = await createPackage(admin, { client: 'garage-martin', plan: 'basic', email: 'martin@garage.example', product: 'artisan_nd' });
    const row = await ctx.db('client_packages').where({ id }).first() as Record<string, unknown>;
    expect(row.key_hash).to.equal(sha256(key));
    expect(row.client_slug).to.equal('garage-martin');
    expect(row.created_by_email).to.equal('pk-admin@example.fr');
    const everything = await wholeDatabase(ctx);
    expect(everything).to.contain(sha256(key));
    expect(everything).to.not.contain(key.slice(7));
    // Nor in the sessions (PostgreSQL: the session table, read above; SQLite: their own file and its write-ahead log).
    const sessions = path.join(ctx.config.paths.db, 'sessions.sqlite');
    for (const f of [sessions, `${sessions}-wal`].filter((x) => fs.existsSync(x))) expect(fs.readFileSync(f).toString('latin1')).to.not.contain(key.slice(7));
    const [audit] = await auditRows(ctx, 'client_package.created');
    expect(audit!.summary).to.equal(`garage-martin: artisan_nd 0.1.0, plan basic, martin@garage.example, key …${key.slice(-4)}`);
  });

  it('refuses a second live package for the same client and product: that is a reset', async () => {
    const csrf = await csrfOf(admin, '/admin/packages/new');
    const res = await admin.post('/admin/packages').type('form')
      .send({ _csrf: csrf, client: 'garage-martin', plan: 'pro', email: 'martin@garage.example', product: 'artisan_nd' }).expect(422);
    expect(textOf(res.text)).to.contain('déjà une clé active pour ce produit');
  });

  it('the key answers GET /api/v1/client/me until it is revoked (after the confirmation step)', async () => {
    const { id, key } = await createPackage(admin, { client: 'cafe-lune', plan: 'pro', email: 'lune@cafe.example', product: 'artisan_nd' });
    const me = await request(ctx.app).get('/api/v1/client/me').set('Authorization', `Bearer ${key}`).expect(200);
    expect(me.body.client).to.deep.include({ client: 'cafe-lune', plan: 'pro', email: 'lune@cafe.example', product: 'artisan_nd', revokes_at: null });
    // The page says what a revocation does and does not cut: without CLIENT_KEY_REQUIRED_PRODUCTS, keyless requests still pass.
    expect(textOf((await admin.get(`/admin/packages/${id}`).expect(200)).text)).to.contain('L\'API refuse la clé révoquée dès maintenant')
      .and.contain('les requêtes sans clé ne sont refusées que pour les produits listés dans CLIENT_KEY_REQUIRED_PRODUCTS, et artisan_nd n\'y figure pas');
    expect(textOf((await admin.get(`/admin/packages/${id}?lang=en`).expect(200)).text))
      .to.contain('requests without any key are refused only for the products listed in CLIENT_KEY_REQUIRED_PRODUCTS, and artisan_nd is not listed');
    await admin.get('/admin/packages?lang=fr').expect(200);
    const csrf = await csrfOf(admin, `/admin/packages/${id}`);
    const ask = await admin.post(`/admin/packages/${id}/revoke`).type('form').send({ _csrf: csrf }).expect(200);
    expect(textOf(ask.text)).to.contain(`Révoquer maintenant la clé …${key.slice(-4)} de cafe-lune`);
    await request(ctx.app).get('/api/v1/client/me').set('Authorization', `Bearer ${key}`).expect(200);
    const done = await admin.post(`/admin/packages/${id}/revoke`).type('form').send(hiddenFields(ask.text)).expect(303);
    expect(done.headers.location).to.equal(`/admin/packages/${id}`);
    const refused = await request(ctx.app).get('/api/v1/client/me').set('Authorization', `Bearer ${key}`).expect(401);
    expect(refused.body).to.include({ success: false, error: 'UNAUTHORIZED' });
    expect(refused.headers['www-authenticate']).to.equal('Bearer');
    expect(textOf((await admin.get(`/admin/packages/${id}`).expect(200)).text)).to.contain('Clé de cafe-lune révoquée').and.contain('révoquée');
    expect((await auditRows(ctx, 'client_package.revoked'))[0]!.summary).to.equal(`cafe-lune: key …${key.slice(-4)} (artisan_nd)`);
  });

  it('resets a client: a new key and zip, the old key revoked at once', async () => {
    const first = await createPackage(admin, { client: 'atelier-bois', plan: 'pro', email: 'bois@atelier.example', product: 'artisan_nd' });
    const csrf = await csrfOf(admin, `/admin/packages/${first.id}`);
    const ask = await admin.post(`/admin/packages/${first.id}/regenerate`).type('form').send({ _csrf: csrf, grace_days: '0' }).expect(200);
    expect(textOf(ask.text)).to.contain(`révoquer tout de suite la clé …${first.key.slice(-4)}`);
    const done = await admin.post(`/admin/packages/${first.id}/regenerate`).type('form').send(hiddenFields(ask.text));
    const key = keyOfPage(done);
    expect(textOf(done.text)).to.contain('Nouveau package artisan_nd-client-atelier-bois.zip généré.');
    const newId = Number(/href="\/admin\/packages\/(\d+)\/download"/.exec(done.text)![1]);
    expect(newId).to.not.equal(first.id);
    expect(key).to.match(/^sk_pro_/);
    expect(key).to.not.equal(first.key);
    await request(ctx.app).get('/api/v1/client/me').set('Authorization', `Bearer ${first.key}`).expect(401);
    await request(ctx.app).get('/api/v1/client/me').set('Authorization', `Bearer ${key}`).expect(200);
    const zip = readZip((await download(admin, `/admin/packages/${newId}/download`).expect(200)).body as Buffer);
    expect(zip.get('API_KEY.txt')!.data.toString()).to.equal(`${key}\n`);
    const [reset] = await auditRows(ctx, 'client_package.regenerated');
    expect(reset!.summary).to.match(new RegExp(`^atelier-bois: new key …${key.slice(-4)} .*old …${first.key.slice(-4)} revoked on`));
    // The old package can no longer be reset.
    const twice = await admin.post(`/admin/packages/${first.id}/regenerate`).type('form').send(hiddenFields(ask.text)).expect(303);
    expect(twice.headers.location).to.equal(`/admin/packages/${first.id}`);
  });

  it('resets with a grace period: the old key works until then, and says when it stops', async () => {
    const first = await createPackage(admin, { client: 'fleurs-rose', plan: 'pro', email: 'rose@fleurs.example', product: 'artisan_nd' });
    const csrf = await csrfOf(admin, `/admin/packages/${first.id}`);
    const bad = await admin.post(`/admin/packages/${first.id}/regenerate`).type('form').send({ _csrf: csrf, grace_days: '31' }).expect(422);
    expect(textOf(bad.text)).to.contain('Un nombre de jours entre 0 et 30');
    const ask = await admin.post(`/admin/packages/${first.id}/regenerate`).type('form').send({ _csrf: csrf, grace_days: '3' }).expect(200);
    expect(textOf(ask.text)).to.contain('dans 3 jours');
    keyOfPage(await admin.post(`/admin/packages/${first.id}/regenerate`).type('form').send(hiddenFields(ask.text)));
    const me = await request(ctx.app).get('/api/v1/client/me').set('Authorization', `Bearer ${first.key}`).expect(200);
    expect(me.body.client.revokes_at).to.equal(new Date(ctx.clock.now().getTime() + 3 * DAY_S * 1000).toISOString());
    ctx.clock.advance(3 * DAY_S);
    await request(ctx.app).get('/api/v1/client/me').set('Authorization', `Bearer ${first.key}`).expect(401);
    ctx.clock.advance(-3 * DAY_S);
  });

  it('serves the zip for PACKAGE_DOWNLOAD_DAYS; the daily cleanup deletes it after PACKAGE_KEEP_DAYS and the key stays valid', async () => {
    const { id, key } = await createPackage(admin, { client: 'plomberie-eau', plan: 'pro', email: 'eau@plomberie.example', product: 'artisan_nd' });
    const folder = path.join(ctx.config.packages.dir, String(id));
    try {
      ctx.clock.advance(8 * DAY_S);
      // A week on, the admin logs in again.
      admin = await loginAgent(ctx, 'pk-admin@example.fr');
      await admin.get(`/admin/packages/${id}/download`).expect(404);
      expect(textOf((await admin.get(`/admin/packages/${id}`).expect(200)).text)).to.contain('Le délai de téléchargement est passé');
      expect((await ctx.handle.cleanup.run()).package_zips).to.equal(0);
      expect(fs.existsSync(folder)).to.equal(true);
      ctx.clock.advance(23 * DAY_S);
      admin = await loginAgent(ctx, 'pk-admin@example.fr');
      const report = await ctx.handle.cleanup.run();
      expect(report.package_zips).to.be.at.least(1);
      expect(fs.existsSync(folder)).to.equal(false);
      expect(textOf((await admin.get(`/admin/packages/${id}`).expect(200)).text)).to.contain('supprimé par le nettoyage quotidien');
      await request(ctx.app).get('/api/v1/client/me').set('Authorization', `Bearer ${key}`).expect(200);
      expect((await ctx.handle.cleanup.run()).package_zips).to.equal(0);
    } finally {
      ctx.clock.advance(-31 * DAY_S);
      admin = await loginAgent(ctx, 'pk-admin@example.fr');
    }
  });

  it('finds packages by client, e-mail, plan or product', async () => {
    const found = textOf((await admin.get('/admin/packages?q=DUPONT').expect(200)).text);
    expect(found).to.contain('boulangerie-dupont').and.contain('1 résultat');
    expect(found).to.not.contain('garage-martin');
    expect(textOf((await admin.get('/admin/packages?q=zzz').expect(200)).text)).to.contain('Aucun résultat pour ces filtres');
  });

  it('refuses to package a release whose file no longer matches its checksum (422), leaving no zip behind', async () => {
    const file = path.join(ctx.config.paths.downloads, 'artisan-nd_0.1.0_all.deb');
    const original = fs.readFileSync(file);
    const before = fs.readdirSync(ctx.config.packages.dir).length;
    fs.writeFileSync(file, Buffer.concat([original, Buffer.from('x')]));
    try {
      const csrf = await csrfOf(admin, '/admin/packages/new');
      const res = await admin.post('/admin/packages').type('form')
        .send({ _csrf: csrf, client: 'fichier-change', plan: 'pro', email: 'f@example.fr', product: 'artisan_nd' }).expect(422);
      expect(textOf(res.text)).to.contain('ne correspond plus à son empreinte');
      expect(fs.readdirSync(ctx.config.packages.dir).length).to.equal(before);
      expect(await ctx.db('client_packages').where({ client_slug: 'fichier-change' }).first()).to.equal(undefined);
    } finally {
      fs.writeFileSync(file, original);
    }
  });

  it('npm run package:create writes the package, prints its path and the key, and refuses bad arguments', async () => {
    const env = { DB_DIR: ctx.config.paths.db, LOGS_DIR: `${ctx.dir}/logs`, SUBSCRIPTION_DIR: `${ctx.dir}/subscription`, FILES_DIR: ctx.config.paths.files,
      ...testDatabaseEnv(ctx.config.paths.db) };
    const res = await cli('package-create.ts', ['--client', 'menuiserie-cli', '--plan', 'starter', '--email', 'cli@menuiserie.example'], env, '');
    expect(res.code, res.err).to.equal(0);
    const [zipPath, key] = res.out.trim().split('\n') as [string, string];
    expect(zipPath).to.match(/\/packages\/\d+\/artisan_nd-client-menuiserie-cli\.zip$/);
    expect(key).to.match(/^sk_starter_[0-9A-Za-z]{22}$/);
    expect(readZip(fs.readFileSync(zipPath)).get('API_KEY.txt')!.data.toString()).to.equal(`${key}\n`);
    const row = await ctx.db('client_packages').where({ client_slug: 'menuiserie-cli' }).first() as Record<string, unknown>;
    expect(row.key_hash).to.equal(sha256(key));
    expect(row.created_by_email).to.equal(null);
    const bad = await cli('package-create.ts', ['--client', 'Bad Slug', '--plan', 'pro', '--email', 'x'], env, '');
    expect(bad.code).to.equal(1);
    expect(bad.err).to.contain('client: An identifier of 1 to 64 characters').and.contain('email: A valid e-mail address.');
    const usage = await cli('package-create.ts', ['--client', 'x'], env, '');
    expect(usage.code).to.equal(1);
    expect(usage.err).to.contain('Usage: npm run package:create');
  });

  it('two resets of one key at once: exactly one succeeds, leaving one live key', async () => {
    const first = await createPackage(admin, { client: 'double-reset', plan: 'pro', email: 'r@double.example', product: 'artisan_nd' });
    // The second reset (at once) has read the old key, still live, before the first (grace of 5 days) commits; it goes on after.
    let release!: () => void;
    const held = new Promise<void>((resolve) => { release = resolve; });
    let calls = 0;
    const downloads = {
      latestFile: async (product: string) => {
        if (calls++ === 1) await held;
        return ctx.handle.downloads.latestFile(product);
      },
      filePath: (r: Parameters<typeof ctx.handle.downloads.filePath>[0]) => ctx.handle.downloads.filePath(r),
    };
    const { audit } = ctx.handle;
    const service = buildPackagesService({ db: ctx.db, clock: ctx.clock, audit, config: ctx.config, downloads,
      products: new ProductsService({ db: ctx.db, clock: ctx.clock, audit }) });
    const settle = <T>(p: Promise<T>) => p.then((value) => ({ value, err: null }), (err: unknown) => ({ value: null, err }));
    const withGrace = settle(service.regenerate(first.id, 5, SYSTEM_ACTOR));
    const atOnce = settle(service.regenerate(first.id, 0, SYSTEM_ACTOR));
    const a = await withGrace;
    release();
    const b = await atOnce;
    expect(a.err, String(a.err)).to.equal(null);
    expect(b.err).to.be.instanceOf(ValidationError);
    expect((b.err as ValidationError).fields).to.deep.equal({ state: 'admin-packages:errors.already_revoked' });
    const old = await ctx.db('client_packages').where({ id: first.id }).first() as Record<string, unknown>;
    expect(new Date(old.revoked_at as string).getTime(), 'the first reset\'s grace period stands').to.equal(ctx.clock.now().getTime() + 5 * DAY_S * 1000);
    const rows = await ctx.db('client_packages').where({ client_slug: 'double-reset' }).whereNull('revoked_at');
    expect(rows, 'one key not revoked').to.have.length(1);
    expect(fs.readdirSync(ctx.config.packages.dir).filter((n) => n.includes('.new-')), 'no temporary zip left').to.deep.equal([]);
  });

  it('two creations for the same client and product at once: one package, the others refused', async () => {
    const ask = () => ctx.handle.packages.create({ client: 'double-create', plan: 'pro', email: 'c@double.example', product: 'artisan_nd' }, SYSTEM_ACTOR);
    const outcomes = await Promise.allSettled([ask(), ask(), ask(), ask()]);
    expect(outcomes.filter((o) => o.status === 'fulfilled'), 'one package').to.have.length(1);
    for (const o of outcomes.filter((x): x is PromiseRejectedResult => x.status === 'rejected')) {
      expect((o.reason as ValidationError).fields).to.deep.equal({ client: 'admin-packages:errors.exists' });
    }
    expect(await ctx.db('client_packages').where({ client_slug: 'double-create' })).to.have.length(1);
  });

  it('a zip that cannot be put in place: the form says so, the new key is revoked at once (audited), no temporary zip stays', async () => {
    // The package's folder cannot be made: a file stands where it goes.
    const blocker = path.join(ctx.config.packages.dir, String(await nextPackageId(ctx)));
    fs.mkdirSync(ctx.config.packages.dir, { recursive: true });
    fs.writeFileSync(blocker, 'not a folder');
    try {
      const csrf = await csrfOf(admin, '/admin/packages/new');
      const res = await admin.post('/admin/packages').type('form')
        .send({ _csrf: csrf, client: 'disque-plein', plan: 'pro', email: 'd@plein.example', product: 'artisan_nd' }).expect(422);
      expect(textOf(res.text)).to.contain('Le zip n\'a pas pu être rangé dans files/packages').and.contain('sa clé a été révoquée aussitôt');
      expect(res.text).to.not.match(/sk_pro_[0-9A-Za-z]{22}/);
      const row = await ctx.db('client_packages').where({ client_slug: 'disque-plein' }).first() as Record<string, unknown>;
      expect(row.revoked_at, 'the key is revoked').to.not.equal(null);
      const [audit] = await auditRows(ctx, 'client_package.revoked');
      expect(audit!.summary).to.equal(`disque-plein: key …${String(row.key_hint)} (artisan_nd)`);
      expect(fs.readdirSync(ctx.config.packages.dir).filter((n) => n.includes('.new-')), 'no temporary zip left').to.deep.equal([]);
    } finally {
      fs.rmSync(blocker, { force: true });
    }
    // The revoked row is no live key: the admin can make the package again once the disk is fixed.
    const again = await createPackage(admin, { client: 'disque-plein', plan: 'pro', email: 'd@plein.example', product: 'artisan_nd' });
    await request(ctx.app).get('/api/v1/client/me').set('Authorization', `Bearer ${again.key}`).expect(200);
  });

  it('the daily cleanup deletes the temporary zips left for more than an hour, and only those', async () => {
    const dir = ctx.config.packages.dir;
    fs.mkdirSync(dir, { recursive: true });
    const now = ctx.clock.now().getTime();
    const file = (name: string, ageMs: number) => {
      const p = path.join(dir, name);
      fs.writeFileSync(p, 'API_KEY=sk_pro_x');
      fs.utimesSync(p, new Date(now - ageMs), new Date(now - ageMs));
      return p;
    };
    const uuid = () => crypto.randomUUID();
    const stale = [file(`.new-${uuid()}.zip`, 2 * 3600_000), file(`..new-${uuid()}.zip.4242.tmp`, 3 * 3600_000)];
    const kept = [file(`.new-${uuid()}.zip`, 60_000), file('.notes-2h-old.txt', 2 * 3600_000)];
    try {
      expect((await ctx.handle.cleanup.run()).package_temp_zips).to.equal(2);
      for (const p of stale) expect(fs.existsSync(p), p).to.equal(false);
      for (const p of kept) expect(fs.existsSync(p), p).to.equal(true);
      expect((await ctx.handle.cleanup.run()).package_temp_zips).to.equal(0);
    } finally {
      for (const p of kept) fs.rmSync(p, { force: true });
    }
  });

  it('is for admins only', async () => {
    await createAccount(ctx, 'pk-support@example.fr', 'support');
    const support = await loginAgent(ctx, 'pk-support@example.fr');
    await support.get('/admin/packages').expect(403);
    await support.get('/admin/packages/1/download').expect(403);
    const anonymous = await request(ctx.app).get('/admin/packages/new').expect(303);
    expect(anonymous.headers.location).to.match(/^\/subscription\/login/);
    await request(ctx.app).get('/api/v1/client/me').set('Authorization', `Bearer sk_pro_${'a'.repeat(22)}`).expect(401);
    await request(ctx.app).get('/api/v1/client/me').expect(401);
  });
});
