/**
 * Browser test of the customer shop end to end: a visitor browses /products,
 * registers as a customer, confirms the address, buys two annual EasyFacture
 * seats and pays on the (fake) Stripe Checkout page; the order becomes paid by
 * the webhook and shows its keys, also mailed; a key activates through the
 * license API with a machine id; the release downloads through a signed link;
 * the product's course lesson video is streamed with Range requests; the
 * customer opens a support ticket and a support agent answers it. axe-core
 * checks the pages; screenshots at 375 and 1366 px, French and English.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { SYSTEM_ACTOR } from '../../src/audit/index.js';
import { linkIn, PASSWORD, waitMail } from '../helpers/accounts.js';
import { axeViolations, launchBrowser, login, shoot, submit } from '../helpers/browser.js';
import { activate, machine, productId } from '../helpers/licenses.js';
import { listEasyFacture, publishRelease } from '../helpers/shop.js';
import { startStripeRig, type StripeRig } from '../helpers/stripe-rig.js';
import { waitFor } from '../helpers/wait.js';

describe('browser: a visitor buys an EasyFacture license, activates it, downloads it, follows its course and asks support', function () {
  this.timeout(180000);
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

  /** Look at the page as a customer would: no axe violation, then screenshots at both widths. */
  async function judge(page: Page, name: string): Promise<void> {
    expect(await axeViolations(page), name).to.deep.equal([]);
    await shoot(page, name);
  }

  it('goes from the catalogue to an active license, its download, its course and a support answer', async () => {
    const { ctx, base, fake } = rig!;
    await listEasyFacture(ctx);
    const release = await publishRelease(ctx, 'easyfacture', '1.2.0');
    const course = await ctx.handle.courses.create({ slug: 'prise-en-main', titleFr: 'Prise en main d’EasyFacture', titleEn: 'Getting started with EasyFacture',
      descriptionFr: 'Votre première facture en dix minutes.', descriptionEn: 'Your first invoice in ten minutes.', access: 'product',
      productId: await productId(ctx, 'easyfacture'), price: null, currency: null, published: true, displayOrder: 1 }, SYSTEM_ACTOR);
    const mp4 = path.join(ctx.dir, 'shop-e2e.mp4');
    fs.writeFileSync(mp4, Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom', 'latin1'), Buffer.alloc(200_000)]));
    const lesson = await ctx.handle.courses.addLesson(course, mp4, { titleFr: 'Première facture', titleEn: 'First invoice', durationSeconds: 600 },
      SYSTEM_ACTOR);
    await ctx.handle.accounts.createStaff('sav@artisan-nd.test', PASSWORD, 'support', SYSTEM_ACTOR);
    await ctx.handle.billing.promotions.create({ code: 'LANCEMENT', name: 'Lancement d’EasyFacture', kind: 'percentage', value: 1000, currency: null,
      maxUses: null, maxUsesPerCustomer: 1, appliesTo: 'first', startsOn: null, endsOn: null, isActive: true, autoApply: false, newCustomersOnly: false,
      minAmount: 0, planIds: [] }, SYSTEM_ACTOR);

    const context = await browser!.newContext({ locale: 'fr-FR', acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${base}/products`);
    await judge(page, 'shop-products-fr');
    await Promise.all([page.waitForURL(`${base}/products/easyfacture`), page.click('a:has-text("Voir le logiciel")')]);
    expect(await page.textContent('main')).to.contain('Licence annuelle').and.contain('Version actuelle : 1.2.0');
    await judge(page, 'shop-product-fr');

    // Registration as a customer, the address confirmed from the mail, then the login lands on the customer area.
    await page.goto(`${base}/register`);
    await page.fill('#name', 'Nadia Roux');
    await page.fill('#email', 'nadia@atelier-roux.fr');
    await page.fill('#password', PASSWORD);
    await page.fill('#password_confirm', PASSWORD);
    await page.check('#terms');
    await submit(page, 'form.form button[type="submit"]');
    await page.goto(`${base}${linkIn(await waitMail(ctx, 'nadia@atelier-roux.fr'), '/subscription/verify')}`);
    await page.goto(`${base}/login`);
    await page.fill('#email', 'nadia@atelier-roux.fr');
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForURL(`${base}/account`), page.click('form.form button[type="submit"]')]);
    await judge(page, 'shop-account-fr');

    // Two annual seats with a promotion code (10 % off the HT), the summary, the order, then Stripe Checkout; the webhook pays it.
    await page.goto(`${base}/products/easyfacture`);
    await Promise.all([page.waitForURL(/\/products\/easyfacture\/checkout/), page.click('a:has-text("Acheter")')]);
    await page.fill('#quantity', '2');
    await page.fill('#code', 'lancement');
    await submit(page, '#offer-form button[type="submit"]');
    expect(await page.textContent('#code-applied')).to.contain('Code LANCEMENT appliqué');
    expect(await page.textContent('#checkout-summary')).to.match(/−5,80\s€/).and.match(/62,64\s€/);
    await judge(page, 'shop-checkout-fr');
    await Promise.all([page.waitForURL(/\/orders\/\d+$/), page.click('#order-form button[type="submit"]')]);
    const orderPath = new URL(page.url()).pathname;
    await judge(page, 'shop-order-pending-fr');
    await Promise.all([page.waitForURL((u) => u.href.startsWith(`${fake.url}/checkout/`)), page.click('button:has-text("Payer par carte")')]);
    await Promise.all([page.waitForURL((u) => u.pathname === orderPath), page.click('#pay')]);
    const paid = await waitFor(async () => {
      const text = (await page.textContent('main'))!;
      if (text.includes('Vos clés de licence')) return text;
      await page.reload();
      return null;
    }, { timeout: 10000, what: 'the order shown paid' });
    expect(paid).to.contain('Payée');
    const keys = await page.$$eval('input.key-field', (els) => els.map((e) => (e as HTMLInputElement).value));
    expect(keys).to.have.length(2);
    const mail = await waitMail(ctx, 'nadia@atelier-roux.fr', 3);
    expect(mail.subject).to.equal('Vos licences EasyFacture');
    expect(mail.text).to.contain(keys[0]!).and.contain(keys[1]!);
    await judge(page, 'shop-order-paid-fr');

    // The desktop program activates the first key; the license page shows the machine.
    const box = machine();
    await activate(ctx, keys[0]!, box, 'nadia@atelier-roux.fr');
    await page.goto(`${base}/licenses`);
    expect(await page.textContent('main')).to.contain(box).and.contain('Active');
    await judge(page, 'shop-licenses-fr');

    // The release through a signed link.
    await page.goto(`${base}${orderPath}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-form button[type="submit"]')]);
    expect(Buffer.compare(fs.readFileSync((await download.path())!), release.bytes)).to.equal(0);
    expect(download.url()).to.match(/\/downloads\/signed\/[\w-]+\.[\w-]{43}$/);

    // The product's course: the lesson's video is streamed by ranges through its signed media link.
    const ranges: string[] = [];
    page.on('request', (r) => { if (r.url().includes('/courses/media/') && r.headers().range) ranges.push(r.headers().range!); });
    await page.goto(`${base}/courses/prise-en-main/lessons/${lesson}`);
    await waitFor(async () => ranges.length > 0 || null, { timeout: 10000, what: 'a Range request for the lesson video' });
    expect(ranges[0]).to.match(/^bytes=\d+-/);

    // A support ticket, answered by a support agent.
    await page.goto(`${base}/support/tickets/new`);
    await page.fill('#subject', 'Activation sur un troisième poste');
    await page.fill('#message', 'Bonjour, puis-je activer ma licence sur un troisième ordinateur ?');
    await Promise.all([page.waitForURL(/\/support\/tickets\/\d+$/), page.click('form.form button[type="submit"]')]);
    const ticketPath = new URL(page.url()).pathname;
    const staffContext = await browser!.newContext({ locale: 'fr-FR' });
    const staff = await login(staffContext, base, 'sav@artisan-nd.test');
    await staff.goto(`${base}/admin/tickets`);
    await Promise.all([staff.waitForURL(/\/admin\/tickets\/\d+$/), staff.click('a:has-text("Activation sur un troisième poste")')]);
    await staff.fill('#message', 'Bonjour, oui : achetez une licence de plus ou libérez un poste.');
    await submit(staff, 'form[action$="/reply"] button[type="submit"]');
    await staffContext.close();
    await page.goto(`${base}${ticketPath}`);
    expect(await page.textContent('main')).to.contain('achetez une licence de plus');
    await judge(page, 'shop-ticket-fr');

    // The same customer pages in English.
    for (const [p, name] of [['/products/easyfacture', 'shop-product-en'], [orderPath, 'shop-order-paid-en'], ['/licenses', 'shop-licenses-en']]) {
      await page.goto(`${base}${p}?lang=en`);
      expect(await page.getAttribute('html', 'lang')).to.equal('en');
      await judge(page, name!);
    }
    await context.close();
  });
});
