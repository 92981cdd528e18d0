/**
 * Browser test of paying with PayPal: a subscribed partner presses "Pay with
 * PayPal" on /subscription/billing, approves on the (fake) PayPal page, is
 * sent back to the portal, which captures the order, and sees the invoice
 * paid and the subscription active at once. The page's CSP lets the form lead
 * to PayPal's page; axe-core checks the billing page; screenshots at both
 * widths in French, and the English page after payment.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { axeViolations, launchBrowser, login, shoot } from '../helpers/browser.js';
import { startPayPalRig, type PayPalRig } from '../helpers/stripe-rig.js';

describe('browser: a partner pays an invoice with PayPal', function () {
  this.timeout(90000);
  let rig: PayPalRig | undefined;
  let browser: Browser | undefined;

  before(async function () {
    browser = await launchBrowser(this);
    rig = await startPayPalRig();
  });
  after(async () => {
    await browser?.close();
    await rig?.close();
  });

  it('approves on PayPal and comes back to the invoice paid and the subscription active', async () => {
    const { base, fake } = rig!;
    const email = 'paypal@imprimerie-loire.fr';
    const { invoice } = await rig!.subscribed(email);
    const context = await browser!.newContext({ locale: 'fr-FR' });
    const page = await login(context, base, email);
    await page.goto(`${base}/subscription/billing`);
    expect(await page.textContent('main')).to.contain(invoice.number!).and.contain('Payer avec PayPal');
    expect(await axeViolations(page)).to.deep.equal([]);
    await shoot(page, 'paypal-billing-fr');

    await Promise.all([page.waitForURL((u) => u.href.startsWith(`${fake.url}/checkoutnow`)), page.click('button:has-text("Payer avec PayPal")')]);
    expect(await page.textContent('main')).to.contain('34.80 EUR');
    await Promise.all([page.waitForURL(`${base}/subscription/billing?paid=${invoice.id}`), page.click('button:has-text("Pay now")')]);
    const text = (await page.textContent('main'))!;
    expect(text).to.contain(`Paiement reçu : la facture ${invoice.number} est payée.`).and.contain('Actif').and.contain('Payée').and.contain('PayPal');
    expect(text).not.to.contain('Payer avec PayPal');
    expect(await axeViolations(page)).to.deep.equal([]);
    await shoot(page, 'paypal-paid-fr');
    await page.goto(`${base}/subscription/billing?paid=${invoice.id}&lang=en`);
    expect(await page.textContent('main')).to.contain(`Payment received: invoice ${invoice.number} is paid.`).and.contain('PayPal');
    await shoot(page, 'paypal-paid-en');
    await context.close();
  });
});
