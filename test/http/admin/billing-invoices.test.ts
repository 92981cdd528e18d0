/**
 * /admin/invoices, /admin/payments, /admin/credits: a manual invoice drafted and issued, a bank transfer recorded
 * (partial, double submit, bad input), a credit note after its confirmation, the chain check, the CSV exports, credit
 * offered to a partner; support reads only.
 */
import { expect } from 'chai';
import { createAccount } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { csvLines } from '../../helpers/csv.js';
import { auditRows, confirm, postForm, staffAgent, textOf } from '../../helpers/billing-admin.js';
import type { Agent } from '../../helpers/forms.js';

const SELLER = { BILLING_SELLER_NAME: 'Artisan ND SAS', BILLING_SELLER_ADDRESS: '12 rue des Imprimeurs, 69001 Lyon', BILLING_SELLER_SIRET: '12345678900012' };

/** Draft and issue a manual invoice of 100.00 € HT (+20 % VAT) for `email`; returns its id. */
async function issue(admin: Agent, email: string, price = '100'): Promise<number> {
  const draft = await postForm(admin, '/admin/invoices/new', '/admin/invoices', {
    partner: email, currency: 'EUR', line_0_description: 'Formation sur site', line_0_quantity: '1', line_0_unit_price: price, line_0_vat_rate: '',
  });
  expect(draft.status, draft.text.slice(0, 200)).to.equal(303);
  const id = Number(/\/admin\/invoices\/(\d+)$/.exec(draft.headers.location!)![1]);
  const first = await postForm(admin, `/admin/invoices/${id}`, `/admin/invoices/${id}/finalise`, {});
  expect(first.status).to.equal(200);
  expect((await confirm(admin, `/admin/invoices/${id}/finalise`, first)).status).to.equal(303);
  return id;
}

/** The payment form's fields on the invoice page, with `fields` over them. */
async function payFields(admin: Agent, id: number, fields: Record<string, string>): Promise<Record<string, string>> {
  const html = (await admin.get(`/admin/invoices/${id}`).expect(200)).text;
  const key = /name="idempotency_key" value="([^"]+)"/.exec(html)![1]!;
  return { idempotency_key: key, method: 'bank_transfer', reference: 'VIR-2026-118', date: '2026-11-22', ...fields };
}

describe('/admin/invoices, /admin/payments, /admin/credits', function () {
  let ctx: TestContext;
  let admin: Agent;
  beforeEach(async () => {
    ctx = await createTestContext({ env: SELLER });
    await createAccount(ctx, 'atelier@imprimerie-centre.fr');
    admin = await staffAgent(ctx, 'admin');
  });
  afterEach(async () => { await ctx.close(); });

  it('drafts a manual invoice, issues it after confirmation, lists it, serves its PDF and exports it for the accountant', async () => {
    const id = await issue(admin, 'atelier@imprimerie-centre.fr');
    const page = textOf((await admin.get(`/admin/invoices/${id}`).expect(200)).text);
    expect(page).to.include('FA-2026-000001').and.include('120,00 €').and.include('TVA 20 %');
    const pdf = await admin.get(`/admin/invoices/${id}/pdf`).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => cb(null, Buffer.concat(chunks)));
    }).expect(200);
    expect((pdf.body as Buffer).subarray(0, 5).toString()).to.equal('%PDF-');
    expect(textOf((await admin.get('/admin/invoices?q=imprimerie').expect(200)).text)).to.include('FA-2026-000001');
    expect(textOf((await admin.get('/admin/invoices?status=paid').expect(200)).text)).not.to.include('FA-2026-000001');
    const csv = csvLines(await admin.get('/admin/invoices?format=csv&sep=comma').expect(200));
    expect(csv[0]).to.equal('number,kind,issue_date,buyer,buyer_email,currency,total_ht,vat_20.00,total_vat,total_ttc,status,paid_at');
    expect(csv[1]).to.equal('FA-2026-000001,invoice,2026-11-22,Société Test,atelier@imprimerie-centre.fr,EUR,100.00,20.00,20.00,120.00,open,');
    expect((await auditRows(ctx, 'invoice.draft_created')).length).to.equal(1);
    expect((await auditRows(ctx, 'invoice.finalised')).length).to.equal(1);
  });

  it('records a bank transfer once for a double submit, refuses bad amounts with field errors, and lists the payment', async () => {
    const id = await issue(admin, 'atelier@imprimerie-centre.fr');
    const bad: [string, string][] = [['-5', 'négatif'], ['12,345', 'trop de décimales'], ['90071992547409,92', 'trop grand'], ['abc', 'par exemple'],
      ['0', 'supérieur à zéro'], ['130', 'dépasse le reste à payer (120,00 €)']];
    for (const [amount, message] of bad) {
      const res = await postForm(admin, `/admin/invoices/${id}`, `/admin/invoices/${id}/payments`, await payFields(admin, id, { amount }));
      expect(res.status, amount).to.equal(422);
      expect(textOf(res.text), amount).to.include(message);
    }
    const futureFields = await payFields(admin, id, { amount: '20', date: '2027-01-01' });
    const future = await postForm(admin, `/admin/invoices/${id}`, `/admin/invoices/${id}/payments`, futureFields);
    expect(future.status).to.equal(422);
    const fields = await payFields(admin, id, { amount: '50' });
    const [a, b] = await Promise.all([
      postForm(admin, `/admin/invoices/${id}`, `/admin/invoices/${id}/payments`, fields),
      postForm(admin, `/admin/invoices/${id}`, `/admin/invoices/${id}/payments`, fields),
    ]);
    expect([a.status, b.status]).to.deep.equal([303, 303]);
    expect(await ctx.db('payments').count({ n: '*' }).first().then((r) => Number(r!.n))).to.equal(1);
    const over = await postForm(admin, `/admin/invoices/${id}`, `/admin/invoices/${id}/payments`, await payFields(admin, id, { amount: '80', overpay: 'yes' }));
    expect(over.status).to.equal(303);
    const page = textOf((await admin.get(`/admin/invoices/${id}`).expect(200)).text);
    expect(page).to.include('Payée').and.include('VIR-2026-118');
    expect(textOf((await admin.get('/admin/payments').expect(200)).text)).to.include('FA-2026-000001').and.include('50,00 €');
    const csv = csvLines(await admin.get('/admin/payments?format=csv&sep=comma').expect(200));
    expect(csv).to.have.length(3);
    expect(textOf((await admin.get('/admin/credits').expect(200)).text)).to.include('10,00 €');
  });

  it('issues a credit note after its confirmation, refuses one beyond the invoice, and verifies the chain', async () => {
    const id = await issue(admin, 'atelier@imprimerie-centre.fr');
    const tooMuch = await postForm(admin, `/admin/invoices/${id}`, `/admin/invoices/${id}/credit-note`, { amount: '150', reason: 'Geste commercial' });
    expect(tooMuch.status).to.equal(200);
    const refused = await confirm(admin, `/admin/invoices/${id}/credit-note`, tooMuch);
    expect(refused.status).to.equal(422);
    expect(textOf(refused.text)).to.include("L'avoir dépasse");
    const noReason = await postForm(admin, `/admin/invoices/${id}`, `/admin/invoices/${id}/credit-note`, { amount: '40', reason: '' });
    expect(noReason.status).to.equal(422);
    const first = await postForm(admin, `/admin/invoices/${id}`, `/admin/invoices/${id}/credit-note`, { amount: '40', reason: 'Session écourtée' });
    expect(textOf(first.text)).to.include('est définitif');
    expect((await confirm(admin, `/admin/invoices/${id}/credit-note`, first)).status).to.equal(303);
    const page = textOf((await admin.get(`/admin/invoices/${id}`).expect(200)).text);
    expect(page).to.include('AV-2026-000001');
    expect(textOf((await admin.get('/admin/invoices/verify').expect(200)).text)).to.include('Chaîne intacte : 2 documents vérifiés');
  });

  it('offers credit to a partner after a confirmation and refuses a past expiry or an unknown partner', async () => {
    const grant = { partner: 'atelier@imprimerie-centre.fr', amount: '25', currency: 'EUR', reason: 'Retard de livraison', expires_on: '2027-06-30' };
    const past = await postForm(admin, '/admin/credits', '/admin/credits', { ...grant, expires_on: '2026-01-01' });
    expect(past.status).to.equal(422);
    const nobody = await postForm(admin, '/admin/credits', '/admin/credits', { ...grant, partner: 'personne@example.fr' });
    expect(textOf(nobody.text)).to.include('Aucun partenaire ne correspond');
    const xof = await postForm(admin, '/admin/credits', '/admin/credits', { ...grant, currency: 'XOF', amount: '25,5' });
    expect(xof.status).to.equal(422);
    const first = await postForm(admin, '/admin/credits', '/admin/credits', grant);
    expect(first.status).to.equal(200);
    expect(await ctx.db('credit_entries').count({ n: '*' }).first().then((r) => Number(r!.n))).to.equal(0);
    expect((await confirm(admin, '/admin/credits', first)).status).to.equal(303);
    expect(textOf((await admin.get('/admin/credits').expect(200)).text)).to.include('25,00 €').and.include('Retard de livraison');
    expect((await auditRows(ctx, 'credit.granted')).map((r) => r.summary)).to.deep.equal(['25.00 EUR (manual): Retard de livraison']);
  });

  it('lets support read every page but act on nothing', async () => {
    const id = await issue(admin, 'atelier@imprimerie-centre.fr');
    const support = await staffAgent(ctx, 'support');
    for (const path of ['/admin/invoices', `/admin/invoices/${id}`, '/admin/payments', '/admin/credits', '/admin/invoices/verify']) {
      const html = (await support.get(path).expect(200)).text;
      expect(html, path).not.to.include('id="payment-form"').and.not.to.include('id="grant-form"').and.not.to.include('id="credit-note-form"');
    }
    await support.get('/admin/invoices/new').expect(403);
    for (const path of [`/admin/invoices/${id}/payments`, `/admin/invoices/${id}/credit-note`, '/admin/credits', '/admin/invoices']) {
      expect((await postForm(support, '/admin/invoices', path, { confirm: 'yes', amount: '1', reason: 'x' })).status, path).to.equal(403);
    }
  });
});
