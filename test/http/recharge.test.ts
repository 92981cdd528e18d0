import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { createAccount, csrfOf, loginAgent, request } from '../helpers/accounts.js';
import { applyAs, credit, fetchKeyFiles, installationProof, newInstallation, prepare, recharge } from '../helpers/recharge.js';
import { csvLines } from '../helpers/csv.js';

function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

const count = async (ctx: TestContext, table: string) => Number((await ctx.db(table).count({ n: '*' }).first())!.n);

describe('recharges through the partner pages', () => {
  let ctx: TestContext;
  let partnerId: number;
  beforeEach(async () => {
    ctx = await createTestContext();
    partnerId = await createAccount(ctx, 'p@example.fr');
  });
  afterEach(async () => { await ctx.close(); });

  it('recharges an installation: confirmation, one debit, the key file the installation can open once', async () => {
    await credit(ctx, partnerId, 1000);
    const agent = await loginAgent(ctx, 'p@example.fr');
    const inst = newInstallation();
    const p = await prepare(agent, { installation_code: ` ${inst.formatted.toLowerCase()} `, customer: 'Boulangerie Martin', units: '500' });
    expect(p.status).to.equal(200);
    expect(p.text).to.contain('Confirmer la recharge').and.contain(inst.formatted).and.contain('<strong>500</strong>');
    expect(await count(ctx, 'recharges'), 'nothing written before confirmation').to.equal(0);
    const res = await agent.post('/subscription/recharge/confirm').type('form').send(p.confirm).expect(303);
    const page = await agent.get(String(res.headers.location)).expect(200);
    expect(page.text).to.contain('Recharge créée : 500 unités, numéro de série 1').and.contain('Télécharger le fichier clé');
    const id = String(res.headers.location).split('/').pop()!;
    const file = (await agent.get(`/subscription/recharges/${id}/key.bin`).buffer(true).parse(binary).expect(200).expect('Content-Type', /octet-stream/)).body as Buffer;
    const { payload } = applyAs(ctx, inst, file);
    expect(payload).to.include({ units: 500, serial: 1, installation: inst.code, partner: 'PTN-0001', id, product: 'artisan_nd' });
    expect(() => applyAs(ctx, inst, file, [1])).to.throw().with.property('reason', 'ALREADY_APPLIED');
    expect(await ctx.handle.ledger.balance(partnerId)).to.equal(500);
    const debit = await ctx.db('ledger_entries').where({ kind: 'debit' }).first();
    expect(debit).to.include({ units: 500, reference: id });
    expect(fs.readFileSync(path.join(ctx.config.paths.keyFiles, `${id}.bin`)).equals(file)).to.equal(true);
    expect(await ctx.db('audit_log').where({ action: 'recharge.created' }).first()).to.exist;
    const second = await recharge(agent, inst, 100);
    expect(applyAs(ctx, inst, (await agent.get(`/subscription/recharges/${second}/key.bin`)
      .buffer(true)
      .parse(binary)).body as Buffer, [1]).payload.serial).to.equal(2);
  });

  it('creates one recharge only when the confirmation is sent twice', async () => {
    await credit(ctx, partnerId, 100);
    const agent = await loginAgent(ctx, 'p@example.fr');
    const p = await prepare(agent, { installation_code: newInstallation().code, units: '30' });
    const [a, b] = await Promise.all([1, 2].map(() => agent.post('/subscription/recharge/confirm').type('form').send(p.confirm)));
    expect(a!.status).to.equal(303);
    expect(b!.status).to.equal(303);
    expect(a!.headers.location).to.equal(b!.headers.location);
    expect(await count(ctx, 'recharges')).to.equal(1);
    expect(await ctx.handle.ledger.balance(partnerId)).to.equal(70);
  });

  it('refuses a recharge beyond the balance and writes nothing', async () => {
    await credit(ctx, partnerId, 10);
    const agent = await loginAgent(ctx, 'p@example.fr');
    const p = await prepare(agent, { installation_code: newInstallation().code, units: '11' });
    expect(p.status).to.equal(422);
    expect(p.text).to.contain('Votre solde est insuffisant').and.contain('Votre solde : 10 unités.');
    expect(await count(ctx, 'recharges')).to.equal(0);
    expect(await count(ctx, 'installations')).to.equal(0);
    expect(fs.existsSync(ctx.config.paths.keyFiles) ? fs.readdirSync(ctx.config.paths.keyFiles) : []).to.deep.equal([]);
  });

  it('explains a wrong Installation Code by the spec reason, keeping what was typed', async () => {
    await credit(ctx, partnerId, 10);
    const agent = await loginAgent(ctx, 'p@example.fr');
    const code = newInstallation().code;
    const cases: [string, string][] = [
      [code.slice(0, 50), 'doit faire 55 caractères'],
      [`${code.slice(0, 54)}1`, 'caractère impossible'],
      [code.slice(0, 10) + (code[10] === 'A' ? 'B' : 'A') + code.slice(11), 'probablement une faute de frappe'],
      ['', 'Saisissez le code'],
    ];
    for (const [typed, message] of cases) {
      const p = await prepare(agent, { installation_code: typed, units: '1' });
      expect(p.status, typed).to.equal(422);
      expect(p.text, typed).to.contain(message);
      if (typed) expect(p.text).to.contain(`value="${typed}"`);
    }
  });

  it('refuses an installation that another partner recharges', async () => {
    const otherId = await createAccount(ctx, 'other@example.fr');
    await credit(ctx, partnerId, 10);
    await credit(ctx, otherId, 10);
    const inst = newInstallation();
    await recharge(await loginAgent(ctx, 'other@example.fr'), inst, 5);
    const p = await prepare(await loginAgent(ctx, 'p@example.fr'), { installation_code: inst.code, units: '1' });
    expect(p.status).to.equal(422);
    expect(p.text).to.contain('déjà suivie par un autre partenaire');
  });

  it('shows a recharge and its key file to its partner and staff only', async () => {
    await credit(ctx, partnerId, 10);
    const id = await recharge(await loginAgent(ctx, 'p@example.fr'), newInstallation(), 5);
    await createAccount(ctx, 'other@example.fr');
    await createAccount(ctx, 'admin@example.fr', 'admin');
    const other = await loginAgent(ctx, 'other@example.fr');
    await other.get(`/subscription/recharges/${id}`).expect(404);
    await other.get(`/subscription/recharges/${id}/key.bin`).expect(404);
    await other.get('/subscription/recharges/not-a-uuid/key.bin').expect(404);
    expect((await request(ctx.app).get(`/subscription/recharges/${id}/key.bin`)).status).to.equal(303);
    const admin = await loginAgent(ctx, 'admin@example.fr');
    await admin.get(`/subscription/recharges/${id}/key.bin`).expect(200);
  });

  it('rebuilds a missing key file copy from the database', async () => {
    await credit(ctx, partnerId, 10);
    const agent = await loginAgent(ctx, 'p@example.fr');
    const id = await recharge(agent, newInstallation(), 5);
    const file = path.join(ctx.config.paths.keyFiles, `${id}.bin`);
    const original = fs.readFileSync(file);
    fs.rmSync(file);
    const served = (await agent.get(`/subscription/recharges/${id}/key.bin`).buffer(true).parse(binary).expect(200)).body as Buffer;
    expect(served.equals(original)).to.equal(true);
    expect(fs.readFileSync(file).equals(original)).to.equal(true);
  });

  it('takes the code from an uploaded request file, and refuses a bad or big one', async () => {
    await credit(ctx, partnerId, 10);
    const agent = await loginAgent(ctx, 'p@example.fr');
    const inst = newInstallation();
    const post = async (content: Buffer) => {
      const csrf = await csrfOf(agent, '/subscription/recharge');
      return agent.post('/subscription/recharge')
        .field('_csrf', csrf)
        .field('installation_code', '')
        .field('customer', 'X')
        .field('units', '2')
        .field('expires_in_days', '30')
        .attach('request_file', content, { filename: 'demande.json', contentType: 'application/json' });
    };
    const ok = await post(Buffer.from(JSON.stringify({ v: 1, installation: inst.formatted, product: 'artisan_nd', app_version: '0.1.0' })));
    expect(ok.status).to.equal(303);
    expect((await agent.get(String(ok.headers.location)).expect(200)).text).to.contain(inst.formatted);
    const bad = await post(Buffer.from('{"v":2}'));
    expect(bad.status).to.equal(422);
    expect(bad.text).to.contain('pas un fichier de demande artisan_nd valide');
    const big = await post(Buffer.alloc(5000, 32));
    expect(big.status).to.equal(422);
    expect(big.text).to.contain('dépasse 4 Ko');
  });

  it('refuses a multipart post without its CSRF token', async () => {
    const agent = await loginAgent(ctx, 'p@example.fr');
    await agent.post('/subscription/recharge').field('installation_code', 'x').field('units', '1').expect(403);
    await agent.post('/subscription/logout').field('x', '1').expect(403);
  });

  it('never overspends under 20 simultaneous recharges', async function () {
    this.timeout(60000);
    await credit(ctx, partnerId, 100);
    const agent = await loginAgent(ctx, 'p@example.fr');
    const prepared = [];
    for (let i = 0; i < 20; i++) prepared.push(await prepare(agent, { installation_code: newInstallation().code, units: '10', customer: `C${i}` }));
    const results = await Promise.all(prepared.map((p) => agent.post('/subscription/recharge/confirm').type('form').send(p.confirm)));
    const created = results.filter((r) => r.status === 303).length;
    expect(created).to.equal(10);
    expect(results.filter((r) => r.status === 422).every((r) => r.text.includes('Votre solde est insuffisant'))).to.equal(true);
    expect(await ctx.handle.ledger.balance(partnerId)).to.equal(0);
    expect(await count(ctx, 'recharges')).to.equal(10);
    const balances = (await ctx.db('ledger_entries').orderBy('id')).map((r: { balance_after: unknown }) => Number(r.balance_after));
    expect(Math.min(...balances)).to.equal(0);
  });

  it('shows the history with search and CSV, the installations and the dashboard', async () => {
    await credit(ctx, partnerId, 100);
    const agent = await loginAgent(ctx, 'p@example.fr');
    await recharge(agent, newInstallation(), 7, 'Garage Dupont');
    await recharge(agent, newInstallation(), 9, 'Fleuriste Rose');
    const all = await agent.get('/subscription/recharges').expect(200);
    expect(all.text).to.contain('2 recharges').and.contain('Garage Dupont').and.contain('Fleuriste Rose');
    const found = await agent.get('/subscription/recharges?q=garage').expect(200);
    expect(found.text).to.contain('Garage Dupont').and.not.contain('Fleuriste Rose');
    const csv = await agent.get('/subscription/recharges?format=csv').expect(200).expect('Content-Type', /text\/csv/);
    expect(csvLines(csv)[0]).to.equal('issued_at;id;customer;installation_code;serial;units;state;sha256');
    expect(csv.text).to.contain('Garage Dupont');
    const none = await agent.get('/subscription/recharges?from=2030-01-01').expect(200);
    expect(none.text).to.contain('Aucune recharge');
    expect((await agent.get('/subscription/installations').expect(200)).text).to.contain('Fleuriste Rose');
    const dash = await agent.get('/subscription/dashboard').expect(200);
    expect(dash.text).to.contain('<p class="big-number">84</p>').and.contain('<p class="big-number">16</p>').and.contain('/vendor/chart.js/chart.umd.min.js');
    await agent.get('/vendor/chart.js/chart.umd.min.js').expect(200).expect('Content-Type', /javascript/);
  });
});

describe('key files API and issuer keys', () => {
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext(); });
  after(async () => { await ctx.close(); });

  it('publishes the issuer keys in the spec shape', async () => {
    const res = await request(ctx.app).get('/.well-known/artisan-nd/keys.json').expect(200);
    expect(res.body.keys).to.have.length(1);
    expect(res.body.keys[0]).to.include({ alg: 'Ed25519', status: 'active', kid: ctx.keys.active.kid.toString('hex') });
    expect(Buffer.from(res.body.keys[0].public_key, 'base64')).to.have.length(32);
    expect(res.body.keys[0].created_at).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const keyFile = path.join(ctx.config.paths.keys, `${res.body.keys[0].kid}.key`);
    expect(fs.statSync(keyFile).mode & 0o777).to.equal(0o600);
    expect(fs.statSync(ctx.config.paths.keys).mode & 0o777).to.equal(0o700);
    const secret = fs.readFileSync(keyFile, 'utf8').trim();
    expect(JSON.stringify(await ctx.db('issuer_keys').select())).not.to.contain(secret);
  });

  it('delivers the key files of an installation after a serial, and keeps verifying after a rotation', async () => {
    const partnerId = await createAccount(ctx, 'api@example.fr');
    await credit(ctx, partnerId, 100);
    const agent = await loginAgent(ctx, 'api@example.fr');
    const inst = newInstallation();
    await recharge(agent, inst, 3);
    const oldKid = ctx.keys.active.kid.toString('hex');
    await ctx.keys.rotate();
    await recharge(agent, inst, 4);
    const all = await fetchKeyFiles(ctx, inst);
    expect(all.body.keyfiles.map((k: { serial: number }) => k.serial)).to.deep.equal([1, 2]);
    const files = all.body.keyfiles.map((k: { file: string }) => Buffer.from(k.file, 'base64'));
    expect(applyAs(ctx, inst, files[0]).kid).to.equal(oldKid);
    expect(applyAs(ctx, inst, files[1]).kid).to.not.equal(oldKid);
    const proof = await installationProof(ctx, inst);
    const after = await request(ctx.app).get(`/api/v1/installations/${inst.formatted.toLowerCase()}/keyfiles?after_serial=1`)
      .set('X-Installation-Proof', proof).expect(200);
    expect(after.body.keyfiles).to.have.length(1);
    const keys = (await request(ctx.app).get('/.well-known/artisan-nd/keys.json')).body.keys;
    expect(keys.map((k: { status: string }) => k.status).sort()).to.deep.equal(['active', 'retired']);
  });

  it('answers bad requests with the documented JSON error', async () => {
    const bad = await request(ctx.app).get('/api/v1/installations/NOT-A-CODE/keyfiles').expect(400);
    expect(bad.body).to.include({ success: false, error: 'INVALID_INSTALLATION_CODE' });
    expect(bad.body.request_id).to.be.a('string').and.not.equal('');
    const serial = await request(ctx.app).get(`/api/v1/installations/${newInstallation().code}/keyfiles?after_serial=-1`).expect(400);
    expect(serial.body.error).to.equal('INVALID_REQUEST');
    const empty = await fetchKeyFiles(ctx, newInstallation());
    expect(empty.body.keyfiles).to.deep.equal([]);
  });
});
