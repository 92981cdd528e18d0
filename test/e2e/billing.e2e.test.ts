/**
 * Browser test of the billing flow "Visiteur → Inscription → Abonnement":
 * a new partner registers, confirms the address, chooses a plan, types a
 * promotion code (a wrong one first: its reason; then the right one), sees
 * the summary (the discount, HT, VAT, TTC after it, first due date, units),
 * pays with the manual gateway and gets the invoice with the transfer
 * instructions; recharging
 * waits. An admin finds the invoice and records the bank transfer; the
 * partner's subscription is active, the plan's units are credited and the
 * partner recharges an installation and downloads its key file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { SYSTEM_ACTOR } from '../../src/audit/index.js';
import { insertedId } from '../../src/platform/db.js';
import { createAccount, linkIn, PASSWORD, waitMail } from '../helpers/accounts.js';
import { startBrowserRig, SCREENSHOTS, type BrowserRig } from '../helpers/browser.js';
import type { TestContext } from '../helpers/context.js';
import { applyAs, newInstallation } from '../helpers/recharge.js';

describe('browser: a new partner subscribes, staff record the transfer, the partner recharges', function () {
  this.timeout(90000);
  let ctx: TestContext;
  let browser: Browser;
  let base: string;
  let rig: BrowserRig | undefined;
  let planId: number;

  before(async function () {
    rig = await startBrowserRig(this, { env: { BILLING_PAYMENT_INSTRUCTIONS: 'Virement : IBAN FR76 3000 6000 0112 3456 7890 189' } });
    ({ ctx, browser, base } = rig);
    const now = ctx.clock.now().toISOString();
    planId = insertedId(await ctx.db('plans').insert({
      slug: 'atelier', name_fr: 'Atelier', name_en: 'Workshop', description_fr: 'Pour les petits imprimeurs', description_en: 'For small printers',
      type: 'monthly', price: 2900, currency: 'EUR', billing_cycle: 'month', limits: JSON.stringify({ units_per_period: 250 }), is_active: true,
      is_public: true, highlighted: true, features: JSON.stringify([{ name_fr: 'Assistance', name_en: 'Support', value: '48 h' }]), display_order: 1,
      created_at: now, updated_at: now,
    }).returning('id'));
    await ctx.handle.billing.promotions.create({
      code: 'LANCEMENT', name: 'Lancement', kind: 'percentage', value: 1000, currency: null, maxUses: 50, maxUsesPerCustomer: 1, appliesTo: 'first',
      startsOn: null, endsOn: null, isActive: true, autoApply: false, newCustomersOnly: true, minAmount: 0, planIds: [planId],
    }, SYSTEM_ACTOR);
  });
  after(async () => {
    await rig?.close();
  });

  const login = async (p: Page, email: string): Promise<void> => {
    await p.goto(`${base}/subscription/login`);
    await p.fill('#email', email);
    await p.fill('#password', PASSWORD);
    await Promise.all([p.waitForURL((u) => !u.pathname.endsWith('/login')), p.click('form.form button[type="submit"]')]);
  };

  it('registers, subscribes with an invoice to pay by transfer, and recharges once staff recorded the payment', async () => {
    const email = 'claire@imprimerie-loire.fr';
    const partner = await browser.newPage({ acceptDownloads: true, locale: 'fr-FR' });
    await partner.goto(`${base}/subscription/register`);
    await partner.fill('#company', 'Imprimerie de la Loire');
    await partner.fill('#name', 'Claire Lemoine');
    await partner.fill('#email', email);
    await partner.fill('#phone', '02 41 00 00 00');
    await partner.selectOption('#country', 'FR');
    await partner.fill('#password', PASSWORD);
    await partner.fill('#password_confirm', PASSWORD);
    await partner.check('#terms');
    await Promise.all([partner.waitForURL(`${base}/subscription/register/sent`), partner.click('form.form button[type="submit"]')]);
    await partner.goto(base + linkIn(await waitMail(ctx, email), '/subscription/verify?token='));
    await login(partner, email);

    // Before any plan, recharging says why and where to go.
    await partner.goto(`${base}/subscription/recharge`);
    expect(await partner.textContent('main')).to.contain('choisissez d’abord une formule');

    await partner.goto(`${base}/subscription/plans`);
    await Promise.all([partner.waitForURL(`${base}/subscription/checkout/${planId}`), partner.click(`a[href="/subscription/checkout/${planId}"]`)]);
    expect(await partner.textContent('main')).to.match(/29,00\s€/).and.match(/5,80\s€/).and.match(/34,80\s€/);
    // A promotion code, checked at once: a mistyped one says why, the right one shows the discount before VAT.
    await partner.fill('#code', 'LANCEMNT');
    await Promise.all([partner.waitForURL(/code=LANCEMNT/), partner.click('#code-form button[type="submit"]')]);
    expect(await partner.textContent('#code-error')).to.contain('Ce code promotionnel n’existe pas.');
    await partner.fill('#code', 'lancement');
    await Promise.all([partner.waitForURL(/code=lancement/), partner.click('#code-form button[type="submit"]')]);
    const summary = await partner.textContent('main');
    // 10 % of 29,00 € = 2,90 €: HT 26,10 €, VAT 5,22 €, TTC 31,32 €.
    expect(summary).to.contain('Code LANCEMENT appliqué').and.match(/−2,90\s€/).and.match(/26,10\s€/).and.match(/5,22\s€/).and.match(/31,32\s€/)
      .and.contain('250 unités').and.contain('22 décembre 2026');
    await partner.screenshot({ path: path.join(SCREENSHOTS, 'billing-journey-summary-fr.png'), fullPage: true });

    await Promise.all([partner.waitForURL(`${base}/subscription/billing`), partner.click('#pay-form button[type="submit"]')]);
    const billing = (await partner.textContent('main'))!;
    const number = /FA-2026-\d{6}/.exec(billing)![0];
    expect(billing).to.contain('IBAN FR76 3000 6000 0112 3456 7890 189').and.contain(number);
    await partner.screenshot({ path: path.join(SCREENSHOTS, 'billing-journey-invoice-fr.png'), fullPage: true });
    const invoiceMail = await waitMail(ctx, email, 2);
    expect(invoiceMail.subject).to.contain(number);

    // An admin finds the invoice by its number and records the transfer.
    await createAccount(ctx, 'compta@artisan-nd.test', 'admin');
    const admin = await browser.newPage({ locale: 'fr-FR' });
    await login(admin, 'compta@artisan-nd.test');
    await admin.goto(`${base}/admin/invoices`);
    await admin.fill('#q', number);
    await Promise.all([admin.waitForURL(/q=FA-2026/), admin.press('#q', 'Enter')]);
    await Promise.all([admin.waitForURL(/\/admin\/invoices\/\d+$/), admin.click(`a:has-text("${number}")`)]);
    await admin.fill('#pay-amount', '31,32');
    await admin.selectOption('#pay-method', 'bank_transfer');
    await admin.fill('#pay-reference', number);
    await admin.fill('#pay-date', '2026-11-22');
    await Promise.all([admin.waitForURL(/\/admin\/invoices\/\d+$/), admin.click('#payment-form button[type="submit"]')]);
    expect(await admin.textContent('main')).to.contain('Payée').and.contain('Virement');
    await admin.close();

    // The partner: active, 250 units, and a recharge that gives a key file.
    await partner.goto(`${base}/subscription/billing`);
    expect(await partner.textContent('main')).to.contain('Actif').and.contain('Payée');
    const inst = newInstallation();
    await partner.goto(`${base}/subscription/recharge`);
    await partner.fill('#installation_code', inst.formatted.toLowerCase());
    await partner.fill('#customer', 'Boulangerie des Ponts');
    await partner.fill('#units', '100');
    await Promise.all([partner.waitForURL(/\/subscription\/recharge\/confirm\//), partner.click('form.form button[type="submit"]')]);
    expect(await partner.textContent('main')).to.contain('Confirmer la recharge').and.contain('150');
    await Promise.all([partner.waitForURL(/\/subscription\/recharges\/[0-9a-f-]{36}$/), partner.click('form.form button[type="submit"]')]);
    const [download] = await Promise.all([partner.waitForEvent('download'), partner.click('a[href$="/key.bin"]')]);
    const saved = path.join(ctx.dir, 'journey.bin');
    await download.saveAs(saved);
    expect(applyAs(ctx, inst, fs.readFileSync(saved)).payload).to.include({ units: 100, serial: 1 });
    await partner.close();
  });
});
