/**
 * A customer's order paid by card through the fake Stripe API: the license
 * keys are created by the webhook's settlement, never by the customer's
 * return; the events delivered five times, shuffled, create one activation
 * batch; a refund approved by staff goes back through Stripe, gives one
 * credit note however often charge.refunded is notified, and revokes the keys.
 */
import { expect } from 'chai';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { activate, machine, post } from '../../helpers/licenses.js';
import { listEasyFacture, type ShopFixture } from '../../helpers/shop.js';
import { startStripeRig, type StripeRig } from '../../helpers/stripe-rig.js';

describe('shop orders paid by card (Stripe webhooks)', function () {
  this.timeout(30000);
  let rig: StripeRig;
  let shop: ShopFixture;
  before(async () => {
    rig = await startStripeRig();
    shop = await listEasyFacture(rig.ctx);
  });
  after(async () => { await rig.close(); });

  it('creates the keys once from events delivered five times, not on the return; a refund through Stripe revokes them with one credit note', async () => {
    const { ctx, fake } = rig;
    const account = (await ctx.handle.accounts.createStaff('carte@client.fr', 'un mot de passe assez long', 'customer', SYSTEM_ACTOR)).id;
    const { order } = await ctx.handle.shop.orders.place(account, shop.annual, 3, 'card-order-key-1', 'fr', SYSTEM_ACTOR);
    const url = await ctx.handle.payments.online.payInvoice('stripe', order.invoiceId, account, 'fr', SYSTEM_ACTOR,
      { back: `/orders/${order.id}`, returnTo: `/orders/${order.id}/return/stripe` });
    const session = url.split('/').pop()!;
    expect(fake.sessions.get(session)!.success_url).to.contain(`/orders/${order.id}?paid=`);
    const events = fake.completeCheckout(session);
    expect((await ctx.handle.shop.orders.byId(order.id))!.status).to.equal('pending'); // paid at Stripe, not yet notified
    const deliveries = [...events, ...events, ...events, ...events, ...events].sort(() => Math.random() - 0.5);
    expect((await Promise.all(deliveries.map((e) => fake.deliver(e)))).every((a) => a.status === 200)).to.equal(true);
    for (const e of events) await rig.eventRow(String(e.id));
    const paid = (await ctx.handle.shop.orders.byId(order.id))!;
    expect(paid.status).to.equal('paid');
    expect(await rig.count('activation_batches')).to.equal(1);
    expect(await rig.count('activation_codes', { batch_id: paid.batchId })).to.equal(3);

    const [key] = await ctx.handle.shop.orders.keys(paid);
    const box = machine();
    const { license_key: token } = await activate(ctx, key!.code, box, 'carte@client.fr');
    await ctx.handle.shop.refunds.approve(order.id, 'Erreur de commande', SYSTEM_ACTOR);
    expect(fake.refunds.size).to.equal(1);
    const refunded = fake.last('charge.refunded');
    await Promise.all([fake.deliver(refunded), fake.deliver(refunded)]);
    await rig.eventRow(String(refunded.id));
    expect(await rig.count('invoices', { credited_invoice_id: order.invoiceId, kind: 'credit_note' })).to.equal(1);
    expect((await ctx.handle.shop.orders.byId(order.id))!.status).to.equal('refunded');
    const v = await post(ctx, '/api/v1/licenses/validate', { license_key: token, machine_id: box }).expect(200);
    expect(v.body).to.include({ valid: false, error: 'LICENSE_REVOKED' });
  });
});
