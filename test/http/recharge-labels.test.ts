/**
 * A recharge's customer label belongs to the recharge: a later recharge of
 * the same installation under another label, or a transfer of the
 * installation to another partner, changes nothing in what a partner sees of
 * their earlier recharges (history, recharge page, dashboard, installations,
 * CSV); each partner sees only their own recharges.
 */
import { expect } from 'chai';
import { createAccount, loginAgent } from '../helpers/accounts.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { parseCsv, csvBody } from '../helpers/csv.js';
import type { Agent } from '../helpers/forms.js';
import { credit, newInstallation, postConfirmed, recharge } from '../helpers/recharge.js';

/** The rows of the partner's CSV export, keyed by column. */
async function csvRows(agent: Agent): Promise<Record<string, string>[]> {
  return parseCsv(csvBody(await agent.get('/subscription/recharges?format=csv').expect(200)), ';');
}

/** The rows of /subscription/installations as [customer, recharges, units]. */
async function installationRows(agent: Agent): Promise<string[][]> {
  const html = (await agent.get('/subscription/installations').expect(200)).text;
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  const cellsOf = (row: string) => [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]!.replace(/<[^>]+>/g, '').trim());
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => cellsOf(m[1]!)).map((cells) => [cells[0]!, cells[2]!, cells[3]!]);
}

describe('a recharge keeps its own customer label', () => {
  let ctx: TestContext;
  let aId: number;
  let a: Agent;
  beforeEach(async () => {
    ctx = await createTestContext();
    aId = await createAccount(ctx, 'a@example.fr');
    await credit(ctx, aId, 100);
    a = await loginAgent(ctx, 'a@example.fr');
  });
  afterEach(async () => ctx.close());

  it('a later recharge under another label leaves the earlier one as it was, in the history, its page, the dashboard and the CSV', async () => {
    const inst = newInstallation();
    const first = await recharge(a, inst, 12, 'Boulangerie Martin');
    const second = await recharge(a, inst, 3, 'Test double');

    expect((await a.get(`/subscription/recharges/${first}`).expect(200)).text).to.contain('12 unités pour Boulangerie Martin').and.not.contain('Test double');
    expect((await a.get(`/subscription/recharges/${second}`).expect(200)).text).to.contain('3 unités pour Test double');
    const history = (await a.get('/subscription/recharges').expect(200)).text;
    expect(history).to.match(/Test double<\/td>.*?<td>2<\/td><td>3<\/td>/s).and.match(/Boulangerie Martin<\/td>.*?<td>1<\/td><td>12<\/td>/s);
    expect((await a.get('/subscription/recharges?q=boulangerie').expect(200)).text).to.contain('>1 recharge<');
    const dashboard = (await a.get('/subscription/dashboard').expect(200)).text;
    expect(dashboard).to.contain('Boulangerie Martin</a> — 12').and.contain('Test double</a> — 3');
    const rows = await csvRows(a);
    expect(rows.map((r) => [r.serial, r.customer, r.units]).sort()).to.deep.equal([['1', 'Boulangerie Martin', '12'], ['2', 'Test double', '3']]);
    // The installation itself shows the label used last.
    expect(await installationRows(a)).to.deep.equal([['Test double', '2', '15']]);
  });

  it('after a transfer, each partner sees only their own recharges, labels and units', async () => {
    const bId = await createAccount(ctx, 'b@example.fr');
    await credit(ctx, bId, 100);
    await createAccount(ctx, 'admin@example.fr', 'admin');
    const inst = newInstallation();
    const fromA = await recharge(a, inst, 12, 'Boulangerie Martin');
    const instId = Number((await ctx.db('installations').where({ code: inst.code }).first('id')).id);
    const admin = await loginAgent(ctx, 'admin@example.fr');
    const fields = { to: 'b@example.fr', reason: 'Changement de revendeur' };
    const transfer = await postConfirmed(admin, `/admin/installations/${instId}`, `/admin/installations/${instId}/transfer`, fields);
    expect(transfer.final.status).to.equal(303);
    const b = await loginAgent(ctx, 'b@example.fr');
    // Before B recharges it, B sees nothing of A's label or units.
    expect((await b.get('/subscription/installations').expect(200)).text).to.not.contain('Boulangerie Martin');
    const fromB = await recharge(b, inst, 5, 'Pâtisserie Durand');

    // A: the own recharge, under its own label; nothing of B's.
    expect((await a.get(`/subscription/recharges/${fromA}`).expect(200)).text).to.contain('12 unités pour Boulangerie Martin');
    const historyA = (await a.get('/subscription/recharges').expect(200)).text;
    expect(historyA).to.contain('>1 recharge<').and.contain('Boulangerie Martin').and.not.contain('Pâtisserie Durand');
    expect((await csvRows(a)).map((r) => [r.id, r.customer, r.units])).to.deep.equal([[fromA, 'Boulangerie Martin', '12']]);
    const dashA = (await a.get('/subscription/dashboard').expect(200)).text;
    expect(dashA).to.contain('<p class="big-number">12</p>').and.contain('Boulangerie Martin').and.not.contain('Pâtisserie Durand');
    expect(await installationRows(a)).to.deep.equal([['Boulangerie Martin transférée à un autre partenaire', '1', '12']]);
    await a.get(`/subscription/recharges/${fromB}`).expect(404);

    // B: the own recharge only.
    const historyB = (await b.get('/subscription/recharges').expect(200)).text;
    expect(historyB).to.contain('>1 recharge<').and.contain('Pâtisserie Durand').and.not.contain('Boulangerie Martin');
    expect((await csvRows(b)).map((r) => [r.id, r.customer, r.units, r.serial])).to.deep.equal([[fromB, 'Pâtisserie Durand', '5', '2']]);
    const dashB = (await b.get('/subscription/dashboard').expect(200)).text;
    expect(dashB).to.contain('<p class="big-number">5</p>').and.contain('Pâtisserie Durand — 5').and.not.contain('Boulangerie Martin').and.not.contain('— 17');
    expect(await installationRows(b)).to.deep.equal([['Pâtisserie Durand', '1', '5']]);
    expect((await b.get('/subscription/recharges?q=boulangerie').expect(200)).text).to.contain('>0 recharge<');
  });
});
