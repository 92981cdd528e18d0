/**
 * The invoice identity on the account page: the postal address (several
 * lines) and the intra-EU VAT number, saved normalised, refused with the
 * field's error when malformed (control characters never reach the form: the
 * request is refused with a 400 first, src/http/control-chars.ts), and used by the next invoice (reverse charge
 * for an EU business outside France).
 */
import { expect } from 'chai';
import { createAccount, csrfOf, loginAgent } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { decodeHtml } from '../../helpers/forms.js';

describe('the billing identity of a partner account (address, VAT number)', () => {
  let ctx: TestContext;
  beforeEach(async () => { ctx = await createTestContext({ seed: false }); });
  afterEach(async () => { await ctx.close(); });

  const profile = { company: 'Drukkerij Peeters', name: 'An Peeters', phone: '+32 2 123 45 67', country: 'BE', locale: 'fr' };

  it('saves the address and the VAT number (spaces and dots removed, upper case) and the next invoice is reverse-charged', async () => {
    const id = await createAccount(ctx, 'an@example.be');
    const agent = await loginAgent(ctx, 'an@example.be');
    const csrf = await csrfOf(agent, '/subscription/account');
    await agent.post('/subscription/account/profile').type('form')
      .send({ ...profile, address: 'Grote Markt 1\r\n1000 Brussel', vat_number: 'be 0123.456.789', _csrf: csrf }).expect(303);
    const page = decodeHtml((await agent.get('/subscription/account').expect(200)).text);
    expect(page).to.contain('Votre profil a été enregistré.').and.contain('value="BE0123456789"').and.match(/Grote Markt 1\r?\n1000 Brussel<\/textarea>/);
    const row = (await ctx.db('accounts').where({ id }).first('address', 'vat_number')) as { address: string; vat_number: string };
    expect(row.vat_number).to.equal('BE0123456789');
    const draft = await ctx.handle.billing.invoices.createDraft(id, [{ description: 'Abonnement', quantity: 1, unitPrice: 4900 }]);
    const inv = await ctx.handle.billing.invoices.finalise(draft, { id: null, email: null, ip: null, userAgent: null });
    expect(inv).to.include({ totalVat: 0, totalTtc: 4900 });
  });

  it('re-renders the form with the field errors for a malformed VAT number or an address past 500 characters, and saves nothing', async () => {
    const id = await createAccount(ctx, 'an@example.be');
    const agent = await loginAgent(ctx, 'an@example.be');
    const csrf = await csrfOf(agent, '/subscription/account');
    const bad = await agent.post('/subscription/account/profile').type('form')
      .send({ ...profile, address: 'Grote Markt 1 '.repeat(40), vat_number: '12345', _csrf: csrf }).expect(422);
    const text = decodeHtml(bad.text);
    expect(text).to.contain('Ce numéro de TVA n’est pas valide').and.contain('500 caractères au maximum.').and.contain('value="12345"');
    const row = (await ctx.db('accounts').where({ id }).first('address', 'vat_number')) as { address: string | null; vat_number: string | null };
    expect(row).to.deep.equal({ address: null, vat_number: null });
    // Emptied fields clear what was saved.
    await agent.post('/subscription/account/profile').type('form').send({ ...profile, address: 'Grote Markt 1', vat_number: 'BE0123456789', _csrf: csrf })
      .expect(303);
    await agent.post('/subscription/account/profile').type('form').send({ ...profile, address: '', vat_number: '', _csrf: csrf }).expect(303);
    expect(await ctx.db('accounts').where({ id }).first('address', 'vat_number')).to.deep.equal({ address: null, vat_number: null });
  });
});
