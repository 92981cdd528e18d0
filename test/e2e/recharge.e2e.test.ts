/**
 * Browser test of the recharge confirmation step: "Modifier" goes back to the
 * filled-in form, and the browser's Back after confirming shows the
 * confirmation as already recorded instead of sending the form again; the
 * partner is debited once.
 */
import path from 'node:path';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { createAccount, PASSWORD } from '../helpers/accounts.js';
import { startBrowserRig, SCREENSHOTS, type BrowserRig } from '../helpers/browser.js';
import type { TestContext } from '../helpers/context.js';
import { credit, newInstallation } from '../helpers/recharge.js';

describe('browser: a partner confirms a recharge, then goes Back', function () {
  this.timeout(60000);
  let ctx: TestContext;
  let browser: Browser;
  let base: string;
  let rig: BrowserRig | undefined;

  before(async function () {
    rig = await startBrowserRig(this);
    ({ ctx, browser, base } = rig);
  });
  after(async () => {
    await rig?.close();
  });

  it('edits through "Modifier", confirms once, and Back says the recharge is already recorded', async () => {
    const partnerId = await createAccount(ctx, 'retour@example.fr');
    await credit(ctx, partnerId, 500);
    const inst = newInstallation();
    const page = await browser.newPage({ locale: 'fr-FR' });
    await page.goto(`${base}/subscription/login`);
    await page.fill('#email', 'retour@example.fr');
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForURL(`${base}/subscription/dashboard`), page.click('form.form button[type="submit"]')]);

    await page.goto(`${base}/subscription/recharge`);
    await page.fill('#installation_code', inst.formatted.toLowerCase());
    await page.fill('#customer', 'Boucherie Centrale');
    await page.fill('#units', '120');
    await page.fill('#expires_in_days', '45');
    await Promise.all([page.waitForURL(/\/subscription\/recharge\/confirm\/[0-9a-f-]{36}$/), page.click('form.form button[type="submit"]')]);

    await Promise.all([page.waitForURL(/\/subscription\/recharge\?edit=/), page.click('a.btn-secondary:has-text("Modifier")')]);
    expect(await page.inputValue('#installation_code')).to.equal(inst.formatted);
    const filled = [await page.inputValue('#customer'), await page.inputValue('#units'), await page.inputValue('#expires_in_days')];
    expect(filled).to.deep.equal(['Boucherie Centrale', '120', '45']);
    await page.fill('#units', '150');
    await Promise.all([page.waitForURL(/\/subscription\/recharge\/confirm\/[0-9a-f-]{36}$/), page.click('form.form button[type="submit"]')]);
    expect(await page.textContent('main')).to.contain('150');
    const confirmUrl = page.url();

    await Promise.all([page.waitForURL(/\/subscription\/recharges\/[0-9a-f-]{36}$/), page.click('form.form button[type="submit"]')]);
    const rechargeUrl = page.url();
    expect(await page.textContent('.flash-success')).to.contain('150 unités');

    await page.goBack();
    expect(page.url()).to.equal(confirmUrl);
    expect(await page.textContent('h1')).to.contain('Cette recharge est déjà enregistrée');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'recharge-back-fr.png'), fullPage: true });
    await Promise.all([page.waitForURL(rechargeUrl), page.click('a.btn-primary:has-text("Voir la recharge")')]);
    expect(await ctx.handle.ledger.balance(partnerId)).to.equal(350);
    expect(Number((await ctx.db('recharges').count({ n: '*' }).first())!.n)).to.equal(1);
    await page.close();
  });
});
