/**
 * The shipped content of the editable pages against the templates they
 * replaced (test/fixtures/site-before: views/site/{home,features,subscription}.ejs
 * as they were): on a fresh install, the visible text of each page's main
 * part, its title and its description are the same, in French and English.
 */
import fs from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';
import { expect } from 'chai';
import request from 'supertest';
import { BILLING_VIEW_HELPERS } from '../../../src/billing/index.js';
import { createI18n } from '../../../src/http/i18n.js';
import { textOf } from '../../helpers/billing-admin.js';
import { createTestContext, REPO_ROOT, type TestContext } from '../../helpers/context.js';

const BEFORE = path.join(REPO_ROOT, 'test', 'fixtures', 'site-before');
const i18n = createI18n('fr', false);

/** The visible text of a page's <main>. */
function mainText(html: string): string {
  const m = /<main id="main"[^>]*>([\s\S]*)<\/main>/.exec(html);
  return textOf(m ? m[1]! : '').trim();
}

/** The former template's main part in `lng` (its head and foot includes left out). */
function formerText(view: string, lng: 'fr' | 'en'): string {
  const src = fs.readFileSync(path.join(BEFORE, `${view}.ejs`), 'utf8').replace(/<%- include\('\.\.\/partials\/(head|foot)'\) %>/g, '');
  const html = ejs.render(src, { t: i18n.t[lng], locale: lng, plans: [], ...BILLING_VIEW_HELPERS },
    { filename: path.join(REPO_ROOT, 'views', 'site', `${view}.ejs`) });
  return textOf(html).trim();
}

describe('editable pages: the shipped defaults', function () {
  this.timeout(30000);
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext(); });
  after(async () => { await ctx.close(); });

  for (const [view, url, titleKey] of [['home', '/', 'site:home.title'], ['features', '/features', 'site:features.title'],
    ['subscription', '/subscription', 'site:subscription.title']] as const) {
    for (const lng of ['fr', 'en'] as const) {
      it(`GET ${url} (${lng}) shows the same text, title and description as the page it replaced`, async () => {
        const res = await request(ctx.app).get(url).set('Accept-Language', lng).expect(200);
        expect(mainText(res.text)).to.equal(formerText(view, lng));
        expect(res.text).to.include(`<title>${textOf(i18n.t[lng](titleKey)).replace(/&/g, '&amp;')} · artisan_nd</title>`);
        expect(res.text).to.include(`<meta name="description" content="${i18n.t[lng]('meta.description')}">`);
      });
    }
  }
});
