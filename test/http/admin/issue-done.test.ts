/**
 * Issue 5's "done means", end to end through the forms: an admin created by
 * `npm run admin:create` finds a partner, credits and suspends them, uploads
 * and publishes a new .deb that the public download then serves, and reads
 * all of it back in the audit log (page and CSV).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { createAccount, csrfOf, loginAgent, PASSWORD } from '../../helpers/accounts.js';
import { cli } from '../../helpers/cli.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { testDatabaseEnv } from '../../helpers/db.js';
import { buildDeb } from '../../helpers/deb.js';
import { fieldValue, type Agent } from '../../helpers/forms.js';

/** Post a form, check the confirmation page, then confirm; returns the final answer. */
async function confirmed(agent: Agent, url: string, page: string, fields: Record<string, string> = {}): Promise<request.Response> {
  const csrf = await csrfOf(agent, page);
  const ask = await agent.post(url).type('form').send({ _csrf: csrf, ...fields }).expect(200);
  expect(ask.text).to.contain('name="confirm" value="yes"');
  return agent.post(url).type('form').send({ _csrf: csrf, ...fields, confirm: 'yes' });
}

describe('issue 5 acceptance: an admin from the CLI manages a partner and publishes a release', function () {
  this.timeout(120000);
  let ctx: TestContext;
  let logsDir: string;
  before(async () => {
    ctx = await createTestContext();
    logsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'artisan-cli-'));
  });
  after(async () => {
    await ctx.close();
    fs.rmSync(logsDir, { recursive: true, force: true });
  });

  it('finds, credits and suspends a partner, publishes a .deb the public downloads, and reads it all in the audit log', async () => {
    const env = { DB_DIR: ctx.config.paths.db, LOGS_DIR: logsDir, ...testDatabaseEnv(ctx.config.paths.db) };
    const created = await cli('admin-create.ts', ['--email', 'direction@artisan-nd.test'], env, `${PASSWORD}\n`);
    expect(created.code, created.err).to.equal(0);
    const partnerId = await createAccount(ctx, 'compta@imprimerie-lefort.fr');
    await ctx.db('accounts').where({ id: partnerId }).update({ company: 'Imprimerie Lefort' });
    const admin = await loginAgent(ctx, 'direction@artisan-nd.test');

    // Find the partner.
    const list = await admin.get('/admin/partners?q=lefort').expect(200);
    expect(list.text).to.contain('Imprimerie Lefort').and.contain(`href="/admin/partners/${partnerId}"`);
    const page = `/admin/partners/${partnerId}`;

    // Credit 250 units.
    const form = (await admin.get(page).expect(200)).text;
    const confirmId = fieldValue(form, 'confirm_id');
    expect(confirmId, 'the balance form carries a one-time id').to.be.a('string');
    const credit = await admin.post(`${page}/balance`)
      .type('form')
      .send({ _csrf: await csrfOf(admin, page), kind: 'credit', units: '250', reason: 'Abonnement annuel', confirm_id: confirmId });
    expect(credit.status).to.equal(303);
    expect(await ctx.handle.ledger.balance(partnerId)).to.equal(250);

    // Suspend, with a reason and a confirmation.
    expect((await confirmed(admin, `${page}/suspend`, page, { reason: 'Prélèvement rejeté' })).status).to.equal(303);
    const shown = await admin.get(page).expect(200);
    expect(shown.text).to.contain('Prélèvement rejeté');
    expect((await ctx.db('accounts').where({ id: partnerId }).first()).state).to.equal('suspended');

    // Upload a real .deb, publish it and mark it latest.
    const deb = buildDeb({ version: '1.4.0' });
    const upload = await admin.post('/admin/releases').field('_csrf', await csrfOf(admin, '/admin/releases')).field('changelog', 'Numérotation par carnet.')
      .attach('deb', deb, { filename: 'nouvelle-version.deb', contentType: 'application/vnd.debian.binary-package' });
    expect(upload.status, upload.text.slice(0, 300)).to.equal(303);
    const release = await ctx.db('releases').where({ version: '1.4.0' }).first();
    expect(release).to.include({ product: 'artisan_nd', filename: 'artisan-nd_1.4.0_all.deb' });
    const releasePage = `/admin/releases/${release.id}`;
    expect((await confirmed(admin, `${releasePage}/publish`, releasePage)).status).to.equal(303);
    expect((await confirmed(admin, `${releasePage}/latest`, releasePage)).status).to.equal(303);

    // The public now gets it.
    const visitor = request(ctx.app);
    const download = await visitor.get('/download').set('Accept-Language', 'fr').expect(200);
    expect(download.text).to.contain('1.4.0').and.contain(crypto.createHash('sha256').update(deb).digest('hex'));
    const bytes = await visitor.get('/download/latest').buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    }).expect(200);
    expect(Buffer.compare(bytes.body as Buffer, deb)).to.equal(0);

    // And the audit log tells the story, on the page and in the CSV.
    const actions = ['balance.credit', 'admin.partner.suspended', 'release.uploaded', 'release.published', 'release.marked_latest'];
    const audit = await admin.get('/admin/audit?actor=direction').expect(200);
    for (const a of actions) expect(audit.text, a).to.contain(a);
    const csv = await admin.get('/admin/audit?actor=direction&format=csv&sep=comma').expect(200);
    expect(csv.headers['content-type']).to.contain('text/csv');
    for (const a of actions) expect(csv.text, a).to.match(new RegExp(`direction@artisan-nd\\.test,${a.replace('.', '\\.')},`));
    expect(csv.text).to.contain('Prélèvement rejeté');
  });
});
