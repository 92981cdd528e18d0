/**
 * Browser test: every page a visitor, a partner and an admin can reach, in
 * French and in English, looked at as a customer would. Each page is
 * screenshotted at 375 px and 1366 px (test/e2e/screenshots/, to be opened
 * and judged), checked by axe-core (no violation), and measured: no page
 * scrolls sideways, no table is wider than its frame at 1366 px, the header
 * holds on one line at 1366 px. The embedded API documentation (/api/docs)
 * is left to api-docs.e2e.test.ts. Skipped when chromium is missing outside CI.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createAccount, loginAgent, request } from '../helpers/accounts.js';
import { axeViolations, login, SCREENSHOTS, settle, shoot, startBrowserRig, submit, type BrowserRig } from '../helpers/browser.js';
import type { TestContext } from '../helpers/context.js';
import { formAgent } from '../helpers/forms.js';
import { activate, apiToken, makeBatch, makeProduct, trial } from '../helpers/licenses.js';
import { credit, newInstallation, postConfirmed, recharge } from '../helpers/recharge.js';
import { listEasyFacture } from '../helpers/shop.js';
import { SYSTEM_ACTOR } from '../../src/audit/index.js';
import { createBilling } from '../../src/billing/index.js';
import { insertedId } from '../../src/platform/db.js';

type Lang = 'fr' | 'en';

/** What was wrong on the pages of one test, one line each. */
type Findings = string[];

/**
 * Layout faults measured in the page at its current width: the page scrolls
 * sideways (naming the widest element), a table is wider than its frame at
 * 1366 px, the header takes more than one line at 1366 px.
 */
async function layoutFaults(page: Page): Promise<string[]> {
  await settle(page);
  return page.evaluate(() => {
    const faults: string[] = [];
    const width = document.documentElement.clientWidth;
    // No named function in here: the test runner's transform would wrap it in a helper the page does not have.
    if (document.documentElement.scrollWidth > width + 1) {
      const wide = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > width + 1 && !e.closest('.table-wrap'));
      const leaf = wide.find((e) => ![...e.children].some((c) => wide.includes(c)));
      const classes = leaf?.classList.length ? `.${[...leaf.classList].join('.')}` : '';
      const what = leaf ? `${leaf.tagName.toLowerCase()}${leaf.id ? `#${leaf.id}` : ''}${classes}` : '?';
      faults.push(`page scrolls sideways (${document.documentElement.scrollWidth} > ${width}): ${what}`);
    }
    if (width >= 1366) {
      document.querySelectorAll<HTMLElement>('.table-wrap').forEach((wrap) => {
        const table = wrap.querySelector('table');
        if (wrap.scrollWidth > wrap.clientWidth + 1) faults.push(`table #${table?.id || '?'} clipped (${wrap.scrollWidth} > ${wrap.clientWidth})`);
      });
      document.querySelectorAll('table').forEach((table) => {
        const heads = [...(table.tHead?.rows[0]?.cells ?? [])];
        const row = table.tBodies[0]?.rows[0];
        heads.forEach((th, i) => {
          const td = row?.cells[i];
          if (!td || th.colSpan !== 1 || td.colSpan !== 1) return;
          const [thAlign, tdAlign] = [th, td].map((e) => getComputedStyle(e).textAlign.replace('start', 'left').replace('end', 'right'));
          if (thAlign !== tdAlign) faults.push(`table #${table.id || '?'}: column "${th.textContent?.trim()}" heading ${thAlign}, cells ${tdAlign}`);
        });
      });
      const header = document.querySelector('.header-inner');
      const brand = document.querySelector('.brand');
      if (header && brand && header.getBoundingClientRect().height > brand.getBoundingClientRect().height + 40) faults.push('header takes more than one line');
    }
    return faults;
  });
}

/** Screenshots at both widths, the layout measures at each, axe at the laptop width. */
async function look(page: Page, name: string, findings: Findings): Promise<void> {
  await shoot(page, name);
  for (const width of [375, 1366]) {
    await page.setViewportSize({ width, height: 800 });
    for (const f of await layoutFaults(page)) findings.push(`${name} @${width}: ${f}`);
  }
  for (const v of await axeViolations(page)) findings.push(`${name}: ${v}`);
}

/** Open `url`, check its status, and look at it. */
async function visit(page: Page, url: string, name: string, findings: Findings, status: number | null = 200): Promise<void> {
  const res = await page.goto(url);
  if (status !== null) expect(res?.status(), `${name} (${url})`).to.equal(status);
  await look(page, name, findings);
}

interface Ids {
  partner: number;
  /** Billing, partner side: a public plan shown on /subscription and /subscription/plans. */
  checkoutPlan: number;
  /** Billing, staff side: a bank transfer received on the invoice (its page, /admin/payments/:id). */
  payment: number;
  /** A gateway notification that failed (its page, /admin/webhooks/:id, with the replay form). */
  webhook: number;
  installation: number;
  recharge: string;
  revoked: string;
  release: number;
  message: number;
  audit: number;
  license: number;
  batch: number;
  product: number;
  plan: number;
  invoice: number;
  /** A promotion code (BIENVENUE, 20 %), with one use on an invoice. */
  promotion: number;
  /** A paid subscription (the admin's subscription page) and a unit pack on offer (the partner's packs pages). */
  subscription: number;
  pack: number;
  /** The shop: EasyFacture listed, a customer and their paid order (the admin's order and customer pages). */
  shopProduct: number;
  order: number;
  customer: number;
  /** A customer's support ticket with an attachment and a staff reply (its pages on both sides). */
  ticket: number;
  /** Courses: a free course (slug bien-demarrer) with a video lesson and a PDF lesson. */
  course: number;
  videoLesson: number;
  pdfLesson: number;
}

/** The data every page shows: partners with recharges (one revoked), a message, downloads, a block, licenses, codes, a token. */
async function seed(ctx: TestContext): Promise<Ids> {
  const partner = await createAccount(ctx, 'atelier@imprimerie-centre.fr');
  await ctx.db('accounts').where({ id: partner }).update({ company: 'Imprimerie du Centre', name: 'Paul Martin' });
  const other = await createAccount(ctx, 'garage@exemple.fr');
  await ctx.db('accounts').where({ id: other }).update({ company: 'Garage du Port' });
  await createAccount(ctx, 'chef@artisan-nd.test', 'admin');
  await credit(ctx, partner, 1000);
  const agent = await loginAgent(ctx, 'atelier@imprimerie-centre.fr');
  const inst = newInstallation();
  const first = await recharge(agent, inst, 120, 'Boulangerie Martin');
  await recharge(agent, inst, 80, 'Boulangerie Martin');
  await recharge(agent, newInstallation(), 40, 'Pharmacie de la Gare, succursale du centre commercial des Quatre Chemins');
  const revoked = await recharge(agent, newInstallation(), 25, 'Garage Dupont');
  const admin = await loginAgent(ctx, 'chef@artisan-nd.test');
  await postConfirmed(admin, `/admin/recharges/${revoked}`, `/admin/recharges/${revoked}/revoke`, { reason: 'Erreur de saisie du client' });

  const { agent: visitor, csrf } = await formAgent(ctx.app, '/contact');
  await visitor.post('/contact').type('form').send({ _csrf: csrf, name: 'Alice Bernard', email: 'alice@example.com', website: '',
    message: 'Bonjour, je voudrais revendre artisan_nd dans ma région. Quelles sont les conditions pour devenir partenaire ?' }).expect(303);
  for (let i = 0; i < 3; i += 1) await request(ctx.app).get('/download/latest').redirects(1);
  await postConfirmed(admin, '/admin/downloads/blocks', '/admin/downloads/blocks', { ip: '203.0.113.7', reason: 'Robot qui télécharge en boucle' });

  await makeProduct(ctx, 'facturier', { trial_days: 30 });
  await trial(ctx);
  await trial(ctx);
  const codes = await makeBatch(ctx, 'easyfacture', 'annual', 5);
  await activate(ctx, codes[0]!);
  await apiToken(ctx);
  // Billing, partner side (subscriptions): two public plans, one highlighted.
  const stamp = ctx.clock.now().toISOString();
  const publicPlans = [['essentiel', 'Essentiel', 'Essential', 2900, false], ['pro', 'Professionnel', 'Professional', 4900, true]] as const;
  for (const [slug, fr, en, price, highlighted] of publicPlans) {
    await ctx.db('plans').insert({
      slug, name_fr: fr, name_en: en, description_fr: 'Pour les revendeurs', description_en: 'For resellers', type: 'monthly', price,
      currency: 'EUR', billing_cycle: 'month', limits: JSON.stringify({ units_per_period: price / 10 }), is_active: true, is_public: true, highlighted,
      features: JSON.stringify([{ name_fr: 'Assistance', name_en: 'Support', value: '48 h' }]), created_at: stamp, updated_at: stamp,
    });
  }

  const id = async (table: string, where: Record<string, unknown> = {}): Promise<number> =>
    Number(((await ctx.db(table).where(where).orderBy('id', 'desc').first('id')) as { id: unknown }).id);
  // Billing staff pages: a plan with features, an issued invoice with a partial bank transfer, a credit offered.
  const billing = createBilling({ db: ctx.db, clock: ctx.clock, audit: ctx.handle.audit, billing: ctx.config.billing });
  const plan = await billing.plans.create({
    slug: 'pro-mensuel', nameFr: 'Pro mensuel', nameEn: 'Pro monthly', descriptionFr: 'Pour les imprimeurs', descriptionEn: 'For printers', type: 'monthly',
    price: 2990, currency: 'EUR', billingCycle: 'month', trialDays: 14, setupFee: 0, limits: { units_per_period: 5000, max_installations: 3 },
    features: [{ name_fr: 'Unités par mois', name_en: 'Units per month', value: '5 000' }, { name_fr: 'Assistance', name_en: 'Support', value: 'e-mail' }],
    isActive: true, isPublic: true, displayOrder: 10, highlighted: true,
  }, SYSTEM_ACTOR);
  const draft = await billing.invoices.createDraft(partner, [{ description: 'Abonnement Pro mensuel, décembre 2026', quantity: 1, unitPrice: 2990 },
    { description: 'Formation à distance (2 heures)', quantity: 2, unitPrice: 4500 }]);
  const invoice = await billing.invoices.finalise(draft, SYSTEM_ACTOR);
  await billing.payments.recordManual(invoice.id, { amount: 5000, method: 'bank_transfer', reference: 'VIR-2026-118', date: '2026-11-22',
    idempotencyKey: 'e2e-pages-payment-1' }, SYSTEM_ACTOR);
  await billing.credits.grant({ accountId: partner, kind: 'manual', amount: 1500, currency: 'EUR', reason: 'Retard de livraison' }, SYSTEM_ACTOR);
  const promotion = await billing.promotions.create({
    code: 'BIENVENUE', name: 'Bienvenue aux nouveaux revendeurs', kind: 'percentage', value: 2000, currency: null, maxUses: 100, maxUsesPerCustomer: 1,
    appliesTo: 'both', startsOn: '2026-11-01', endsOn: '2027-03-31', isActive: true, autoApply: false, newCustomersOnly: false, minAmount: 0, planIds: [],
  }, SYSTEM_ACTOR);
  const promoted = await createAccount(ctx, 'promo@imprimerie-sud.fr');
  await ctx.handle.subscriptions.subscribe(promoted, await id('plans', { slug: 'essentiel' }), SYSTEM_ACTOR, 'BIENVENUE');
  // Subscriptions and packs: the garage pays its first invoice; a pack of 1,000 units is on offer.
  const { subscription, invoice: due } = await ctx.handle.subscriptions.subscribe(other, await id('plans', { slug: 'pro' }), SYSTEM_ACTOR);
  await ctx.handle.billing.payments.recordManual(due!.id, { amount: due!.amountDue, method: 'bank_transfer', reference: due!.number!,
    date: '2026-11-22', idempotencyKey: 'e2e-pages-subscription-1' }, SYSTEM_ACTOR);
  const pack = await billing.plans.create({
    slug: 'pack-1000', nameFr: 'Pack 1 000 unités', nameEn: 'Pack of 1,000 units', descriptionFr: 'Pour les mois chargés', descriptionEn: 'For busy months',
    type: 'custom', price: 5000, currency: 'EUR', billingCycle: 'one-time', trialDays: 0, setupFee: 0,
    limits: { units_per_period: 1000, max_installations: null }, features: [], isActive: true, isPublic: true, displayOrder: 20, highlighted: false,
  }, SYSTEM_ACTOR);
  const shop = await shopFixture(ctx);
  const ticket = await supportFixture(ctx);
  const course = await courseFixture(ctx);
  // Notifications of the partner: two unread (one with a link) and one read, as the mails it was sent leave them.
  for (const [title, body, link] of [
    ['Votre facture F-2026-0118 est disponible – artisan_nd', 'Votre facture de 29,90 € est disponible dans votre espace.', '/subscription/billing'],
    ['Votre mot de passe a été changé – artisan_nd', 'Le mot de passe de votre compte artisan_nd vient d’être changé.', '/subscription/forgot'],
    ['Bienvenue chez artisan_nd', 'Votre compte partenaire est prêt.', null],
  ] as const) {
    await ctx.handle.notifications.record({ accountId: partner, kind: link === '/subscription/billing' ? 'invoice_issued' : 'account', title, body, link });
  }
  await ctx.db('notifications').where({ account_id: partner, title: 'Bienvenue chez artisan_nd' }).update({ read_at: stamp });
  return {
    ...course, ...shop, ticket,
    subscription: subscription.id, pack, promotion, payment: await id('payments'), webhook: await webhookFixture(ctx),
    plan, invoice: invoice.id, checkoutPlan: await id('plans', { slug: 'pro' }),
    partner, recharge: first, revoked,
    installation: await id('installations', { code: inst.code }),
    release: await id('releases'),
    message: await id('contact_messages'),
    audit: await id('audit_log'),
    license: await id('licenses'),
    batch: await id('activation_batches'),
    product: await id('products'),
  };
}

/** The shop: EasyFacture listed with two offers; a customer's order of two seats, paid by transfer (its license keys exist). */
async function shopFixture(ctx: TestContext): Promise<{ shopProduct: number; order: number; customer: number }> {
  const { product, annual } = await listEasyFacture(ctx);
  const customer = await createAccount(ctx, 'lea@atelier-lea.fr', 'customer');
  await ctx.db('accounts').where({ id: customer }).update({ name: 'Léa Durand', company: 'Atelier Léa' });
  const { order, invoice } = await ctx.handle.shop.orders.place(customer, annual, 2, 'e2e-pages-order-1', 'fr', SYSTEM_ACTOR);
  await ctx.handle.billing.payments.recordManual(invoice.id, { amount: invoice.amountDue, method: 'bank_transfer', reference: invoice.number!,
    date: '2026-11-22', idempotencyKey: 'e2e-pages-order-payment-1' }, SYSTEM_ACTOR);
  return { shopProduct: product, order: order.id, customer };
}

/** A customer (the shop's buyer) with a license and a ticket about it: a PDF attached, answered by staff. */
async function supportFixture(ctx: TestContext): Promise<number> {
  const customer = await createAccount(ctx, 'cliente@exemple.fr', 'customer');
  await createAccount(ctx, 'sav@artisan-nd.test', 'support');
  await ctx.db('accounts').where({ id: customer }).update({ name: 'Claire Petit' });
  const license = Number((await ctx.db('licenses').first('id')).id);
  await ctx.db('licenses').where({ id: license }).update({ email: 'cliente@exemple.fr' });
  const id = await ctx.handle.support.open({ id: customer, email: 'cliente@exemple.fr' }, {
    subject: 'Trop d’appareils pour ma licence', message: 'Bonjour,\nmon nouvel ordinateur est refusé : « trop d’appareils ».\nMerci de votre aide.',
    licenseId: license }, [{ name: 'capture-refus.pdf', mime: 'application/pdf', bytes: Buffer.from('%PDF-1.7\n%%EOF\n') }]);
  const staff = (await ctx.handle.accounts.byEmail('sav@artisan-nd.test'))!;
  await ctx.handle.support.assign(SYSTEM_ACTOR, id, staff.id);
  await ctx.handle.support.reply(staff, id, 'Bonjour, nous avons libéré l’ancien poste : réessayez maintenant.', [], true);
  return id;
}

/** A free course with a (tiny) MP4 lesson and a PDF lesson, added through CoursesService as the admin upload does. */
async function courseFixture(ctx: TestContext): Promise<Pick<Ids, 'course' | 'videoLesson' | 'pdfLesson'>> {
  const course = await ctx.handle.courses.create({ slug: 'bien-demarrer', titleFr: 'Bien démarrer avec artisan_nd', titleEn: 'Getting started with artisan_nd',
    descriptionFr: 'Installer, numéroter un premier carnet.', descriptionEn: 'Install, number a first book.', access: 'free', productId: null, price: null,
    currency: null, published: true, displayOrder: 1 }, SYSTEM_ACTOR);
  const mp4 = path.join(ctx.dir, 'e2e.mp4');
  fs.writeFileSync(mp4, Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom', 'latin1'), Buffer.alloc(500)]));
  const pdf = path.join(ctx.dir, 'e2e.pdf');
  fs.writeFileSync(pdf, '%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n');
  const videoLesson = await ctx.handle.courses.addLesson(course, mp4, { titleFr: 'Installer', titleEn: 'Install', durationSeconds: 725 }, SYSTEM_ACTOR);
  const pdfLesson = await ctx.handle.courses.addLesson(course, pdf, { titleFr: 'Premier carnet', titleEn: 'First book', durationSeconds: null }, SYSTEM_ACTOR);
  return { course, videoLesson, pdfLesson };
}

/** A Stripe notification stored and failed (a refund notified before its payment), as /admin/webhooks lists it. */
async function webhookFixture(ctx: TestContext): Promise<number> {
  const payload = JSON.stringify({ id: 'evt_1SxPagesFixture', object: 'event', type: 'charge.refunded', data: { object: { id: 'ch_1', object: 'charge',
    amount: 5000, amount_refunded: 5000, currency: 'eur', payment_intent: 'pi_1' } } });
  return insertedId(await ctx.db('inbound_events').insert({ gateway: 'stripe', event_id: 'evt_1SxPagesFixture', type: 'charge.refunded', payload,
    status: 'failed', attempts: 2, last_error: 'NotFoundError: no payment for this gateway refund', received_at: ctx.clock.now().toISOString(),
    next_attempt_at: new Date(ctx.clock.now().getTime() + 300_000).toISOString() }).returning('id'));
}

describe('browser: every page at 375 px and 1366 px, in French and English, without an axe violation', function () {
  // The admin walk holds the billing pages too: on a loaded machine it takes more than five minutes.
  this.timeout(600000);
  let ctx: TestContext;
  let browser: Browser;
  let base: string;
  let rig: BrowserRig | undefined;
  let ids: Ids;

  before(async function () {
    // Card payments on (no call reaches Stripe while pages are only shown): the billing page offers "Pay by card".
    rig = await startBrowserRig(this, { env: { STRIPE_SECRET_KEY: 'sk_test_pagesOnly', STRIPE_WEBHOOK_SECRET: 'whsec_pagesOnly',
      STRIPE_API_BASE: 'http://127.0.0.1:9' } });
    ({ ctx, browser, base } = rig);
    ids = await seed(ctx);
  });

  after(async () => {
    await rig?.close();
  });

  const contextFor = (lang: Lang): Promise<BrowserContext> => browser.newContext({ locale: lang === 'fr' ? 'fr-FR' : 'en-GB' });

  for (const lang of ['fr', 'en'] as const) {
    it(`public pages, forms and errors (${lang})`, async () => {
      const findings: Findings = [];
      const context = await contextFor(lang);
      const page = await context.newPage();
      const pages: [string, string, number | null][] = [
        ['/', 'home', 200], ['/features', 'features', 200], ['/subscription', 'subscription', 200], ['/download', 'download', 200],
        ['/contact', 'contact', 200], ['/subscription/login', 'login', 200], ['/subscription/register', 'register', 200], ['/courses', 'courses', 200],
        ['/subscription/forgot', 'forgot', 200], ['/subscription/reset?token=nope', 'reset-failed', null],
        ['/subscription/verify?token=nope', 'verify-failed', null], ['/no-such-page', 'error-404', 404],
        // Written by another part of the work; looked at whatever they answer today.
        ['/legal', 'legal', null], ['/terms', 'terms', null], ['/privacy', 'privacy', null],
      ];
      for (const [url, name, status] of pages) await visit(page, base + url, `${lang}-public-${name}`, findings, status);

      await page.goto(`${base}/subscription/register`);
      await page.fill('#email', 'pas-une-adresse');
      await submit(page, 'form.form button[type="submit"]');
      await look(page, `${lang}-public-register-errors`, findings);
      await page.goto(`${base}/subscription/login`);
      await page.fill('#email', 'personne@example.fr');
      await page.fill('#password', 'not the password');
      await submit(page, 'form.form button[type="submit"]');
      await look(page, `${lang}-public-login-refused`, findings);
      // The maintenance page (503), with a message.
      await ctx.handle.maintenance.set(true, lang === 'fr' ? 'Retour prévu à 14 h.' : 'Back at 2 pm.', SYSTEM_ACTOR);
      try {
        await visit(page, `${base}/`, `${lang}-public-maintenance`, findings, 503);
      } finally {
        await ctx.handle.maintenance.set(false, null, SYSTEM_ACTOR);
      }
      await context.close();
      expect(findings).to.deep.equal([]);
    });

    it(`partner pages: dashboard, recharge, confirmation, history, installations, account, errors (${lang})`, async () => {
      const findings: Findings = [];
      const context = await contextFor(lang);
      const page = await login(context, base, 'atelier@imprimerie-centre.fr');
      // The account saved French (its pages follow it): ?lang= picks this run's language for the session.
      await page.goto(`${base}/?lang=${lang}`);
      expect(await page.getAttribute('html', 'lang')).to.equal(lang);
      const p = `${lang}-partner`;
      await visit(page, `${base}/subscription/dashboard`, `${p}-dashboard`, findings);
      await visit(page, `${base}/subscription/recharge`, `${p}-recharge`, findings);
      await submit(page, 'form.form button[type="submit"]');
      await look(page, `${p}-recharge-errors`, findings);
      await page.fill('#installation_code', newInstallation().formatted);
      await page.fill('#customer', 'Fleuriste Les Tilleuls');
      await page.fill('#units', '60');
      await submit(page, 'form.form button[type="submit"]');
      expect(await page.locator('.confirm-box').count(), 'the confirmation card').to.equal(1);
      await look(page, `${p}-recharge-confirm`, findings);
      await visit(page, `${base}/subscription/recharges/${ids.recharge}`, `${p}-recharge-show`, findings);
      await visit(page, `${base}/subscription/recharges/${ids.revoked}`, `${p}-recharge-revoked`, findings);
      await visit(page, `${base}/subscription/recharges/${ids.revoked}/key.bin`, `${p}-keyfile-410`, findings, 410);
      await visit(page, `${base}/subscription/recharges`, `${p}-history`, findings);
      await visit(page, `${base}/subscription/installations`, `${p}-installations`, findings);
      await visit(page, `${base}/subscription/account`, `${p}-account`, findings);
      // Two-step login: the enrolment page (QR code, manual key), then a code too short.
      await visit(page, `${base}/subscription/account/totp`, `${p}-totp-enrol`, findings);
      await page.fill('#code', '12');
      await submit(page, 'form.form button[type="submit"]');
      await look(page, `${p}-totp-enrol-errors`, findings);
      // Billing, partner side: plans, the summary, pay, the billing page with the invoice waiting for payment.
      await visit(page, `${base}/subscription/plans`, `${p}-plans`, findings);
      await visit(page, `${base}/subscription/checkout/${ids.checkoutPlan}?code=BIENVENUE`, `${p}-checkout-code`, findings);
      await visit(page, `${base}/subscription/checkout/${ids.checkoutPlan}?code=NOPE`, `${p}-checkout-code-refused`, findings, 422);
      await visit(page, `${base}/subscription/checkout/${ids.checkoutPlan}`, `${p}-checkout`, findings);
      if (lang === 'fr') await submit(page, '#pay-form button[type="submit"]');
      await visit(page, `${base}/subscription/billing`, `${p}-billing`, findings);
      await visit(page, `${base}/subscription/packs`, `${p}-packs`, findings);
      await visit(page, `${base}/subscription/packs/${ids.pack}`, `${p}-pack-summary`, findings);
      // Courses: the catalogue, a course, a video lesson and a PDF lesson.
      await visit(page, `${base}/courses`, `${p}-courses`, findings);
      await visit(page, `${base}/courses/bien-demarrer`, `${p}-course`, findings);
      await visit(page, `${base}/courses/bien-demarrer/lessons/${ids.videoLesson}`, `${p}-lesson-video`, findings);
      await visit(page, `${base}/courses/bien-demarrer/lessons/${ids.pdfLesson}`, `${p}-lesson-pdf`, findings);
      // Notifications: the list (the unread count in the header: two, and the mail of the French run's payment), then all read.
      await visit(page, `${base}/notifications`, `${p}-notifications`, findings);
      expect((await page.textContent('.notifications-link'))?.trim()).to.match(/^Notifications \([2-9]\)$/);
      if (lang === 'en') {
        await submit(page, '#read-all-form button[type="submit"]');
        await look(page, `${p}-notifications-read`, findings);
        expect((await page.textContent('.notifications-link'))?.trim()).to.equal('Notifications');
      }
      await visit(page, `${base}/admin`, `${p}-error-403`, findings, 403);
      await visit(page, `${base}/subscription/recharges/00000000-0000-4000-8000-000000000000`, `${p}-error-404`, findings, 404);
      for (const href of [
        '/subscription/dashboard', '/subscription/recharge', '/subscription/recharges', '/subscription/installations',
        '/subscription/account', '/subscription/packs',
      ]) {
        await page.goto(base + href);
        expect(await page.getAttribute(`.area-nav a[href="${href}"]`, 'aria-current'), `sub-navigation on ${href}`).to.equal('page');
      }
      await context.close();
      expect(findings).to.deep.equal([]);
    });

    it(`support pages: a customer's tickets, the new ticket form, a thread, the staff queue (${lang})`, async () => {
      const findings: Findings = [];
      const context = await contextFor(lang);
      const page = await login(context, base, 'cliente@exemple.fr');
      await page.goto(`${base}/?lang=${lang}`);
      const c = `${lang}-customer`;
      await visit(page, `${base}/support/tickets`, `${c}-tickets`, findings);
      await visit(page, `${base}/support/tickets/new?license=${ids.license}`, `${c}-ticket-new`, findings);
      await page.fill('#subject', 'x');
      await submit(page, 'form.form button[type="submit"]');
      await look(page, `${c}-ticket-new-errors`, findings);
      await visit(page, `${base}/support/tickets/${ids.ticket}`, `${c}-ticket`, findings);
      await submit(page, `form[action="/support/tickets/${ids.ticket}/close"] button[type="submit"]`);
      await look(page, `${c}-ticket-confirm-close`, findings);
      await context.close();
      const partnerContext = await contextFor(lang);
      const partnerPage = await login(partnerContext, base, 'garage@exemple.fr');
      await partnerPage.goto(`${base}/?lang=${lang}`);
      await visit(partnerPage, `${base}/support/tickets`, `${lang}-partner-tickets-empty`, findings);
      expect(await partnerPage.getAttribute('.area-nav a[href="/support/tickets"]', 'aria-current'), 'partner sub-navigation').to.equal('page');
      await partnerContext.close();
      const staffContext = await contextFor(lang);
      const staffPage = await login(staffContext, base, 'sav@artisan-nd.test');
      await staffPage.goto(`${base}/?lang=${lang}`);
      await visit(staffPage, `${base}/admin/tickets`, `${lang}-admin-tickets`, findings);
      expect(await staffPage.getAttribute('.area-nav a[href="/admin/tickets"]', 'aria-current'), 'admin sidebar').to.equal('page');
      await visit(staffPage, `${base}/admin/tickets?status=closed`, `${lang}-admin-tickets-empty`, findings);
      await visit(staffPage, `${base}/admin/tickets/${ids.ticket}`, `${lang}-admin-ticket`, findings);
      await submit(staffPage, `form[action="/admin/tickets/${ids.ticket}/close"] button[type="submit"]`);
      await look(staffPage, `${lang}-admin-ticket-confirm-close`, findings);
      await staffContext.close();
      expect(findings).to.deep.equal([]);
    });

    it(`admin pages: every list, detail and confirmation page (${lang})`, async () => {
      const findings: Findings = [];
      const context = await contextFor(lang);
      const page = await login(context, base, 'chef@artisan-nd.test');
      // The account saved French (its pages follow it): ?lang= picks this run's language for the session.
      await page.goto(`${base}/?lang=${lang}`);
      expect(await page.getAttribute('html', 'lang')).to.equal(lang);
      const a = `${lang}-admin`;
      const pages: [string, string, number?][] = [
        ['/admin', 'dashboard'],
        ['/admin/partners', 'partners'], [`/admin/partners/${ids.partner}`, 'partner'],
        ['/admin/installations', 'installations'], [`/admin/installations/${ids.installation}`, 'installation'],
        ['/admin/recharges', 'recharges'], [`/admin/recharges/${ids.recharge}`, 'recharge'], [`/admin/recharges/${ids.revoked}`, 'recharge-revoked'],
        ['/admin/licenses', 'licenses'], [`/admin/licenses/${ids.license}`, 'license'], ['/admin/licenses/stats', 'license-stats'],
        ['/admin/activation-codes', 'activation-codes'], [`/admin/activation-codes/${ids.batch}`, 'activation-batch'],
        ['/admin/products', 'products'], [`/admin/products/${ids.product}`, 'product'],
        ['/admin/releases', 'releases'], [`/admin/releases/${ids.release}`, 'release'],
        ['/admin/downloads', 'downloads'], ['/admin/downloads/blocks', 'download-blocks'],
        ['/admin/keys', 'keys'], ['/admin/api-tokens', 'api-tokens'], ['/admin/packages', 'packages'], ['/admin/packages/new', 'package-new'],
        ['/admin/messages', 'messages'], [`/admin/messages/${ids.message}`, 'message'],
        ['/admin/audit', 'audit'], [`/admin/audit/${ids.audit}`, 'audit-entry'], ['/admin/maintenance', 'maintenance'],
        ['/subscription/account', 'account'], ['/notifications', 'notifications-empty'], ['/admin/partners/999999', 'error-404', 404],
        // Billing staff pages.
        ['/admin/billing', 'billing-dashboard'], ['/admin/billing?from=2026-13', 'billing-dashboard-errors', 422],
        ['/admin/plans', 'plans'], ['/admin/plans/new', 'plan-new'], [`/admin/plans/${ids.plan}`, 'plan'],
        ['/admin/invoices', 'invoices'], ['/admin/invoices/new', 'invoice-new'], [`/admin/invoices/${ids.invoice}`, 'invoice'],
        ['/admin/invoices/verify', 'invoices-verify'], ['/admin/payments', 'payments'], [`/admin/payments/${ids.payment}`, 'payment'],
        ['/admin/credits', 'credits'], ['/admin/webhooks', 'webhooks'], [`/admin/webhooks/${ids.webhook}`, 'webhook'],
        ['/admin/promotions', 'promotions'], ['/admin/promotions/new', 'promotion-new'], [`/admin/promotions/${ids.promotion}`, 'promotion'],
        ['/admin/subscriptions', 'subscriptions'], [`/admin/subscriptions/${ids.subscription}`, 'subscription'],
        // The shop's staff pages.
        ['/admin/orders', 'orders'], [`/admin/orders/${ids.order}`, 'order'], ['/admin/shop/products', 'shop-products'],
        [`/admin/shop/products/${ids.shopProduct}`, 'shop-product'], ['/admin/customers', 'customers'], [`/admin/customers/${ids.customer}`, 'customer'],
        ['/admin/courses', 'courses'], ['/admin/courses/new', 'course-new'], [`/admin/courses/${ids.course}`, 'course'],
        [`/admin/course-lessons/${ids.videoLesson}`, 'course-lesson'],
      ];
      for (const [url, name, status] of pages) await visit(page, base + url, `${a}-${name}`, findings, status ?? 200);

      // The sidebar: open beside the content at 1366 px, folded above it at 375 px until its summary is pressed (no script).
      await page.goto(`${base}/admin/recharges`);
      const link = page.locator('.area-nav a[href="/admin/partners"]');
      await page.setViewportSize({ width: 1366, height: 800 });
      expect(await link.isVisible(), 'sidebar open at 1366 px').to.equal(true);
      expect(await page.getAttribute('.area-nav a[href="/admin/recharges"]', 'aria-current')).to.equal('page');
      await page.setViewportSize({ width: 375, height: 812 });
      expect(await link.isVisible(), 'sidebar folded at 375 px').to.equal(false);
      await page.click('.area-menu > summary');
      expect(await link.isVisible(), 'sidebar unfolded').to.equal(true);
      await page.screenshot({ path: path.join(SCREENSHOTS, `${a}-menu-open-375.png`), fullPage: true });
      await Promise.all([page.waitForURL(/\/admin\/partners$/), link.click()]);

      await page.goto(`${base}/admin/partners/${ids.partner}`);
      await page.fill('#suspend-reason', 'Abonnement impayé depuis deux mois');
      await submit(page, '#suspend-form button[type="submit"]');
      await look(page, `${a}-confirm-suspend`, findings);
      await page.goto(`${base}/admin/installations/${ids.installation}`);
      await page.fill('#to', 'garage@exemple.fr');
      await page.fill('#reason', 'Le client change de revendeur');
      await submit(page, '#transfer-form button[type="submit"]');
      await look(page, `${a}-confirm-transfer`, findings);
      await page.goto(`${base}/admin/installations/${ids.installation}`);
      await submit(page, '#transfer-form button[type="submit"]');
      await look(page, `${a}-transfer-errors`, findings);
      // Billing forms: the plan form's errors, the payment form's errors, the credit note's confirmation.
      await page.goto(`${base}/admin/plans/new`);
      await submit(page, '#plan-form button[type="submit"]');
      await look(page, `${a}-plan-errors`, findings);
      await page.goto(`${base}/admin/invoices/${ids.invoice}`);
      await page.fill('#pay-amount', '9999');
      await submit(page, '#payment-form button[type="submit"]');
      await look(page, `${a}-payment-errors`, findings);
      await page.goto(`${base}/admin/invoices/${ids.invoice}`);
      await page.fill('#note-amount', '10');
      await page.fill('#note-reason', 'Geste commercial');
      await submit(page, '#credit-note-form button[type="submit"]');
      await look(page, `${a}-confirm-credit-note`, findings);
      await page.goto(`${base}/admin/promotions/new`);
      await page.fill('#value', '150');
      await submit(page, '#promotion-form button[type="submit"]');
      await look(page, `${a}-promotion-errors`, findings);
      await page.goto(`${base}/admin/promotions/${ids.promotion}`);
      await submit(page, '#toggle-active');
      await look(page, `${a}-confirm-promotion-deactivate`, findings);
      await page.goto(`${base}/admin/subscriptions/${ids.subscription}`);
      await page.fill('#pause-reason', 'Fermeture annuelle');
      await submit(page, '#pause-form button[type="submit"]');
      await look(page, `${a}-confirm-pause`, findings);
      await page.goto(`${base}/admin/api-tokens`);
      await page.fill('#token-label', `Comptabilité ${lang}`);
      await submit(page, '#token-form button[type="submit"]');
      await look(page, `${a}-token-created`, findings);
      // Client packages: the form's errors, the key shown once, the package's page and the reset's confirmation.
      await page.goto(`${base}/admin/packages/new`);
      await submit(page, '#package-form button[type="submit"]');
      await look(page, `${a}-package-errors`, findings);
      await page.fill('#package-client', `boulangerie-martin-${lang}`);
      await page.fill('#package-plan', 'pro');
      await page.fill('#package-email', 'contact@boulangerie-martin.fr');
      await submit(page, '#package-form button[type="submit"]');
      expect(await page.inputValue('#new-key')).to.match(/^sk_pro_[0-9A-Za-z]{22}$/);
      await look(page, `${a}-package-key`, findings);
      await Promise.all([page.waitForURL(/\/admin\/packages\/\d+$/), page.click('a.btn-secondary[href^="/admin/packages/"]')]);
      await look(page, `${a}-package`, findings);
      await submit(page, '#regenerate-form button[type="submit"]');
      await look(page, `${a}-confirm-package-reset`, findings);
      await context.close();
      expect(findings).to.deep.equal([]);
    });
  }
});
