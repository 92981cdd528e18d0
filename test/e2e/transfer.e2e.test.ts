/**
 * Browser walk: a partner recharges one installation twice under two labels,
 * an admin transfers the installation to another partner, and both partners
 * read their history. Every step is screenshotted at 375 px and 1366 px
 * (test/e2e/screenshots/walk-*). Skipped when chromium is missing outside CI.
 */
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createAccount } from '../helpers/accounts.js';
import { login, shoot, startBrowserRig, submit, type BrowserRig } from '../helpers/browser.js';
import type { TestContext } from '../helpers/context.js';
import { credit, newInstallation } from '../helpers/recharge.js';

/**
 * Fill the recharge form, check the confirmation card (a GET page after the
 * form's redirect), confirm; the page is then the recharge's own page.
 * `again`: the same installation was recharged minutes ago, so the card
 * shows that recharge and asks for an explicit "yes, again".
 */
async function rechargeThrough(page: Page, base: string, code: string, customer: string, units: number, shot: string, again = false): Promise<void> {
  await page.goto(`${base}/subscription/recharge`);
  await page.fill('#installation_code', code);
  await page.fill('#customer', customer);
  await page.fill('#units', String(units));
  await submit(page, 'form.form button[type="submit"]');
  expect(page.url()).to.match(/\/subscription\/recharge\/confirm\/[0-9a-f-]{36}$/);
  expect(await page.textContent('.confirm-box')).to.contain(customer).and.contain(String(units));
  expect(await page.locator('#previous-recharge').count(), 'the previous recharge shown').to.equal(again ? 1 : 0);
  if (again) await page.check('#again');
  await shoot(page, `${shot}-confirm`);
  await submit(page, '.confirm-box button[type="submit"]');
  expect(page.url()).to.match(/\/subscription\/recharges\/[0-9a-f-]{36}$/);
  expect(await page.textContent('.flash-success')).to.contain(String(units));
  await shoot(page, `${shot}-done`);
}

/** The rows of the history table ([] when the page says there is none). */
async function historyRows(page: Page, base: string, shot: string): Promise<string[]> {
  await page.goto(`${base}/subscription/recharges`);
  await shoot(page, shot);
  return page.$$eval('main table tbody tr', (rows) => rows.map((r) => (r.textContent ?? '').replace(/\s+/g, ' ').trim()));
}

describe('browser: two recharges of one installation under two labels, then a transfer to another partner', function () {
  this.timeout(180000);
  let ctx: TestContext;
  let browser: Browser;
  let base: string;
  let rig: BrowserRig | undefined;
  const contexts: BrowserContext[] = [];

  before(async function () {
    rig = await startBrowserRig(this);
    ({ ctx, browser, base } = rig);
  });

  after(async () => {
    for (const c of contexts) await c.close();
    await rig?.close();
  });

  it('keeps each partner\'s history and lets only the new owner recharge', async () => {
    const first = await createAccount(ctx, 'atelier@imprimerie-centre.fr');
    const second = await createAccount(ctx, 'garage@exemple.fr');
    await createAccount(ctx, 'chef@artisan-nd.test', 'admin');
    await credit(ctx, first, 500);
    await credit(ctx, second, 500);
    const inst = newInstallation();
    const open = async (email: string): Promise<Page> => {
      const context = await browser.newContext({ locale: 'fr-FR' });
      contexts.push(context);
      return login(context, base, email);
    };

    // The first partner recharges the installation twice, under two labels.
    const partnerA = await open('atelier@imprimerie-centre.fr');
    await rechargeThrough(partnerA, base, inst.formatted, 'Boulangerie Martin', 120, 'walk-1-first-recharge');
    await rechargeThrough(partnerA, base, inst.formatted.toLowerCase(), 'Test double', 80, 'walk-2-second-recharge', true);
    // Each recharge keeps the label it was made for: the second did not rename the first.
    const beforeTransfer = await historyRows(partnerA, base, 'walk-3-history-first-partner');
    expect(beforeTransfer).to.have.length(2);
    expect(beforeTransfer.find((r) => r.includes('Boulangerie Martin'))).to.contain('120');
    expect(beforeTransfer.find((r) => r.includes('Test double'))).to.contain('80');

    // An admin finds the installation and transfers it, with a reason and a confirmation.
    const admin = await open('chef@artisan-nd.test');
    await admin.goto(`${base}/admin/installations?q=${encodeURIComponent(inst.code.slice(0, 12))}`);
    await shoot(admin, 'walk-4-admin-installations');
    await Promise.all([admin.waitForURL(/\/admin\/installations\/\d+$/), admin.click('#installations a[href^="/admin/installations/"]')]);
    expect(await admin.textContent('#installation-code')).to.equal(inst.formatted);
    expect(await admin.textContent('#recharge-count')).to.equal('2');
    await shoot(admin, 'walk-5-admin-installation');
    await admin.fill('#to', 'garage@exemple.fr');
    await admin.fill('#reason', 'Le client change de revendeur');
    await submit(admin, '#transfer-form button[type="submit"]');
    expect(await admin.textContent('.confirm-box')).to.contain('garage@exemple.fr').and.contain('Le client change de revendeur');
    await shoot(admin, 'walk-6-admin-transfer-confirm');
    await submit(admin, '.confirm-box button[type="submit"]');
    expect(await admin.textContent('.flash-success')).to.contain('garage@exemple.fr');
    expect(await admin.textContent('#owner-email')).to.equal('garage@exemple.fr');
    await shoot(admin, 'walk-7-admin-transferred');

    // The first partner keeps the two recharges in the history and may no longer recharge the installation.
    const afterTransfer = await historyRows(partnerA, base, 'walk-8-history-first-partner-after');
    expect(afterTransfer).to.deep.equal(beforeTransfer);
    await partnerA.goto(`${base}/subscription/recharge`);
    await partnerA.fill('#installation_code', inst.formatted);
    await partnerA.fill('#customer', 'Boulangerie Martin');
    await partnerA.fill('#units', '10');
    await submit(partnerA, 'form.form button[type="submit"]');
    expect(await partnerA.locator('.confirm-box').count(), 'no confirmation for the former owner').to.equal(0);
    expect(await partnerA.getAttribute('#installation_code', 'aria-invalid')).to.equal('true');
    await shoot(partnerA, 'walk-9-first-partner-refused');

    // The new owner starts with an empty history for it, recharges it, and sees that recharge only.
    const partnerB = await open('garage@exemple.fr');
    expect(await historyRows(partnerB, base, 'walk-10-history-second-partner')).to.deep.equal([]);
    await rechargeThrough(partnerB, base, inst.formatted, 'Pâtisserie Durand', 40, 'walk-11-second-partner-recharge');
    const afterB = await historyRows(partnerB, base, 'walk-12-history-second-partner-after');
    expect(afterB).to.have.length(1);
    expect(afterB[0]).to.contain('Pâtisserie Durand').and.contain('40').and.not.contain('Boulangerie');
    // The former owner's history still shows their own labels, not the new owner's.
    const finalA = await historyRows(partnerA, base, 'walk-13-history-first-partner-final');
    expect(finalA).to.deep.equal(beforeTransfer);
    expect(finalA.join('\n')).not.to.contain('Pâtisserie Durand');
    expect(await ctx.handle.ledger.balance(first)).to.equal(300);
    expect(await ctx.handle.ledger.balance(second)).to.equal(460);
  });
});
