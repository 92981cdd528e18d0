/**
 * Browser test: a visitor in headless Chromium (Debian's chromium driven by
 * playwright-core) opens the home page, switches to English, goes to the
 * download page, downloads the .deb and gets the published SHA-256.
 * Skipped when chromium is missing outside CI; CI installs it and must run it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { createAccount, linkIn, PASSWORD, waitMail } from '../helpers/accounts.js';
import { applyAs, credit, newInstallation } from '../helpers/recharge.js';
import { startBrowserRig, SCREENSHOTS, type BrowserRig } from '../helpers/browser.js';
import { DEMO_DEB, type TestContext } from '../helpers/context.js';
import { SYSTEM_ACTOR } from '../../src/audit/index.js';
import type { Section } from '../../src/cms/index.js';


describe('browser: a visitor downloads artisan_nd', function () {
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

  it('switches to English, downloads the .deb and checks its SHA-256', async () => {
    const page = await browser.newPage({ acceptDownloads: true, locale: 'fr-FR' });
    await page.goto(`${base}/`);
    expect(await page.getAttribute('html', 'lang')).to.equal('fr');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'home-fr.png'), fullPage: true });

    await page.click('.lang-switch a[hreflang="en"]');
    expect(await page.getAttribute('html', 'lang')).to.equal('en');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'home-en.png'), fullPage: true });

    await page.click('.main-nav a[href="/download"]');
    await page.waitForURL(`${base}/download`);
    expect(await page.textContent('h1')).to.contain('Download artisan_nd');
    const published = (await page.textContent('.release-latest code.sha256'))?.trim();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'download-en.png'), fullPage: true });

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('.release-latest a.btn-primary')]);
    expect(download.suggestedFilename()).to.equal('artisan-nd_0.1.0_all.deb');
    const saved = path.join(ctx.dir, 'downloaded.deb');
    await download.saveAs(saved);
    const sha = crypto.createHash('sha256').update(fs.readFileSync(saved)).digest('hex');
    expect(sha).to.equal(published);
    expect(sha).to.equal(crypto.createHash('sha256').update(fs.readFileSync(DEMO_DEB)).digest('hex'));
    await page.close();
  });

  it('re-shows the contact form with the error beside the field, in English', async () => {
    const page = await browser.newPage({ locale: 'en-GB' });
    await page.goto(`${base}/contact?lang=en`);
    await page.fill('#name', 'Alice');
    await page.fill('#email', 'alice@');
    await page.fill('#message', 'I would like to resell artisan_nd.');
    await page.click('form.form button[type="submit"]');
    expect(await page.textContent('#email-error')).to.contain('not valid');
    expect(await page.inputValue('#name')).to.equal('Alice');
    await page.fill('#email', 'alice@example.com');
    // The URL is already /contact after the 422: wait for the POST's answer itself, then for the page it redirects to.
    const [posted] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/contact'),
      page.click('form.form button[type="submit"]'),
    ]);
    expect(posted.status()).to.equal(303);
    await page.waitForSelector('.flash-success');
    expect(await page.textContent('.flash-success')).to.contain('Thank you');
    await page.close();
  });

  it('sends the contact section of a cached page in one click (its CSRF token fetched before sending)', async () => {
    const contact: Section = { type: 'contact', anchor: 'ecrire', title: { fr: 'Écrivez-nous', en: 'Write to us' }, lead: { fr: '', en: '' },
      email: '', fields: ['name', 'email', 'message'] };
    await ctx.handle.pages.editDraft('home', (c) => ({ ...c, sections: [...c.sections, contact] }), SYSTEM_ACTOR);
    await ctx.handle.pages.publish('home', SYSTEM_ACTOR);
    // The home page is in the page cache (an anonymous visit stored it): it holds no token.
    expect((await fetch(`${base}/`)).status).to.equal(200);
    expect(ctx.handle.pageCache.size).to.be.greaterThan(0);
    const page = await browser.newPage({ locale: 'fr-FR' });
    await page.goto(`${base}/`);
    expect(await page.inputValue('#ecrire form input[name="_csrf"]')).to.equal('');
    await page.fill('#ecrire-name', 'Awa Diop');
    await page.fill('#ecrire-email', 'awa@example.sn');
    await page.fill('#ecrire-message', 'Je voudrais revendre artisan_nd.');
    const [posted] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/contact'),
      page.click('#ecrire button[type="submit"]'),
    ]);
    expect(posted.status()).to.equal(303);
    await page.waitForSelector('.flash-success');
    expect(await page.textContent('.flash-success')).to.contain('Merci');
    expect(await ctx.db('contact_messages').where({ email: 'awa@example.sn' }).first('message')).to.deep.equal({ message: 'Je voudrais revendre artisan_nd.' });
    await page.close();
  });

  it('registers a partner, follows the mailed link, logs in and logs out', async () => {
    const page = await browser.newPage({ locale: 'fr-FR' });
    await page.goto(`${base}/`);
    await page.click('.account-nav a[href="/subscription/login"]');
    await page.click('a[href="/subscription/register"]');
    await page.fill('#company', 'Imprimerie du Centre');
    await page.fill('#name', 'Paul Martin');
    await page.fill('#email', 'paul@imprimerie-centre.fr');
    await page.fill('#phone', '02 38 00 00 00');
    await page.selectOption('#country', 'FR');
    await page.fill('#password', PASSWORD);
    await page.fill('#password_confirm', PASSWORD);
    await page.check('#terms');
    await page.click('form.form button[type="submit"]');
    await page.waitForURL(`${base}/subscription/register/sent`);
    expect(await page.textContent('h1')).to.contain('Vérifiez votre boîte de réception');

    const link = linkIn(await waitMail(ctx, 'paul@imprimerie-centre.fr'), '/subscription/verify?token=');
    await page.goto(base + link);
    await page.waitForURL(`${base}/subscription/login`);
    expect(await page.textContent('.flash-success')).to.contain('Votre adresse est confirmée');
    await page.fill('#email', 'paul@imprimerie-centre.fr');
    await page.fill('#password', PASSWORD);
    await page.click('form.form button[type="submit"]');
    await page.waitForURL(`${base}/subscription/dashboard`);
    expect(await page.textContent('main')).to.contain('Imprimerie du Centre');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-fr.png'), fullPage: true });

    await page.click('.account-nav button[type="submit"]');
    await page.waitForURL(`${base}/`);
    expect(await page.textContent('.flash-success')).to.contain('Vous êtes déconnecté');
    await page.goto(`${base}/subscription/dashboard`);
    expect(page.url()).to.contain('/subscription/login');
    await page.close();
  });

  it('recharges an installation and downloads the key file that opens for it', async () => {
    const partnerId = await createAccount(ctx, 'revendeur@example.fr');
    await credit(ctx, partnerId, 300);
    const inst = newInstallation();
    const page = await browser.newPage({ acceptDownloads: true, locale: 'fr-FR' });
    await page.goto(`${base}/subscription/login`);
    await page.fill('#email', 'revendeur@example.fr');
    await page.fill('#password', PASSWORD);
    await page.click('form.form button[type="submit"]');
    await page.waitForURL(`${base}/subscription/dashboard`);
    await page.click('.area-nav a[href="/subscription/recharge"]');
    await page.fill('#installation_code', inst.formatted.toLowerCase());
    await page.fill('#customer', 'Boucherie Centrale');
    await page.fill('#units', '120');
    await page.click('form.form button[type="submit"]');
    expect(await page.textContent('h1')).to.contain('Confirmer la recharge');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'recharge-confirm-fr.png'), fullPage: true });
    await page.click('form.form button[type="submit"]');
    await page.waitForURL(/\/subscription\/recharges\/[0-9a-f-]{36}$/);
    expect(await page.textContent('.flash-success')).to.contain('120 unités');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href$="/key.bin"]')]);
    const saved = path.join(ctx.dir, 'browser.bin');
    await download.saveAs(saved);
    expect(applyAs(ctx, inst, fs.readFileSync(saved)).payload).to.include({ units: 120, serial: 1 });
    await page.goto(`${base}/subscription/dashboard`);
    expect(await page.textContent('main')).to.contain('180');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-chart-fr.png'), fullPage: true });
    await page.close();
  });

  it('an admin suspends a partner in the middle of a recharge: the partner\'s confirmation is refused', async () => {
    const partnerId = await createAccount(ctx, 'suspendu@example.fr');
    await credit(ctx, partnerId, 100);
    await createAccount(ctx, 'chef@artisan-nd.test', 'admin');
    const login = async (p: Page, email: string): Promise<void> => {
      await p.goto(`${base}/subscription/login`);
      await p.fill('#email', email);
      await p.fill('#password', PASSWORD);
      await Promise.all([p.waitForURL((u) => !u.pathname.endsWith('/login')), p.click('form.form button[type="submit"]')]);
    };

    // The partner reaches the confirmation step of a recharge.
    const partner = await browser.newPage({ locale: 'fr-FR' });
    await login(partner, 'suspendu@example.fr');
    await partner.goto(`${base}/subscription/recharge`);
    await partner.fill('#installation_code', newInstallation().formatted);
    await partner.fill('#customer', 'Garage du Port');
    await partner.fill('#units', '40');
    await partner.click('form.form button[type="submit"]');
    expect(await partner.textContent('h1')).to.contain('Confirmer la recharge');

    // Meanwhile an admin finds the partner and suspends them, with a reason and a confirmation.
    const admin = await browser.newPage({ locale: 'fr-FR' });
    await login(admin, 'chef@artisan-nd.test');
    await admin.goto(`${base}/admin/partners`);
    await admin.fill('#q', 'suspendu@');
    await Promise.all([admin.waitForURL(/q=suspendu/), admin.press('#q', 'Enter')]);
    await Promise.all([admin.waitForURL(/\/admin\/partners\/\d+$/), admin.click('table.table a[href^="/admin/partners/"]')]);
    await admin.fill('#suspend-reason', 'Abonnement impayé');
    await admin.click('#suspend-form button[type="submit"]');
    expect(await admin.textContent('.confirm-box')).to.contain('Abonnement impayé');
    await admin.screenshot({ path: path.join(SCREENSHOTS, 'admin-suspend-confirm-fr.png'), fullPage: true });
    await Promise.all([admin.waitForURL(/\/admin\/partners\/\d+$/), admin.click('.confirm-box button[type="submit"]')]);
    expect(await admin.textContent('.flash-success')).to.be.a('string');

    // The partner's confirmation is refused: the session ended, nothing was spent.
    await partner.click('form.form button[type="submit"]');
    await partner.waitForURL(/\/subscription\/login/);
    expect(await ctx.handle.ledger.balance(partnerId)).to.equal(100);
    expect(await ctx.db('recharges').where({ partner_id: partnerId }).first()).to.equal(undefined);
    // Logging in again tells why.
    await partner.fill('#email', 'suspendu@example.fr');
    await partner.fill('#password', PASSWORD);
    await partner.click('form.form button[type="submit"]');
    expect(await partner.textContent('main')).to.contain('Abonnement impayé');
    await partner.screenshot({ path: path.join(SCREENSHOTS, 'partner-suspended-fr.png'), fullPage: true });

    // The audit log shows it.
    await admin.goto(`${base}/admin/audit?action=admin.partner.suspended`);
    const audit = await admin.textContent('main');
    expect(audit).to.contain('Partenaire suspendu').and.contain('actif → suspendu').and.contain('Abonnement impayé').and.contain('chef@artisan-nd.test');
    expect(await admin.getAttribute('main table a[href^="/admin/partners/"]', 'href')).to.equal(`/admin/partners/${partnerId}`);
    await partner.close();
    await admin.close();
  });
});
