/** /admin/installations: the list (search, owner filter, CSV), the installation page and the transfer to another partner. */
import { expect } from 'chai';
import { createAccount, loginAgent, request } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { csrfFrom, type Agent } from '../../helpers/forms.js';
import { credit, newInstallation, postConfirmed, prepare, recharge, type TestInstallation } from '../../helpers/recharge.js';
import { csvLines } from '../../helpers/csv.js';
import { auditSentence } from '../../helpers/audit.js';

describe('admin installations', function () {
  let ctx: TestContext;
  let oldId: number;
  let newId: number;
  let oldOwner: Agent;
  let admin: Agent;
  let inst: TestInstallation;
  let instId: number;
  beforeEach(async () => {
    ctx = await createTestContext();
    oldId = await createAccount(ctx, 'inst-old@example.fr');
    newId = await createAccount(ctx, 'inst-new@example.fr');
    await createAccount(ctx, 'inst-admin@example.fr', 'admin');
    await credit(ctx, oldId, 100);
    await credit(ctx, newId, 100);
    oldOwner = await loginAgent(ctx, 'inst-old@example.fr');
    admin = await loginAgent(ctx, 'inst-admin@example.fr');
    inst = newInstallation();
    await recharge(oldOwner, inst, 12, 'Boulangerie Martin');
    await recharge(oldOwner, inst, 8, 'Boulangerie Martin');
    instId = Number((await ctx.db('installations').where({ code: inst.code }).first('id')).id);
  });
  afterEach(async () => ctx.close());

  it('lists installations with their owner and totals; searches by code (any formatting) or customer; filters by owner; exports CSV', async () => {
    await recharge(await loginAgent(ctx, 'inst-new@example.fr'), newInstallation(), 5, 'Garage Dupont');
    const all = (await admin.get('/admin/installations').expect(200)).text;
    expect(all).to.contain('2 résultats').and.contain('Boulangerie Martin').and.contain('Garage Dupont');
    expect(all).to.contain(`href="/admin/partners/${oldId}"`).and.contain('inst-old@example.fr').and.contain(inst.formatted.slice(0, 11));
    expect(all).to.match(/Boulangerie Martin<\/td>.*?<td class="number">20<\/td><td class="number">2<\/td><td class="number">2<\/td>/s);
    for (const q of [inst.code.slice(3, 20), inst.formatted.slice(0, 17).toLowerCase(), inst.formatted.slice(6, 17).replace(/-/g, ' '), 'boulangerie']) {
      const page = (await admin.get(`/admin/installations?q=${encodeURIComponent(q)}`).expect(200)).text;
      expect(page, q).to.contain('1 résultat').and.contain('Boulangerie Martin');
    }
    expect((await admin.get('/admin/installations?q=zzz-nothing').expect(200)).text).to.contain('Aucun résultat pour ces filtres.');
    expect((await admin.get('/admin/installations?owner=INST-NEW@example.fr').expect(200)).text).to.contain('Garage Dupont')
      .and.not.contain('Boulangerie Martin');
    expect((await admin.get(`/admin/installations?owner=${oldId}`).expect(200)).text).to.contain('Boulangerie Martin').and.not.contain('Garage Dupont');
    const ref = (await ctx.db('accounts').where({ id: oldId }).first('public_ref')).public_ref as string;
    expect((await admin.get(`/admin/installations?owner=${ref.toLowerCase()}`).expect(200)).text).to.contain('Boulangerie Martin')
      .and.not.contain('Garage Dupont');
    const csv = await admin.get('/admin/installations?format=csv&sep=comma&sort=units&dir=desc').expect(200).expect('Content-Type', /text\/csv/);
    const lines = csvLines(csv);
    expect(lines[0]).to.equal('id,installation_code,customer,partner_email,partner_ref,total_units,recharge_count,last_serial,created_at,updated_at');
    expect(lines[1]).to.contain(`${inst.formatted},Boulangerie Martin,inst-old@example.fr,${ref},20,2,2,`);
    expect(lines).to.have.length(3);
  });

  it('shows an installation with its owner, totals and recharges', async () => {
    const page = (await admin.get(`/admin/installations/${instId}`).expect(200)).text;
    expect(page).to.contain(inst.formatted).and.contain('inst-old@example.fr').and.contain('id="total-units">20<').and.contain('2 recharges');
    expect(page).to.contain('id="transfer-form"');
    await admin.get('/admin/installations/999999').expect(404);
    await admin.get('/admin/installations/abc').expect(404);
  });

  it('transfers to another partner after confirmation, with an audit row; then the old owner is refused and the new one recharges', async () => {
    const page = `/admin/installations/${instId}`;
    const action = `/admin/installations/${instId}/transfer`;
    const noReason = await postConfirmed(admin, page, action, { to: 'inst-new@example.fr', reason: '' });
    expect(noReason.first.status).to.equal(422);
    expect(noReason.first.text).to.contain('Indiquez un motif.').and.contain('value="inst-new@example.fr"');
    const unknown = await postConfirmed(admin, page, action, { to: 'nobody@example.fr', reason: 'x' });
    expect(unknown.first.status).to.equal(422);
    expect(unknown.first.text).to.contain('Aucun partenaire n’a cet e-mail');
    const same = await postConfirmed(admin, page, action, { to: 'inst-old@example.fr', reason: 'x' });
    expect(same.first.text).to.contain('déjà le propriétaire');
    await createAccount(ctx, 'inst-suspended@example.fr');
    await ctx.db('accounts').where({ email: 'inst-suspended@example.fr' }).update({ state: 'suspended' });
    expect((await postConfirmed(admin, page, action, { to: 'inst-suspended@example.fr', reason: 'x' })).first.text).to.contain('n’est pas actif');
    expect(Number((await ctx.db('installations').where({ id: instId }).first()).partner_id)).to.equal(oldId);

    const ref = (await ctx.db('accounts').where({ id: newId }).first('public_ref')).public_ref as string;
    const { first, final } = await postConfirmed(admin, page, action, { to: ref, reason: 'Le client change de revendeur' });
    expect(first.status).to.equal(200);
    expect(first.text).to.contain('Confirmer le transfert').and.contain('de inst-old@example.fr à inst-new@example.fr')
      .and.contain('Le client change de revendeur');
    expect(final.status).to.equal(303);
    const after = (await admin.get(final.headers.location!).expect(200)).text;
    expect(after).to.contain('transférée à inst-new@example.fr').and.contain('id="owner-email">inst-new@example.fr<');
    expect(Number((await ctx.db('installations').where({ id: instId }).first()).partner_id)).to.equal(newId);
    const audit = await ctx.db('audit_log').where({ action: 'installation.transferred' }).first();
    expect(audit).to.include({ actor_email: 'inst-admin@example.fr', target_type: 'installation', target_id: String(instId) });
    expect(auditSentence(audit)).to.contain('from inst-old@example.fr to inst-new@example.fr: Le client change de revendeur');
    // past recharges stay with who paid for them
    expect((await ctx.db('recharges').where({ partner_id: oldId })).length).to.equal(2);

    const refused = await prepare(oldOwner, { installation_code: inst.code, units: '1' });
    expect(refused.status).to.equal(422);
    expect(refused.text).to.contain('déjà suivie par un autre partenaire');
    const id = await recharge(await loginAgent(ctx, 'inst-new@example.fr'), inst, 4);
    expect(await ctx.db('recharges').where({ id }).first()).to.include({ serial: 3, partner_id: newId });
    expect(Number((await ctx.db('installations').where({ id: instId }).first()).total_units)).to.equal(24);
  });

  it('lets support read but not transfer; partners and visitors are kept out', async () => {
    await createAccount(ctx, 'inst-support@example.fr', 'support');
    const support = await loginAgent(ctx, 'inst-support@example.fr');
    expect((await support.get('/admin/installations').expect(200)).text).to.contain('Boulangerie Martin');
    const page = (await support.get(`/admin/installations/${instId}`).expect(200)).text;
    expect(page).to.contain('inst-old@example.fr').and.not.contain('id="transfer-form"').and.not.contain('/transfer"');
    const csrf = csrfFrom(page); // the logout form's token: a valid one, so the 403 is the role's
    await support.post(`/admin/installations/${instId}/transfer`)
      .type('form')
      .send({ to: 'inst-new@example.fr', reason: 'x', confirm: 'yes', _csrf: csrf })
      .expect(403);
    expect(Number((await ctx.db('installations').where({ id: instId }).first()).partner_id)).to.equal(oldId);
    await oldOwner.get('/admin/installations').expect(403);
    await oldOwner.get(`/admin/installations/${instId}`).expect(403);
    const anonymous = await request(ctx.app).get('/admin/installations');
    expect(anonymous.status).to.equal(303);
    expect(anonymous.headers.location).to.contain('/subscription/login');
  });

  it('is in English too', async () => {
    const page = (await admin.get(`/admin/installations/${instId}?lang=en`).set('Accept-Language', 'en').expect(200)).text;
    expect(page).to.contain('Transfer to another partner').and.contain('Installation of Boulangerie Martin');
  });
});
