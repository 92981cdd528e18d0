/**
 * /admin/pages on SQLite and PostgreSQL: an admin edits the home page's
 * draft (not public, seen in the preview), publishes it (public on the next
 * request, the anonymous page cache cleared), restores an older version as
 * the draft and publishes it again; a script tag typed in any field never
 * reaches a page; the version diff; image uploads (SVG sanitised, other
 * files refused); support is refused every route.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { auditRows, confirm, postForm, staffAgent, textOf } from '../../helpers/billing-admin.js';
import { csrfOf } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import type { Agent } from '../../helpers/forms.js';
import { waitFor } from '../../helpers/wait.js';
import { isSqlite } from '../../../src/platform/db.js';

const SCRIPT = '<script>alert(1)</script>';

/** The form fields of a page's section form as they are shown (name → value), textareas and selects included. */
function formFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  const dec = (s: string) => s.replace(/&#39;/g, "'").replace(/&#34;|&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  for (const m of html.matchAll(/<input\b[^>]*\bname="([^"]+)"[^>]*>/g)) {
    const tag = m[0];
    if (/type="checkbox"/.test(tag)) {
      if (/\bchecked\b/.test(tag)) out[m[1]!] = dec(/value="([^"]*)"/.exec(tag)![1]!);
    } else out[m[1]!] = dec(/value="([^"]*)"/.exec(tag)?.[1] ?? '');
  }
  for (const m of html.matchAll(/<textarea\b[^>]*\bname="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) out[m[1]!] = dec(m[2]!);
  for (const m of html.matchAll(/<select\b[^>]*\bname="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    out[m[1]!] = dec(/<option value="([^"]*)" selected>/.exec(m[2]!)?.[1] ?? '');
  }
  return out;
}

describe('/admin/pages', function () {
  this.timeout(60000);
  let ctx: TestContext;
  let admin: Agent;

  beforeEach(async () => {
    ctx = await createTestContext();
    admin = await staffAgent(ctx, 'admin');
  });
  afterEach(async () => { await ctx.close(); });

  /** Save section `n` of the home page's draft with `changes` over its current fields. */
  async function saveSection(n: number, changes: Record<string, string>, slug = 'home') {
    const page = await admin.get(`/admin/pages/${slug}/sections/${n}`).expect(200);
    const fields = { ...formFields(page.text), ...changes };
    return admin.post(`/admin/pages/${slug}/sections/${n}`).type('form').send(fields);
  }

  const publicHome = (lng = 'fr') => request(ctx.app).get('/').set('Accept-Language', lng).expect(200);

  it('edit → preview (not public) → publish (public, cache cleared) → restore an old version', async () => {
    // The anonymous home is cached now.
    expect(textOf((await publicHome()).text)).to.include('Vos carnets de factures numérotés automatiquement');
    expect(ctx.handle.pageCache.size).to.be.greaterThan(0);

    const saved = await saveSection(1, { 'title.fr': 'Numérotez sans tampon', 'title.en': 'Number without a stamp' });
    expect(saved.status, textOf(saved.text).slice(0, 500)).to.equal(303);

    // The draft is in the preview, not on the public page.
    const preview = await admin.get('/admin/pages/home/preview').expect(200);
    expect(preview.headers['cache-control']).to.equal('no-store');
    expect(textOf(preview.text)).to.include('Numérotez sans tampon');
    expect(textOf((await publicHome()).text)).not.to.include('Numérotez sans tampon');
    expect(textOf((await admin.get('/').expect(200)).text)).not.to.include('Numérotez sans tampon');

    const published = await postForm(admin, '/admin/pages/home', '/admin/pages/home/publish', {});
    expect(published.status).to.equal(303);
    // Version 1 is the shipped default (recorded on the first save), version 2 this publication.
    expect(textOf((await publicHome()).text)).to.include('Numérotez sans tampon');
    expect(textOf((await publicHome('en')).text)).to.include('Number without a stamp');
    expect((await auditRows(ctx, 'page.published'))[0]!.summary).to.include('version 2');

    const versions = await admin.get('/admin/pages/home/versions').expect(200);
    expect(versions.text).to.match(/id="version-2"[\s\S]*admin@artisan-nd\.test/);
    expect(versions.text).to.match(/id="version-1"/);
    const diff = await admin.get('/admin/pages/home/diff?a=1&b=2').expect(200);
    expect(textOf(diff.text)).to.include('+sections[1].title.fr: Numérotez sans tampon');
    expect(textOf(diff.text)).to.include('-sections[1].title.fr: Vos carnets de factures numérotés automatiquement');

    // Restore version 1: the draft only, after a confirmation; then publish it as version 3 (parent 1).
    const ask = await postForm(admin, '/admin/pages/home/versions', '/admin/pages/home/versions/1/restore', {});
    expect(ask.status).to.equal(200);
    expect((await confirm(admin, '/admin/pages/home/versions/1/restore', ask)).status).to.equal(303);
    expect(textOf((await publicHome()).text)).to.include('Numérotez sans tampon');
    await postForm(admin, '/admin/pages/home', '/admin/pages/home/publish', {});
    expect(textOf((await publicHome()).text)).to.include('Vos carnets de factures numérotés automatiquement');
    const v3 = await ctx.db('cms_page_versions as v').join('cms_page_versions as p', 'p.id', 'v.parent_version_id').where('v.number', 3)
      .first('p.number as parent');
    expect(Number(v3.parent)).to.equal(1);
  });

  it('archives a published page after a confirmation: the public sees the shipped content until the next publication', async () => {
    await saveSection(1, { 'title.fr': 'Titre publié' });
    await postForm(admin, '/admin/pages/home', '/admin/pages/home/publish', {});
    expect(textOf((await publicHome()).text)).to.include('Titre publié');
    const ask = await postForm(admin, '/admin/pages/home', '/admin/pages/home/archive', {});
    expect(ask.status).to.equal(200);
    expect(textOf((await publicHome()).text)).to.include('Titre publié');
    expect((await confirm(admin, '/admin/pages/home/archive', ask)).status).to.equal(303);
    expect(textOf((await publicHome()).text)).not.to.include('Titre publié');
    expect(textOf((await publicHome()).text)).to.include('Vos carnets de factures numérotés automatiquement');
    expect(textOf((await admin.get('/admin/pages').expect(200)).text)).to.include('Archivée');
    await postForm(admin, '/admin/pages/home', '/admin/pages/home/publish', {});
    expect(textOf((await publicHome()).text)).to.include('Titre publié');
  });

  it('publishes a contact section: its address and form, which hands what was typed to the contact page', async () => {
    const add = await postForm(admin, '/admin/pages/home', '/admin/pages/home/sections', { type: 'contact' });
    expect(add.headers.location).to.equal('/admin/pages/home/sections/6');
    const saved = await saveSection(6, { 'title.fr': 'Écrivez-nous', 'title.en': 'Write to us', email: 'contact@artisan-nd.test', fields: 'email' });
    expect(saved.status, textOf(saved.text).slice(0, 300)).to.equal(303);
    await postForm(admin, '/admin/pages/home', '/admin/pages/home/publish', {});
    const home = (await publicHome()).text;
    expect(home).to.include('href="mailto:contact@artisan-nd.test"');
    expect(home).to.match(/<form method="post" action="\/contact" class="form" data-contact-section>\s*<input type="hidden" name="_csrf" value="">/);
    expect(home).to.include('<script src="/js/contact-section.js"></script>');
    expect(home).to.include('name="email"').and.not.include('name="message"');
    // A cached page carries no CSRF token: its script fetches the visitor's (test/e2e/site.e2e.test.ts); without JavaScript,
    // the contact page shows the typed address again and asks to send it.
    const agent = request.agent(ctx.app);
    const posted = await agent.post('/contact').type('form').send({ email: 'visiteur@example.fr' });
    expect(posted.status).to.be.below(500);
    const page = posted.status === 303 ? await agent.get(String(posted.headers.location)) : posted;
    expect(page.text).to.include('value="visiteur@example.fr"');
  });

  it('keeps two first saves of a page made at once (no error on either), over the shipped default recorded once', async () => {
    // The first save's transaction is held at its audit row, its new page row not yet committed, while the second save starts.
    const audit = ctx.handle.audit;
    const record = audit.record.bind(audit);
    let held = false;
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    audit.record = async (...args: Parameters<typeof record>) => {
      if (!held) {
        held = true;
        await gate;
      }
      return record(...args);
    };
    try {
      const first = saveSection(1, { 'title.fr': 'Première sauvegarde' });
      await waitFor(() => held, { what: 'the first save to hold its transaction' });
      const second = saveSection(2, { 'title.fr': 'Seconde sauvegarde' });
      if (!isSqlite(ctx.db)) {
        // PostgreSQL: the second save's insert of the page row waits for the first transaction (SQLite: for the one connection).
        await waitFor(async () => Number((await ctx.db.raw(`select count(*) as n from pg_stat_activity where wait_event_type = 'Lock'
          and query ilike 'insert into "cms_pages"%'`)).rows[0].n) > 0, { what: 'the second save to wait for the first' });
      }
      release();
      const [a, b] = await Promise.all([first, second]);
      expect([a.status, b.status], textOf(a.text + b.text).slice(0, 500)).to.deep.equal([303, 303]);
    } finally {
      audit.record = record;
    }
    expect(textOf((await admin.get('/admin/pages/home/preview').expect(200)).text)).to.include('Première sauvegarde').and.include('Seconde sauvegarde');
    expect((await ctx.db('cms_page_versions').select('number')).map((v) => Number(v.number))).to.deep.equal([1]);
    expect(await auditRows(ctx, 'page.draft_saved')).to.have.length(2);
  });

  it('shows the billing plans in a pricing section, with the plan the section highlights (prices never copied into the page)', async () => {
    const plan = (slug: string, price: number, highlighted: boolean) => ctx.handle.billing.plans.create({
      slug, nameFr: `Formule ${slug}`, nameEn: `Plan ${slug}`, descriptionFr: '', descriptionEn: '', type: 'monthly', price, currency: 'EUR',
      billingCycle: 'month', trialDays: 0, setupFee: 0, features: [], limits: { units_per_period: 10, max_installations: null }, isActive: true,
      isPublic: true, displayOrder: price, highlighted,
    }, SYSTEM_ACTOR);
    const essential = await plan('essentiel', 1900, true);
    const pro = await plan('pro', 4900, false);
    const page = (await request(ctx.app).get('/subscription').set('Accept-Language', 'fr').expect(200)).text;
    expect(textOf(page)).to.include('Formule essentiel').and.include('19,00').and.include('49,00');
    expect(page).to.match(new RegExp(`class="card plan plan-featured" aria-labelledby="plan-${essential}"`));
    expect((await saveSection(4, { highlighted: 'pro' }, 'subscription')).status).to.equal(303);
    await postForm(admin, '/admin/pages/subscription', '/admin/pages/subscription/publish', {});
    const after = (await request(ctx.app).get('/subscription').set('Accept-Language', 'fr').expect(200)).text;
    expect(after).to.match(new RegExp(`class="card plan plan-featured" aria-labelledby="plan-${pro}"`));
    expect(after).to.match(new RegExp(`class="card plan" aria-labelledby="plan-${essential}"`));
    expect(await ctx.db('cms_page_versions').where('content', 'like', '%4900%').first()).to.equal(undefined);
  });

  it('never lets a script tag typed in any field reach the preview or the public page', async () => {
    const page = await admin.get('/admin/pages/home/sections/2').expect(200);
    const fields = formFields(page.text);
    const hostile = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, /\.(fr|en)$/.test(k) && !/image|href/.test(k) ? `${v}${SCRIPT}` : v]));
    const saved = await admin.post('/admin/pages/home/sections/2').type('form').send(hostile);
    expect(saved.status, textOf(saved.text).slice(0, 300)).to.equal(303);
    await postForm(admin, '/admin/pages/home', '/admin/pages/home/seo', { 'seo.metaTitle.fr': `Accueil${SCRIPT}`, 'seo.metaTitle.en': 'Home',
      'seo.metaDescription.fr': `"><img src=x onerror=alert(1)>`, 'seo.metaDescription.en': 'd', 'seo.ogImage': '' })
      .then((r) => expect(r.status).to.equal(303));
    // An anchor another section has is refused (two headings with one id).
    const twice = await saveSection(1, { anchor: 'why' });
    expect(twice.status).to.equal(422);
    expect(twice.text).to.include('id="anchor-error"');
    // A link to javascript: is refused as a field error.
    const bad = await saveSection(1, { 'primary.href': 'javascript:alert(1)' });
    expect(bad.status).to.equal(422);
    expect(bad.text).to.include('id="primary-href-error"');
    await postForm(admin, '/admin/pages/home', '/admin/pages/home/publish', {});
    const pagesSeen = [await admin.get('/admin/pages/home/preview').expect(200), await publicHome(),
      await admin.get('/admin/pages/home/sections/2').expect(200)];
    for (const res of pagesSeen) {
      expect(res.text).not.to.include('<script');
      expect(res.text).not.to.match(/<img src=x/);
    }
    expect((await publicHome()).text).to.include('&lt;script&gt;');
  });

  it('adds, moves and removes sections and services, with a confirmation to remove', async () => {
    const add = await postForm(admin, '/admin/pages/features', '/admin/pages/features/sections', { type: 'faq' });
    expect(add.headers.location).to.equal('/admin/pages/features/sections/7');
    const withItem = await saveSection(7, { 'title.fr': 'Questions', 'title.en': 'Questions', op: 'add-item' }, 'features');
    expect(withItem.headers.location).to.equal('/admin/pages/features/sections/7');
    expect((await saveSection(7, { 'items.0.q.fr': 'Pourquoi ?', 'items.0.a.fr': 'Parce que **oui**.' }, 'features')).status).to.equal(303);
    const up = await postForm(admin, '/admin/pages/features', '/admin/pages/features/sections/7/up', {});
    expect(up.status).to.equal(303);
    const preview = await admin.get('/admin/pages/features/preview').expect(200);
    expect(preview.text).to.match(/Pourquoi \?<\/dt>\s*<dd><p>Parce que <strong>oui<\/strong>.<\/p><\/dd>[\s\S]*class="cta-band"/);
    const ask = await postForm(admin, '/admin/pages/features', '/admin/pages/features/sections/6/delete', {});
    expect(ask.status).to.equal(200);
    expect((await confirm(admin, '/admin/pages/features/sections/6/delete', ask)).status).to.equal(303);
    expect(textOf((await admin.get('/admin/pages/features/preview').expect(200)).text)).not.to.include('Pourquoi ?');
  });

  it('refuses a section form saved after the sections moved or one was removed (409, what was typed shown again), writing over no other section', async () => {
    const sections = async () => (await ctx.handle.pages.page('home')).draft.sections.map((s) => `${s.anchor}:${'title' in s ? s.title.fr : ''}`);
    const openForm = async (n: number, changes: Record<string, string>) => ({
      ...formFields((await admin.get(`/admin/pages/home/sections/${n}`).expect(200)).text), ...changes,
    });
    // Moved: the form of section 3 ("how") is open while section 3 moves up.
    const how = await openForm(3, { 'title.fr': 'Trois étapes, modifiées' });
    expect((await postForm(admin, '/admin/pages/home', '/admin/pages/home/sections/3/up', {})).status).to.equal(303);
    const before = await sections();
    expect(before.map((s) => s.split(':')[0])).to.deep.equal(['hero', 'how', 'why', 'screens', 'partners']);
    const moved = await admin.post('/admin/pages/home/sections/3').type('form').send(how);
    expect(moved.status).to.equal(409);
    expect(textOf(moved.text)).to.include('Le brouillon a changé entre-temps : cette section a été déplacée et porte maintenant le numéro 2.');
    expect(moved.text).to.include('action="/admin/pages/home/sections/2"').and.include('value="Trois étapes, modifiées"');
    expect(await sections()).to.deep.equal(before);
    // Sent again from there, it saves section 2 (now "how") and only it.
    const again = await admin.post('/admin/pages/home/sections/2').type('form').send(formFields(moved.text));
    expect(again.status, textOf(again.text).slice(0, 300)).to.equal(303);
    expect(await sections()).to.deep.equal([before[0], 'how:Trois étapes, modifiées', ...before.slice(2)]);

    // Removed: the form of section 3 ("why") is open while it is removed; section 3 is "screens" now.
    const why = await openForm(3, { 'title.fr': 'Pourquoi, modifié' });
    const ask = await postForm(admin, '/admin/pages/home', '/admin/pages/home/sections/3/delete', {});
    expect((await confirm(admin, '/admin/pages/home/sections/3/delete', ask)).status).to.equal(303);
    const left = await sections();
    const gone = await admin.post('/admin/pages/home/sections/3').type('form').send(why);
    expect(gone.status).to.equal(409);
    expect(textOf(gone.text)).to.include('Le brouillon a changé entre-temps : cette section a été retirée.');
    expect(gone.text).to.include('value="Pourquoi, modifié"');
    expect(await sections()).to.deep.equal(left);
    expect(left[2]).to.match(/^screens:/);
    // A form that does not name its section (opened before these fields existed) saves nothing and asks to reload it.
    const { _anchor: _a, ...unnamed } = await openForm(1, { 'title.fr': 'Sans ancre' });
    const reload = await admin.post('/admin/pages/home/sections/1').type('form').send(unnamed);
    expect([reload.status, reload.headers.location]).to.deep.equal([303, '/admin/pages/home/sections/1']);
    expect(textOf((await admin.get('/admin/pages/home/sections/1').expect(200)).text)).to.include('Ce formulaire n’est plus à jour');
    expect(await sections()).to.deep.equal(left);
  });

  it('stores an uploaded image under a hashed name, sanitises an SVG and refuses other files', async () => {
    const csrf = await csrfOf(admin, '/admin/pages/home');
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4" onload="alert(1)"><script>alert(1)</script><rect width="4" height="4"/></svg>';
    const res = await admin.post('/admin/pages/home/images').field('_csrf', csrf).attach('image', Buffer.from(svg), 'x.svg');
    expect(res.status).to.equal(303);
    const flashPage = await admin.get('/admin/pages/home').expect(200);
    const stored = /\/uploads\/([0-9a-f]{64})\.svg/.exec(flashPage.text)![0];
    const file = fs.readFileSync(path.join(ctx.config.paths.files, stored), 'utf8');
    expect(file).to.include('<rect').and.not.include('script').and.not.include('onload');
    const served = await request(ctx.app).get(stored).expect(200);
    expect(served.headers['content-type']).to.match(/image\/svg\+xml/);
    const refused = await admin.post('/admin/pages/home/images').field('_csrf', await csrfOf(admin, '/admin/pages/home'))
      .attach('image', Buffer.from('#!/bin/sh\necho hi\n'), 'x.png');
    expect(refused.status).to.equal(422);
    expect(refused.text).to.include('id="image-error"');
  });

  it('refuses support every page route (403) and leaves the draft untouched', async () => {
    const support = await staffAgent(ctx, 'support');
    for (const url of ['/admin/pages', '/admin/pages/home', '/admin/pages/home/preview', '/admin/pages/home/versions', '/admin/pages/home/sections/1']) {
      expect((await support.get(url)).status, url).to.equal(403);
    }
    const csrf = await csrfOf(support, '/subscription/account');
    expect((await support.post('/admin/pages/home/publish').type('form').send({ _csrf: csrf })).status).to.equal(403);
    expect(Number((await ctx.db('cms_page_versions').count('* as n').first())!.n)).to.equal(0);
  });
});
