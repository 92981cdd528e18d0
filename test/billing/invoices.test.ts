/**
 * InvoicesService on the run's database: numbering under concurrency, the
 * triggers that freeze a finalised document, the stored PDF (text and
 * bytes), credit notes, and the hash chain with billing:verify.
 */
import { expect } from 'chai';
import * as immutable from '../../db/migrations/20261206000900_invoices-immutable.js';
import { formatMoney } from '../../src/billing/index.js';
import { cli } from '../helpers/cli.js';
import { billingBed, pdfText, type BillingBed } from './setup.js';

const LINE = { description: 'Abonnement Pro — novembre 2026', quantity: 1, unitPrice: 4990 };
const norm = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('InvoicesService', () => {
  let bed: BillingBed;
  beforeEach(async () => { bed = await billingBed(); });
  afterEach(async () => { await bed.close(); });

  it('gives 20 simultaneous finalisations 20 consecutive numbers and an intact chain', async () => {
    const partner = await bed.partner();
    const drafts = await Promise.all(Array.from({ length: 20 }, () => bed.invoices.createDraft(partner, [LINE])));
    const done = await Promise.all(drafts.map((id) => bed.invoices.finalise(id, bed.actor)));
    expect(done.map((d) => d.number).sort()).to.deep.equal(Array.from({ length: 20 }, (_, i) => `FA-2026-${String(i + 1).padStart(6, '0')}`));
    expect(done.map((d) => d.chainSeq).sort((a, b) => a! - b!)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await bed.invoices.verifyChain()).to.deep.equal({ ok: true, checked: 20 });
  });

  it('keeps the counter across years (the year is a prefix only) and refuses to finalise twice', async () => {
    const partner = await bed.partner();
    const a = await bed.invoices.finalise(await bed.invoices.createDraft(partner, [LINE]), bed.actor);
    bed.clock.advance(60 * 86400);
    const b = await bed.invoices.finalise(await bed.invoices.createDraft(partner, [LINE]), bed.actor);
    expect([a.number, b.number]).to.deep.equal(['FA-2026-000001', 'FA-2027-000002']);
    let err: unknown;
    await bed.invoices.finalise(a.id, bed.actor).catch((e: unknown) => { err = e; });
    expect(err).to.have.property('status', 409);
  });

  it('computes totals by the rounding rule, with VAT at 20 % and 5.5 %', async () => {
    const partner = await bed.partner();
    const inv = await bed.invoices.finalise(await bed.invoices.createDraft(partner, [
      { description: 'Formation', quantity: 3, unitPrice: 335, vatRateBp: 550 }, { description: 'Pack', quantity: 2, unitPrice: 1999, discount: 500 },
    ]), bed.actor);
    expect(inv).to.include({ totalHt: 4503, totalVat: 755, totalTtc: 5258, amountDue: 5258, status: 'open', dueDate: '2026-12-22' });
    expect(inv.vatBreakdown).to.deep.equal([{ rateBp: 550, base: 1005, vat: 55 }, { rateBp: 2000, base: 3498, vat: 700 }]);
  });

  it('refuses, in the database, to edit or delete a finalised invoice or its lines; only status and payment change', async () => {
    const partner = await bed.partner();
    const inv = await bed.invoices.finalise(await bed.invoices.createDraft(partner, [LINE]), bed.actor);
    const refused = async (p: PromiseLike<unknown>) => {
      let err: unknown;
      await Promise.resolve(p).catch((e: unknown) => { err = e; });
      expect(String(err)).to.match(/cannot be changed/);
    };
    await refused(bed.db('invoices').where({ id: inv.id }).update({ total_ttc: 1 }));
    await refused(bed.db('invoices').where({ id: inv.id }).update({ number: 'FA-2026-999999' }));
    await refused(bed.db('invoices').where({ id: inv.id }).update({ pdf: Buffer.from('x') }));
    await refused(bed.db('invoices').where({ id: inv.id }).update({ status: 'draft' }));
    await refused(bed.db('invoices').where({ id: inv.id }).delete());
    await refused(bed.db('invoice_lines').where({ invoice_id: inv.id }).update({ unit_price: 1 }));
    await refused(bed.db('invoice_lines').where({ invoice_id: inv.id }).delete());
    const line = { invoice_id: inv.id, position: 9, description: 'x', quantity: 1, unit_price: 1, vat_rate_bp: 0, total_ht: 1 };
    await refused(bed.db('invoice_lines').insert(line));
    await bed.db('invoices').where({ id: inv.id }).update({ status: 'paid', amount_paid: inv.amountDue, paid_at: bed.clock.now().toISOString() });
    expect((await bed.invoices.byId(inv.id))!.status).to.equal('paid');
    // A draft stays editable and deletable.
    const draft = await bed.invoices.createDraft(partner, [LINE]);
    await bed.db('invoice_lines').where({ invoice_id: draft }).delete();
    await bed.db('invoices').where({ id: draft }).delete();
    expect(await bed.invoices.byId(draft)).to.equal(null);
  });

  it('stores a French PDF with number, totals and mentions, served as the same bytes on every read', async () => {
    const partner = await bed.partner();
    const inv = await bed.invoices.finalise(await bed.invoices.createDraft(partner, [LINE]), bed.actor);
    const pdf = (await bed.invoices.pdf(inv.id))!;
    expect(pdf.subarray(0, 5).toString()).to.equal('%PDF-');
    expect((await bed.invoices.pdf(inv.id))!.equals(pdf)).to.equal(true);
    const text = await pdfText(pdf, bed.dir);
    for (const s of ['Facture N° FA-2026-000001', 'Artisan ND SAS', 'SIRET 12345678900012', 'Imprimerie Durand', 'Abonnement Pro',
      `Total TTC ${norm(formatMoney(5988, 'EUR', 'fr'))}`, `Net à payer ${norm(formatMoney(5988, 'EUR', 'fr'))}`, 'TVA 20 %',
      "Date d'échéance du paiement : 22 décembre 2026.", 'Indemnité forfaitaire pour frais de recouvrement', '40 €',
      'trois fois le taux d\'intérêt légal', "Pas d'escompte"]) {
      expect(text, s).to.include(s);
    }
  });

  it('writes the PDF in English for an English buyer, with reverse charge for an EU business outside France', async () => {
    const partner = await bed.partner({ locale: 'en', country: 'DE', vat_number: 'DE123456789', company: 'Druckerei Müller GmbH' });
    const inv = await bed.invoices.finalise(await bed.invoices.createDraft(partner, [LINE]), bed.actor);
    expect(inv).to.include({ totalVat: 0, totalTtc: 4990 });
    const text = await pdfText((await bed.invoices.pdf(inv.id))!, bed.dir);
    for (const s of ['Invoice No. FA-2026-000001', 'Druckerei Müller GmbH', 'VAT no. DE123456789', 'Total incl. VAT €49.90', 'Amount due €49.90',
      'Payment due date: December 22, 2026.', 'Reverse charge', 'Autoliquidation', 'Fixed compensation for recovery costs']) {
      expect(text, s).to.include(s);
    }
  });

  it('charges no VAT to a business outside the EU and prints art. 259-1 of the CGI; a consumer there still pays French VAT', async () => {
    const business = await bed.partner({ locale: 'fr', country: 'SN', company: 'Imprimerie de Dakar SARL' });
    const inv = await bed.invoices.finalise(await bed.invoices.createDraft(business, [LINE]), bed.actor);
    expect(inv).to.include({ totalVat: 0, totalTtc: 4990 });
    expect(await pdfText((await bed.invoices.pdf(inv.id))!, bed.dir)).to.include('art. 259-1 du CGI');
    const consumer = await bed.partner({ locale: 'fr', country: 'SN', company: '' });
    expect(await bed.invoices.finalise(await bed.invoices.createDraft(consumer, [LINE]), bed.actor)).to.include({ totalVat: 998, totalTtc: 5988 });
    const monaco = await bed.partner({ locale: 'fr', country: 'MC', company: 'Imprimerie du Rocher' });
    expect(await bed.invoices.finalise(await bed.invoices.createDraft(monaco, [LINE]), bed.actor)).to.include({ totalVat: 998 });
  });

  it('issues a credit note citing the invoice, which cancels an unpaid invoice credited in full', async () => {
    const partner = await bed.partner();
    const inv = await bed.invoices.finalise(await bed.invoices.createDraft(partner, [LINE]), bed.actor);
    const note = await bed.invoices.creditNote(inv.id, { amount: 4990, reason: 'Erreur de plan' }, bed.actor);
    expect(note).to.include({ kind: 'credit_note', number: 'AV-2026-000001', totalTtc: 5988, creditedInvoiceId: inv.id });
    expect((await bed.invoices.byId(inv.id))!.status).to.equal('cancelled');
    const text = await pdfText((await bed.invoices.pdf(note.id))!, bed.dir);
    expect(text).to.include('Avoir N° AV-2026-000001').and.include('Avoir sur la facture FA-2026-000001 du 22 novembre 2026').and.include('Erreur de plan');
    let err: unknown;
    await bed.invoices.creditNote(inv.id, { amount: 1, reason: 'encore' }, bed.actor).catch((e: unknown) => { err = e; });
    expect(err).to.have.property('fields').that.deep.equals({ amount: 'billing:errors.credit_exceeds' });
    expect(await bed.invoices.verifyChain()).to.deep.equal({ ok: true, checked: 2 });
  });

  it('writes "TVA non applicable, art. 293 B du CGI" and charges no VAT under the franchise regime', async () => {
    const franchise = await billingBed({ BILLING_VAT_REGIME: 'franchise' });
    try {
      const partner = await franchise.partner();
      const inv = await franchise.invoices.finalise(await franchise.invoices.createDraft(partner, [LINE]), franchise.actor);
      expect(inv).to.include({ totalVat: 0, totalTtc: 4990 });
      expect(await pdfText((await franchise.invoices.pdf(inv.id))!, franchise.dir)).to.include('TVA non applicable, art. 293 B du CGI.');
    } finally {
      await franchise.close();
    }
  });

  it('totals an XOF invoice in whole francs', async () => {
    // A consumer in Senegal pays French VAT (a business there would not: art. 259-1 of the CGI, tested above).
    const partner = await bed.partner({ country: 'SN', company: '' });
    const inv = await bed.invoices.finalise(await bed.invoices.createDraft(partner, [{ description: 'Pack 1 000 unités', quantity: 1, unitPrice: 32750 }],
      { currency: 'XOF' }), bed.actor);
    expect(inv).to.include({ totalHt: 32750, totalVat: 6550, totalTtc: 39300 });
    expect(await pdfText((await bed.invoices.pdf(inv.id))!, bed.dir)).to.include(`Net à payer ${norm(formatMoney(39300, 'XOF', 'fr'))}`);
  });

  it('billing:verify names the first document altered directly in the database and exits 1', async () => {
    const partner = await bed.partner();
    for (let i = 0; i < 3; i++) await bed.invoices.finalise(await bed.invoices.createDraft(partner, [LINE]), bed.actor);
    const env = { ...bed.env, NODE_ENV: 'test' };
    const intact = await cli('billing-verify.ts', [], env, '');
    expect(intact.code, intact.err).to.equal(0);
    expect(intact.out).to.include('3 documents checked');
    await immutable.down(bed.db);
    try {
      await bed.db('invoices').where({ number: 'FA-2026-000002' }).update({ total_ttc: 1 });
    } finally {
      await immutable.up(bed.db);
    }
    expect(await bed.invoices.verifyChain()).to.deep.include({ ok: false, number: 'FA-2026-000002', reason: 'hash' });
    const broken = await cli('billing-verify.ts', [], env, '');
    expect(broken.code).to.equal(1);
    expect(broken.err).to.include('Chain broken at FA-2026-000002').and.include('does not match its hash');
  });
});
