/**
 * Browser test: a visitor past the hourly download limit who clicks the
 * download button sees the 429 page in their language, with the waiting
 * time, instead of a silently failed download.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { startBrowserRig, type BrowserRig } from '../helpers/browser.js';

describe('browser: a refused download is seen by the visitor who clicked', function () {
  this.timeout(60000);
  let browser: Browser;
  let base: string;
  let rig: BrowserRig | undefined;

  before(async function () {
    rig = await startBrowserRig(this, { env: { DOWNLOADS_PER_HOUR: '1' } });
    ({ browser, base } = rig);
  });
  after(async () => { await rig?.close(); });

  it('shows the 429 page with the waiting time when the click is over the limit', async () => {
    // The hour's one download, from the same address (the browser would answer a second click from its cache).
    await request(rig!.ctx.app).get('/download/latest').expect(200);
    const page = await browser.newPage({ acceptDownloads: true, locale: 'fr-FR' });
    await page.goto(`${base}/download`);
    await page.click('.release-latest a.btn-primary');
    await page.waitForURL(`${base}/download/files/artisan-nd_0.1.0_all.deb`);
    expect(await page.textContent('h1')).to.contain('Trop de demandes');
    expect(await page.textContent('main')).to.contain('Réessayez dans 60 minutes.');
    await page.close();
  });
});
