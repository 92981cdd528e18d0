/** /admin dashboard: the counts and the 30-day tables a staff member reads. */
import { expect } from 'chai';
import { createAccount, loginAgent } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { credit, newInstallation, recharge } from '../../helpers/recharge.js';
import { lastDays } from '../../../src/admin/dashboard/index.js';

function cell(html: string, id: string): string {
  const m = new RegExp(`id="${id}">([^<]*)<`).exec(html);
  if (!m) throw new Error(`no #${id}`);
  return m[1]!.trim();
}

describe('admin dashboard', function () {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext();
  });
  after(async () => ctx.close());

  it('lists the last 30 UTC days, oldest first, ending today', () => {
    const days = lastDays(new Date('2026-03-01T23:59:00Z'));
    expect(days).to.have.length(30);
    expect(days[0]).to.equal('2026-01-31');
    expect(days.at(-1)).to.equal('2026-03-01');
  });

  it('shows partners by state, units this month, recharges and downloads today, with the daily table', async () => {
    const partnerId = await createAccount(ctx, 'dash-partner@example.fr');
    await createAccount(ctx, 'dash-suspended@example.fr');
    await ctx.db('accounts').where({ email: 'dash-suspended@example.fr' }).update({ state: 'suspended' });
    await credit(ctx, partnerId, 100);
    const partner = await loginAgent(ctx, 'dash-partner@example.fr');
    await recharge(partner, newInstallation(), 12);
    await recharge(partner, newInstallation(), 5);
    // Two counted downloads today, one refused (not counted).
    await partner.get('/download/latest').expect(200);
    await partner.get('/download/latest').expect(200);

    await createAccount(ctx, 'dash-admin@example.fr', 'admin');
    const admin = await loginAgent(ctx, 'dash-admin@example.fr');
    const page = (await admin.get('/admin').expect(200)).text;
    expect(cell(page, 'stat-units-month')).to.equal('17');
    expect(cell(page, 'stat-recharges-today')).to.equal('2');
    expect(cell(page, 'stat-downloads-today')).to.equal('2');
    expect(page).to.match(/id="partners-by-state"[\s\S]*?state=active">1<[\s\S]*?state=suspended">1</);
    const today = ctx.clock.now().toISOString().slice(0, 10);
    expect(page).to.match(new RegExp(`<th scope="row">${today}</th><td class="number">2</td><td class="number">2</td><td class="number">17</td>`));
    expect(page).to.contain('/vendor/chart.js/chart.umd.min.js').and.contain('/js/admin-dashboard.js');
  });

  it('is in English too', async () => {
    await createAccount(ctx, 'dash-support@example.fr', 'support');
    const support = await loginAgent(ctx, 'dash-support@example.fr', undefined, 'en');
    const page = (await support.get('/admin?lang=en').expect(200)).text;
    expect(page).to.contain('Units sold this month').and.contain('Downloads per day (last 30 days)');
    // support's navigation has no admin-only areas
    expect(page).not.to.contain('href="/admin/releases"');
    expect(page).to.contain('href="/admin/audit"');
  });
});
