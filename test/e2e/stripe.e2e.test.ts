/**
 * Browser test of paying by card: a partner chooses a plan, presses "Pay by
 * card", pays on the (fake) Stripe Checkout page, is sent back to
 * /subscription/billing and sees the invoice paid and the subscription
 * active once the webhook has been applied (the redirect itself pays
 * nothing). The page's CSP lets the form lead to the gateway's page only.
 */
import path from 'node:path';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { PASSWORD } from '../helpers/accounts.js';
import { launchBrowser, SCREENSHOTS } from '../helpers/browser.js';
import { startStripeRig, type StripeRig } from '../helpers/stripe-rig.js';
import { waitFor } from '../helpers/wait.js';

describe('browser: a partner pays the first invoice by card on Stripe Checkout', function () {
  this.timeout(90000);
  let rig: StripeRig | undefined;
  let browser: Browser | undefined;

  before(async function () {
    browser = await launchBrowser(this);
    rig = await startStripeRig();
  });
  after(async () => {
    await browser?.close();
    await rig?.close();
  });

  it('chooses a plan, pays on the Checkout page and comes back to an active subscription with the invoice paid', async () => {
    const { base, fake, plan } = rig!;
    const email = 'carte@imprimerie-rhone.fr';
    await rig!.partner(email);
    const page = await browser!.newPage({ locale: 'fr-FR' });
    await page.goto(`${base}/subscription/login`);
    await page.fill('#email', email);
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('/login')), page.click('form.form button[type="submit"]')]);

    await page.goto(`${base}/subscription/plans`);
    await Promise.all([page.waitForURL(`${base}/subscription/checkout/${plan}`), page.click(`a[href="/subscription/checkout/${plan}"]`)]);
    await Promise.all([page.waitForURL(`${base}/subscription/billing`), page.click('#pay-form button[type="submit"]')]);
    const number = /FA-2026-\d{6}/.exec((await page.textContent('main'))!)![0];
    await page.screenshot({ path: path.join(SCREENSHOTS, 'stripe-pay-by-card-fr.png'), fullPage: true });

    await Promise.all([page.waitForURL((u) => u.href.startsWith(`${fake.url}/checkout/`)), page.click('button:has-text("Payer par carte")')]);
    expect(await page.textContent('h1')).to.contain('Pay 34.80 EUR');
    await Promise.all([page.waitForURL((u) => u.href.startsWith(`${base}/subscription/billing?paid=`)), page.click('#pay')]);

    // The webhook was answered before the redirect; its processing follows: the partner refreshes as the page says.
    const text = await waitFor(async () => {
      const t = (await page.textContent('main'))!;
      if (t.includes('est payée')) return t;
      await page.reload();
      return null;
    }, { timeout: 10000, what: 'the invoice shown paid' });
    expect(text).to.contain(`Paiement reçu : la facture ${number} est payée.`).and.contain('Actif').and.contain('Payée')
      .and.contain('Les renouvellements sont prélevés sur la carte visa •••• 4242');
    expect(text).not.to.contain('Payer par carte');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'stripe-paid-fr.png'), fullPage: true });
  });
});
