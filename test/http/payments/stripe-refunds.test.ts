/**
 * Refunds of card payments: from /admin/payments/:id (full or partial, a
 * reason, a confirmation step; support reads only) and from Stripe's
 * dashboard (only the charge.refunded notification reaches the portal). Each
 * refund gives one credit note whether its notification arrives before,
 * after or without the admin's action, however many times. A dispute is
 * recorded for staff.
 */
import { expect } from 'chai';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import type { Invoice } from '../../../src/billing/index.js';
import { createAccount, csrfOf, loginAgent } from '../../helpers/accounts.js';
import { fieldValue, hiddenFields } from '../../helpers/forms.js';
import { startStripeRig, type StripeRig } from '../../helpers/stripe-rig.js';
import { waitFor } from '../../helpers/wait.js';

describe('Stripe refunds (/admin/payments/:id/refund, charge.refunded)', function () {
  this.timeout(60000);
  let rig: StripeRig;
  before(async () => {
    rig = await startStripeRig();
    await createAccount(rig.ctx, 'compta@artisan-nd.fr', 'admin');
    await createAccount(rig.ctx, 'support@artisan-nd.fr', 'support');
  });
  after(async () => { await rig.close(); });

  const processed = (ids: string[]) => waitFor(async () => {
    const rows = (await rig.ctx.db('inbound_events').whereIn('event_id', ids).select('status')) as { status: string }[];
    return rows.length === ids.length && rows.every((r) => r.status === 'processed' || r.status === 'ignored');
  }, { what: 'events processed' });
  const notes = async (inv: Invoice) => (await rig.ctx.db('invoices').where({ credited_invoice_id: inv.id, kind: 'credit_note' })
    .select('number', 'total_ttc')) as { number: string; total_ttc: unknown }[];

  /** A partner's first invoice paid by card: the invoice, its payment id and PaymentIntent. */
  async function paidByCard(email: string): Promise<{ invoice: Invoice; payment: number; pi: string }> {
    const { account, invoice } = await rig.subscribed(email);
    const url = await rig.ctx.handle.payments.online.payInvoice('stripe', invoice.id, account, 'fr', SYSTEM_ACTOR);
    const session = url.split('/').pop()!;
    const events = rig.fake.completeCheckout(session);
    for (const e of events) await rig.fake.deliver(e);
    await processed(events.map((e) => String(e.id)));
    const pi = String(rig.fake.sessions.get(session)!.payment_intent);
    const payment = (await rig.ctx.handle.billing.payments.byGatewayReference('stripe', pi))!;
    return { invoice: (await rig.ctx.handle.billing.invoices.byId(invoice.id))!, payment: payment.id, pi };
  }

  it('refunds part of a card payment from the admin page after confirmation: one credit note, also when Stripe notifies it twice', async () => {
    const { invoice, payment, pi } = await paidByCard('rembourse@imprimerie.fr');
    const support = await loginAgent(rig.ctx, 'support@artisan-nd.fr');
    const read = (await support.get(`/admin/payments/${payment}`).expect(200)).text;
    expect(read).to.contain(pi).and.contain('Reçu');
    expect(read).not.to.contain('id="refund-form"');

    const admin = await loginAgent(rig.ctx, 'compta@artisan-nd.fr');
    const list = (await admin.get('/admin/payments').expect(200)).text;
    expect(list).to.contain(`href="/admin/payments/${payment}"`).and.contain(pi);
    const page = (await admin.get(`/admin/payments/${payment}`).expect(200)).text;
    expect(page).to.contain('id="refund-form"').and.contain(`https://dashboard.stripe.com/test/payments/${pi}`);
    const key = fieldValue(page, 'idempotency_key')!;
    const csrf = await csrfOf(admin, `/admin/payments/${payment}`);
    const bad = await admin.post(`/admin/payments/${payment}/refund`).type('form')
      .send({ _csrf: csrf, amount: '40,00', reason: 'Geste commercial', idempotency_key: key }).expect(422);
    expect(bad.text).to.contain('au plus ce qui reste remboursable');
    const confirm = await admin.post(`/admin/payments/${payment}/refund`).type('form')
      .send({ _csrf: csrf, amount: '10,00', reason: 'Geste commercial', idempotency_key: key }).expect(200);
    expect(confirm.text).to.contain('Confirmer le remboursement').and.match(/Rembourser 10,00\s€ du paiement/);
    expect(rig.fake.refunds.size).to.equal(0);
    const fields = { ...hiddenFields(confirm.text), _csrf: csrf, confirm: 'yes' };
    await admin.post(`/admin/payments/${payment}/refund`).type('form').send(fields).expect(303).expect('location', `/admin/payments/${payment}`);
    await admin.post(`/admin/payments/${payment}/refund`).type('form').send(fields).expect(303); // a double submit
    const after = (await admin.get(`/admin/payments/${payment}`).expect(200)).text;
    expect(after).to.match(/Remboursement de 10,00\s€ effectué ; avoir AV-2026-\d{6} émis/).and.contain('Geste commercial');
    expect(rig.fake.refunds.size).to.equal(1);
    expect(await notes(invoice)).to.have.length(1);
    expect(Number((await notes(invoice))[0]!.total_ttc)).to.be.within(999, 1001);

    const refunded = rig.fake.last('charge.refunded');
    await rig.fake.deliver(refunded);
    await rig.fake.deliver(refunded);
    await processed([String(refunded.id)]);
    expect(await notes(invoice)).to.have.length(1);
    expect((await rig.ctx.handle.billing.invoices.byId(invoice.id))!.status).to.equal('paid');
    const credit = await rig.ctx.handle.billing.credits.balance(invoice.accountId, 'EUR');
    expect(credit, 'the money went back to the card, not to the credit balance').to.equal(0);
  });

  it('records a refund made on Stripe’s dashboard once, with its credit note, and the invoice becomes refunded', async () => {
    const { invoice, payment, pi } = await paidByCard('tableau@imprimerie.fr');
    rig.fake.refundFromDashboard(pi);
    const refunded = rig.fake.last('charge.refunded');
    await Promise.all([rig.fake.deliver(refunded), rig.fake.deliver(refunded), rig.fake.deliver(refunded)]);
    await processed([String(refunded.id)]);
    expect(await notes(invoice)).to.have.length(1);
    expect(Number((await notes(invoice))[0]!.total_ttc)).to.equal(invoice.totalTtc);
    expect((await rig.ctx.handle.billing.invoices.byId(invoice.id))!.status).to.equal('refunded');
    const admin = await loginAgent(rig.ctx, 'compta@artisan-nd.fr');
    const page = (await admin.get(`/admin/payments/${payment}`).expect(200)).text;
    expect(page).to.contain('Remboursé').and.match(/34,80\s€/);
    expect(page).not.to.contain('id="refund-form"');
    const partner = await loginAgent(rig.ctx, 'tableau@imprimerie.fr');
    expect((await partner.get('/subscription/billing').expect(200)).text).to.contain('Remboursée').and.contain((await notes(invoice))[0]!.number);
  });

  it('keeps a dispute opened by the card holder’s bank in the audit log', async () => {
    const { invoice, pi } = await paidByCard('litige@imprimerie.fr');
    const event = rig.fake.dispute(pi);
    expect((await rig.fake.deliver(event)).status).to.equal(200);
    await processed([String(event.id)]);
    const row = (await rig.ctx.db('audit_log').where({ action: 'payment.disputed', target_id: String(invoice.id) }).first()) as Record<string, unknown>;
    expect(row).to.not.equal(undefined);
    expect(String(row.details)).to.contain('fraudulent');
  });
});
