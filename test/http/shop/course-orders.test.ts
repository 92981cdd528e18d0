/**
 * A course sold alone through the shop's checkout: the locked course page
 * leads to the purchase, whose invoice is paid like an order's; the payment
 * grants the course in its transaction (once, however many payments), and
 * another customer's purchase is a 404.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { createAccount, csrfOf, loginAgent } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { fieldValue } from '../../helpers/forms.js';

describe('a course bought alone (/courses/:slug/buy, /course-orders/:id)', function () {
  this.timeout(30000);
  let ctx: TestContext;
  let lesson: number;
  before(async () => {
    ctx = await createTestContext({ env: { BILLING_PAYMENT_INSTRUCTIONS: 'IBAN FR76 3000 6000 0112 3456 7890 189' } });
    const course = await ctx.handle.courses.create({ slug: 'comptabilite', titleFr: 'La comptabilité de l’atelier', titleEn: 'Workshop bookkeeping',
      descriptionFr: 'Tenir ses comptes.', descriptionEn: 'Keep the books.', access: 'paid', productId: null, price: 4900, currency: 'EUR', published: true,
      displayOrder: 1 }, SYSTEM_ACTOR);
    const pdf = path.join(ctx.dir, 'cours.pdf');
    fs.writeFileSync(pdf, '%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n');
    lesson = await ctx.handle.courses.addLesson(course, pdf, { titleFr: 'Le journal', titleEn: 'The journal', durationSeconds: null }, SYSTEM_ACTOR);
    await ctx.handle.courses.create({ slug: 'gratuit', titleFr: 'Gratuit', titleEn: 'Free', descriptionFr: '', descriptionEn: '', access: 'free',
      productId: null, price: null, currency: null, published: true, displayOrder: 2 }, SYSTEM_ACTOR);
  });
  after(async () => { await ctx.close(); });

  it('sells the course: summary, invoice to pay, then the payment opens it, granted once', async () => {
    await createAccount(ctx, 'eleve@client.fr', 'customer');
    const agent = await loginAgent(ctx, 'eleve@client.fr');
    expect((await agent.get('/courses/comptabilite').expect(200)).text).to.contain('href="/courses/comptabilite/buy"');
    await agent.get(`/courses/comptabilite/lessons/${lesson}`).expect(403);
    const summary = (await agent.get('/courses/comptabilite/buy').expect(200)).text;
    expect(summary).to.contain('Formation — La comptabilité de l’atelier').and.match(/49,00\s€/).and.match(/58,80\s€/);
    const csrf = await csrfOf(agent, '/courses/comptabilite/buy');
    const res = await agent.post('/courses/comptabilite/buy').type('form').send({ _csrf: csrf, key: fieldValue(summary, 'key') }).expect(303);
    const page = res.headers.location!;
    expect(page).to.match(/^\/course-orders\/\d+$/);
    await agent.post('/courses/comptabilite/buy').type('form').send({ _csrf: csrf, key: fieldValue(summary, 'key') }).expect(303).expect('location', page);
    const pending = (await agent.get(page).expect(200)).text;
    expect(pending).to.contain('En attente de paiement').and.contain('IBAN FR76').and.not.contain('id="open-course"');

    const o = await ctx.handle.shop.courseOrders.forAccount((await ctx.handle.accounts.byEmail('eleve@client.fr'))!.id, Number(page.split('/').pop()));
    const inv = (await ctx.handle.billing.invoices.byId(o.invoiceId))!;
    const pay = (key: string, amount: number) => ctx.handle.billing.payments.recordManual(inv.id, { amount, method: 'bank_transfer', reference: inv.number!,
      date: ctx.clock.now().toISOString().slice(0, 10), idempotencyKey: key }, SYSTEM_ACTOR);
    await pay('course-pay-1', inv.amountDue);
    await pay('course-pay-2', 100).catch(() => undefined);
    expect((await agent.get(page).expect(200)).text).to.contain('Payée').and.contain('id="open-course"');
    await agent.get(`/courses/comptabilite/lessons/${lesson}`).expect(200);
    const grants = await ctx.db('course_grants').where({ account_id: o.accountId }).count({ n: '*' }).first() as { n: unknown };
    expect(Number(grants.n)).to.equal(1);
  });

  it('answers 404 for a course not for sale and another customer’s purchase; partners cannot buy', async () => {
    await createAccount(ctx, 'a@client.fr', 'customer');
    await createAccount(ctx, 'b@client.fr', 'customer');
    const a = await loginAgent(ctx, 'a@client.fr');
    await a.get('/courses/gratuit/buy').expect(404);
    await a.get('/courses/inconnu/buy').expect(404);
    const summary = (await a.get('/courses/comptabilite/buy').expect(200)).text;
    const res = await a.post('/courses/comptabilite/buy').type('form')
      .send({ _csrf: await csrfOf(a, '/courses/comptabilite/buy'), key: fieldValue(summary, 'key') }).expect(303);
    const b = await loginAgent(ctx, 'b@client.fr');
    await b.get(res.headers.location!).expect(404);
    await b.get(`${res.headers.location!}/invoice.pdf`).expect(404);
    await createAccount(ctx, 'imprimeur@partenaire.fr');
    await (await loginAgent(ctx, 'imprimeur@partenaire.fr')).get('/courses/comptabilite/buy').expect(403);
  });
});
