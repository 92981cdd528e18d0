/**
 * Browser test: a visitor in headless Chromium (Debian's chromium driven by
 * playwright-core) opens the home page, switches to English, goes to the
 * download page, downloads the .deb and gets the published SHA-256.
 * Skipped when chromium is missing outside CI; CI installs it and must run it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Server } from 'node:http';
import { expect } from 'chai';
import { chromium, type Browser } from 'playwright-core';
import { createAccount, linkIn, PASSWORD, waitMail } from '../helpers/accounts.js';
import { applyAs, credit, newInstallation } from '../helpers/recharge.js';
import { createTestContext, DEMO_DEB, REPO_ROOT, type TestContext } from '../helpers/context.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
const SCREENSHOTS = path.join(REPO_ROOT, 'test', 'e2e', 'screenshots');

describe('browser: a visitor downloads artisan_nd', function () {
  this.timeout(60000);
  let ctx: TestContext;
  let server: Server;
  let browser: Browser;
  let base: string;

  before(async function () {
    if (!CHROMIUM) {
      if (process.env.CI) throw new Error('chromium is required in CI (.ci/run installs it)');
      this.skip();
    }
    ctx = await createTestContext();
    server = ctx.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  });

  after(async () => {
    await browser?.close();
    if (server) await new Promise((r) => server.close(r));
    await ctx?.close();
  });

  it('switches to English, downloads the .deb and checks its SHA-256', async () => {
    const page = await browser.newPage({ acceptDownloads: true, locale: 'fr-FR' });
    await page.goto(`${base}/`);
    expect(await page.getAttribute('html', 'lang')).to.equal('fr');
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
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
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
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
    await page.click('.sub-nav a[href="/subscription/recharge"]');
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
});
