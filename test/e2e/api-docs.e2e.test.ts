/**
 * Browser test: /api/docs in headless Chromium shows every documented
 * operation, rendered by the locally served swagger-ui, with no CSP
 * violation or other console error. Skipped when chromium is missing
 * outside CI; CI installs it and must run it.
 */
import path from 'node:path';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { openApiDocument } from '../../src/api-docs/index.js';
import { startBrowserRig, SCREENSHOTS, type BrowserRig } from '../helpers/browser.js';


describe('browser: the API documentation page', function () {
  this.timeout(60000);
  let browser: Browser;
  let base: string;
  let rig: BrowserRig | undefined;

  before(async function () {
    rig = await startBrowserRig(this, { seed: false });
    ({ browser, base } = rig);
  });

  after(async () => {
    await rig?.close();
  });

  for (const [lang, title] of [['fr', 'Documentation de l’API'], ['en', 'API documentation']] as const) {
    it(`shows every operation (${lang}), from local assets only, without console errors`, async () => {
      const page = await browser.newPage({ locale: lang === 'fr' ? 'fr-FR' : 'en-GB' });
      const problems: string[] = [];
      const foreign: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(m.text()); });
      page.on('pageerror', (e) => problems.push(String(e)));
      page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) foreign.push(r.url()); });
      await page.goto(`${base}/api/docs?lang=${lang}`);
      expect(await page.getAttribute('html', 'lang')).to.equal(lang);
      expect(await page.textContent('h1')).to.equal(title);
      await page.waitForSelector('.opblock', { timeout: 20000 });

      const shown = await page.$$eval(
        '.opblock',
        (blocks) => blocks.map(
          (b) => `${b.querySelector('.opblock-summary-method')?.textContent?.trim()} ${b.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`
        ),
      );
      const paths = Object.entries(openApiDocument.paths as Record<string, Record<string, unknown>>);
      const documented = paths.flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`));
      expect(shown.sort()).to.deep.equal(documented.sort());
      expect(await page.textContent('.information-container')).to.contain('Grace period').and.contain('keys.json');
      expect(await page.$$('.errors-wrapper'), 'swagger-ui reports errors about the document').to.have.length(0);
      await page.screenshot({ path: path.join(SCREENSHOTS, `api-docs-${lang}.png`), fullPage: false });

      // Open one operation: its responses and the Error schema render.
      await page.click('#operations-licenses-createTrial .opblock-summary-control');
      await page.waitForSelector('#operations-licenses-createTrial .responses-table');
      const opened = await page.textContent('#operations-licenses-createTrial');
      expect(opened).to.contain('409').and.contain('already had a trial');
      expect(problems).to.deep.equal([]);
      expect(foreign).to.deep.equal([]);
      await page.close();
    });
  }
});
