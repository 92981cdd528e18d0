/**
 * PromotionsService on the run's database: every refusal reason, the
 * discount before VAT on the checkout's invoice (its lines, totals and PDF),
 * the use recorded with the invoice in one transaction, 20 simultaneous
 * checkouts on a code with 5 uses left, auto-apply with its conditions, and
 * renewals of the subscription that used a code.
 */
import { expect } from 'chai';
import { BillingRun, type PromotionFields } from '../../src/billing/index.js';
import { ValidationError } from '../../src/errors/index.js';
import { pdfText } from './setup.js';
import { subsBed, type SubsBed } from './subscriptions-setup.js';

const BASE: PromotionFields = {
  code: 'BIENVENUE', name: 'Bienvenue', kind: 'percentage', value: 2000, currency: null, maxUses: null, maxUsesPerCustomer: 1, appliesTo: 'first',
  startsOn: null, endsOn: null, isActive: true, autoApply: false, newCustomersOnly: false, minAmount: 0, planIds: [],
};

describe('PromotionsService', function () {
  this.timeout(60000);
  let bed: SubsBed;
  let partner: number;
  let pro: number;
  beforeEach(async () => {
    bed = await subsBed();
    partner = await bed.partner();
    pro = await bed.plan({ price: 9995 });
  });
  afterEach(async () => { await bed.close(); });

  const promo = (fields: Partial<PromotionFields> = {}) => bed.promotions.create({ ...BASE, ...fields }, bed.actor);
  const reason = async (code: string, planId = pro, amount = 9995, who = partner) => {
    const r = await bed.promotions.check(code, who, planId, amount, true);
    return r.ok ? `ok:${r.discount}` : r.reason;
  };

  it('gives each refusal reason in order, and the discount when the code applies', async () => {
    const other = await bed.plan({ price: 5000 });
    const xof = await bed.plan({ price: 50000, currency: 'XOF' });
    await promo({ code: 'OFF', isActive: false });
    await promo({ code: 'LATER', startsOn: '2026-11-23' });
    await promo({ code: 'PAST', endsOn: '2026-11-21' });
    await promo({ code: 'LASTDAY', endsOn: '2026-11-22' });
    await promo({ code: 'ONLYPRO', planIds: [other] });
    await promo({ code: 'EUROS', kind: 'fixed', value: 500, currency: 'EUR' });
    await promo({ code: 'MIN', minAmount: 10000, currency: 'EUR' });
    await promo({ code: 'NEWBIES', newCustomersOnly: true });
    expect(await reason('NOPE')).to.equal('unknown');
    expect(await reason('bad\u0001code')).to.equal('unknown');
    expect(await reason('off')).to.equal('inactive');
    expect(await reason('LATER')).to.equal('not_started');
    expect(await reason('PAST')).to.equal('expired');
    expect(await reason('LASTDAY')).to.equal('ok:1999');
    expect(await reason('ONLYPRO')).to.equal('not_for_plan');
    expect(await reason('ONLYPRO', other, 5000)).to.equal('ok:1000');
    expect(await reason('EUROS', xof, 50000)).to.equal('not_for_plan');
    expect(await reason('EUROS')).to.equal('ok:500');
    expect(await reason('MIN')).to.equal('below_minimum');
    expect(await reason('MIN', pro, 10000)).to.equal('ok:2000');
    expect(await reason('NEWBIES')).to.equal('ok:1999');
    // Used once by this partner: already used by them; max uses reached: exhausted for everyone.
    await promo();
    await bed.subs.subscribe(partner, pro, bed.actor, 'BIENVENUE');
    expect(await reason('BIENVENUE')).to.equal('already_used');
    expect(await reason('NEWBIES')).to.equal('new_customers_only');
    await promo({ code: 'ONCE', maxUses: 1 });
    await bed.subs.subscribe(await bed.partner(), pro, bed.actor, 'ONCE');
    expect(await reason('ONCE', pro, 9995, await bed.partner())).to.equal('exhausted');
    expect(await bed.promotions.check('BIENVENUE', partner, 424242, 9995, true)).to.deep.equal({ ok: false, reason: 'not_for_plan' });
  });

  it('takes the discount off the HT before VAT on the checkout invoice, records the use with it, and prints it on the PDF', async () => {
    await promo({ code: 'DIX', value: 1000, maxUses: 10 });
    const { subscription, invoice } = await bed.subs.subscribe(partner, pro, bed.actor, ' dix ');
    // 10 % of 99,95 € = 9,995 € → 10,00 € (half away from zero); HT 89,95 €; VAT 20 % = 17,99 €; TTC 107,94 €.
    expect(invoice).to.include({ totalHt: 8995, totalVat: 1799, totalTtc: 10794, amountDue: 10794, status: 'open' });
    const lines = await bed.invoices.lines(invoice!.id);
    expect(lines.map((l) => [l.unitPrice, l.discount, l.totalHt])).to.deep.equal([[9995, 1000, 8995]]);
    const rows = await bed.db('promotion_redemptions').select('invoice_id', 'subscription_id', 'kind', 'discount', 'currency');
    expect(rows.map((r) => [Number(r.invoice_id), Number(r.subscription_id), r.kind, Number(r.discount), r.currency]))
      .to.deep.equal([[invoice!.id, subscription.id, 'first', 1000, 'EUR']]);
    const audit = await bed.db('audit_log').where({ action: 'promotion.applied' }).first('details');
    expect(JSON.parse(String(audit.details))).to.include({ code: 'DIX', invoice: invoice!.number, discount: 1000, discount_text: '10.00 EUR' });
    const text = await pdfText((await bed.invoices.pdf(invoice!.id))!, bed.dir);
    expect(text).to.contain('Remise -10,00 €').and.contain('Total HT 89,95 €').and.contain('Total TTC 107,94 €');
    await new Promise((r) => setImmediate(r));
    expect(bed.sent.find((m) => m.kind === 'promotions:applied')?.params).to.include({ code: 'DIX', number: invoice!.number! });
    expect((await bed.invoices.verifyChain()).ok).to.equal(true);
  });

  it('takes a fixed amount whole, capped at the HT, and rounds in XOF, which has no minor unit', async () => {
    const xof = await bed.plan({ price: 9995, currency: 'XOF' });
    await promo({ code: 'XOFDIX', value: 1000 });
    await promo({ code: 'BIG', kind: 'fixed', value: 1_000_000, currency: 'XOF' });
    const inv = (await bed.subs.subscribe(partner, xof, bed.actor, 'XOFDIX')).invoice!;
    // 10 % of 9 995 F = 999,5 → 1 000 F; HT 8 995; VAT 20 % of 8 995 = 1 799.
    expect(inv).to.include({ currency: 'XOF', totalHt: 8995, totalVat: 1799, totalTtc: 10794 });
    expect(await reason('BIG', xof, 9995, await bed.partner())).to.equal('ok:9995');
  });

  it('gives exactly 5 discounts to 20 simultaneous checkouts on a code with 5 uses left, and refuses the 15 others with nothing written', async () => {
    await promo({ code: 'RUSH', maxUses: 7 });
    for (let i = 0; i < 2; i += 1) await bed.subs.subscribe(await bed.partner(), pro, bed.actor, 'RUSH');
    const partners = [];
    for (let i = 0; i < 20; i += 1) partners.push(await bed.partner());
    const results = await Promise.allSettled(partners.map((p) => bed.subs.subscribe(p, pro, bed.actor, 'RUSH')));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).to.have.length(5);
    expect(lost).to.have.length(15);
    for (const r of lost) {
      expect(r.reason).to.be.instanceOf(ValidationError);
      expect((r.reason as ValidationError).fields).to.deep.equal({ code: 'promotions:refusals.exhausted' });
    }
    const promoId = Number((await bed.db('promotions').where({ code: 'RUSH' }).first('id')).id);
    expect(Number((await bed.db('promotion_redemptions').where({ promotion_id: promoId }).count({ n: '*' }).first())!.n)).to.equal(7);
    const invoices = await bed.db('invoices').whereIn('account_id', partners).select('total_ht');
    expect(invoices.map((i) => Number(i.total_ht))).to.deep.equal([7996, 7996, 7996, 7996, 7996]);
    expect(Number((await bed.db('subscriptions').whereIn('account_id', partners).count({ n: '*' }).first())!.n)).to.equal(5);
  });

  it('applies the best auto-apply code without typing, only for new customers above its minimum', async () => {
    const small = await bed.plan({ price: 2000 });
    await promo({ code: 'AUTO10', value: 1000, autoApply: true, newCustomersOnly: true, minAmount: 5000, currency: 'EUR', maxUsesPerCustomer: null });
    await promo({ code: 'AUTO5', value: 500, autoApply: true, maxUsesPerCustomer: null });
    const first = (await bed.subs.subscribe(partner, pro, bed.actor)).invoice!;
    expect(first.totalHt).to.equal(8995);
    const preview = await bed.subs.preview(await bed.partner(), small, 'fr');
    expect(preview.promotion).to.include({ code: 'AUTO5', discount: 100, auto: true });
    // An account already invoiced is not a new customer: the smaller code applies.
    const old = await bed.partner();
    await bed.invoices.finalise(await bed.invoices.createDraft(old, [{ description: 'Formation', quantity: 1, unitPrice: 100 }]), bed.actor);
    expect((await bed.subs.preview(old, pro, 'fr')).promotion).to.include({ code: 'AUTO5', discount: 500 });
  });

  it('discounts the renewal invoices of the subscription that used a code for renewals, and not the others', async () => {
    await promo({ code: 'TOUJOURS', value: 5000, appliesTo: 'both' });
    await promo({ code: 'UNEFOIS', value: 5000 });
    const other = await bed.partner();
    const a = await bed.subs.subscribe(partner, pro, bed.actor, 'TOUJOURS');
    const b = await bed.subs.subscribe(other, pro, bed.actor, 'UNEFOIS');
    for (const [inv, key] of [[a.invoice!, 'renew-pay-a'], [b.invoice!, 'renew-pay-b']] as const) {
      await bed.payments.recordManual(inv.id, { amount: inv.amountDue, method: 'bank_transfer', reference: inv.number!, date: '2026-11-22',
        idempotencyKey: key }, bed.actor);
    }
    bed.clock.advance(23 * 86400 - 5 * 3600); // 2026-12-15, seven days before the period ends
    const report = await new BillingRun({ db: bed.db, subscriptions: bed.subs }).run('2026-12-15');
    expect(report.errors).to.equal(0);
    const renewalOf = async (sub: number) =>
      (await bed.db('invoices').where({ subscription_id: sub }).orderBy('id').select('total_ht')).map((r) => Number(r.total_ht));
    // 50 % of 99,95 € = 49,975 € → a discount of 49,98 €, HT 49,97 €, on the first invoice and, for TOUJOURS only, on the renewal.
    expect(await renewalOf(a.subscription.id)).to.deep.equal([4997, 4997]);
    expect(await renewalOf(b.subscription.id)).to.deep.equal([4997, 9995]);
    const kinds = await bed.db('promotion_redemptions').orderBy('id').select('kind', 'subscription_id');
    expect(kinds.map((k) => `${k.kind}:${Number(k.subscription_id)}`)).to.deep.equal([
      `first:${a.subscription.id}`, `first:${b.subscription.id}`, `renewal:${a.subscription.id}`,
    ]);
  });

  it('refuses a code on a plan with a trial, and writes nothing', async () => {
    const trial = await bed.plan({ price: 9995, trial_days: 14 });
    await promo({ code: 'ESSAI' });
    const err = await bed.subs.subscribe(partner, trial, bed.actor, 'ESSAI').catch((e: unknown) => e);
    expect((err as ValidationError).fields).to.deep.equal({ code: 'promotions:refusals.not_for_plan' });
    expect(Number((await bed.db('subscriptions').where({ account_id: partner }).count({ n: '*' }).first())!.n)).to.equal(0);
  });
});
