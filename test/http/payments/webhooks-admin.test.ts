/**
 * /admin/webhooks: staff read what the gateways sent (list, filters, one
 * notification with its body, attempts, error or reason); an admin replays a
 * failed notification once what it needed has arrived, after a confirmation.
 */
import { expect } from 'chai';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { createAccount, csrfOf, loginAgent } from '../../helpers/accounts.js';
import { startStripeRig, type StripeRig } from '../../helpers/stripe-rig.js';
import { waitFor } from '../../helpers/wait.js';

describe('GET /admin/webhooks, POST /admin/webhooks/:id/replay', function () {
  this.timeout(30000);
  let rig: StripeRig;
  before(async () => {
    rig = await startStripeRig();
    await createAccount(rig.ctx, 'admin@artisan-nd.fr', 'admin');
    await createAccount(rig.ctx, 'support@artisan-nd.fr', 'support');
  });
  after(async () => { await rig.close(); });

  const settled = (eventId: string) => waitFor(async () => {
    const row = (await rig.ctx.db('inbound_events').where({ event_id: eventId }).first()) as Record<string, unknown> | undefined;
    return row && !['received', 'processing'].includes(String(row.status)) ? row : null;
  }, { what: `event ${eventId}` });

  it('lists and filters the notifications; an admin replays a failed one, which then applies; support only reads', async () => {
    const ignored = rig.fake.event('invoice.payment_succeeded', { id: 'in_1', object: 'invoice' });
    await rig.fake.deliver(ignored);
    await settled(String(ignored.id));
    const { account, invoice } = await rig.subscribed('rejoue@imprimerie.fr');
    const url = await rig.ctx.handle.payments.online.payInvoice('stripe', invoice.id, account, 'fr', SYSTEM_ACTOR);
    const session = url.split('/').pop()!;
    const events = rig.fake.completeCheckout(session);
    rig.fake.refundFromDashboard(String(rig.fake.sessions.get(session)!.payment_intent), 500);
    const refunded = rig.fake.last('charge.refunded');
    await rig.fake.deliver(refunded);
    const failed = await settled(String(refunded.id));
    expect(failed.status).to.equal('failed');

    const support = await loginAgent(rig.ctx, 'support@artisan-nd.fr');
    const list = (await support.get('/admin/webhooks').expect(200)).text;
    expect(list).to.contain('charge.refunded').and.contain('En échec').and.contain('invoice.payment_succeeded').and.contain('Ignorée')
      .and.contain('facturation Stripe : le portail est le système de facturation');
    const onlyFailed = (await support.get('/admin/webhooks?status=failed&gateway=stripe').expect(200)).text;
    expect(onlyFailed).to.contain('charge.refunded');
    expect(onlyFailed).not.to.contain('invoice.payment_succeeded');
    expect((await support.get('/admin/webhooks?q=zzz-nothing').expect(200)).text).to.contain('Aucun résultat');
    const page = (await support.get(`/admin/webhooks/${String(failed.id)}`).expect(200)).text;
    expect(page).to.contain(String(refunded.id)).and.contain('no payment for this gateway refund').and.contain('&#34;amount_refunded&#34;: 500');
    expect(page).not.to.contain('id="replay-form"');

    for (const e of events) await rig.fake.deliver(e);
    for (const e of events) await settled(String(e.id));
    const admin = await loginAgent(rig.ctx, 'admin@artisan-nd.fr');
    expect((await admin.get(`/admin/webhooks/${String(failed.id)}`).expect(200)).text).to.contain('id="replay-form"');
    const csrf = await csrfOf(admin, `/admin/webhooks/${String(failed.id)}`);
    const ask = await admin.post(`/admin/webhooks/${String(failed.id)}/replay`).type('form').send({ _csrf: csrf }).expect(200);
    expect(ask.text).to.contain(`Rejouer la notification ${String(refunded.id)} (charge.refunded) ?`);
    await admin.post(`/admin/webhooks/${String(failed.id)}/replay`).type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(303);
    await waitFor(async () => (await settled(String(refunded.id))).status === 'processed', { what: 'replayed event processed' });
    const after = (await admin.get(`/admin/webhooks/${String(failed.id)}`).expect(200)).text;
    expect(after).to.contain('Traitée').and.contain(`Notification ${String(refunded.id)} rejouée.`);
    expect(Number(((await rig.ctx.db('invoices').where({ credited_invoice_id: invoice.id }).count({ n: '*' }).first()) as { n: unknown }).n)).to.equal(1);
    const again = await admin.post(`/admin/webhooks/${String(failed.id)}/replay`).type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(303);
    expect((await admin.get(again.headers.location!).expect(200)).text).to.contain('Seule une notification en échec ou ignorée peut être rejouée.');
    const audited = (await rig.ctx.db('audit_log').where({ action: 'inbound_event.replayed' }).count({ n: '*' }).first()) as { n: unknown };
    expect(Number(audited.n)).to.equal(1);
  });
});
