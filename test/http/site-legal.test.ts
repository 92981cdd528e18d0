import { expect } from 'chai';
import request from 'supertest';
import { createTestContext, type TestContext } from '../helpers/context.js';

const LEGAL_ENV = {
  LEGAL_PUBLISHER_NAME: 'Atelier Numéro SARL',
  LEGAL_PUBLISHER_ADDRESS: '12 rue des Imprimeurs, 69002 Lyon',
  LEGAL_PUBLISHER_PHONE: '+33 4 78 00 00 00',
  LEGAL_PUBLISHER_REGISTRATION: 'SARL au capital de 8 000 €, RCS Lyon 912 345 678',
  LEGAL_PUBLISHER_VAT: 'FR12912345678',
  LEGAL_PUBLICATION_DIRECTOR: 'Claire Martin',
  LEGAL_CONTACT_EMAIL: 'legal@atelier-numero.example',
  LEGAL_HOST_NAME: 'Hébergeur Exemple SAS',
  LEGAL_HOST_ADDRESS: '2 rue Kellermann, 59100 Roubaix',
  LEGAL_HOST_PHONE: '+33 9 00 00 00 00',
};

describe('GET /subscription (the way in for partners)', () => {
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext(); });
  after(async () => { await ctx.close(); });

  it('offers "Become a partner" linking to the registration form, and Contact as a second choice', async () => {
    const fr = await request(ctx.app).get('/subscription').expect(200);
    expect(fr.text).to.match(/<a class="btn btn-primary" href="\/subscription\/register">Devenir partenaire<\/a>/);
    expect(fr.text).to.match(/<a class="btn btn-secondary" href="\/contact">Nous contacter<\/a>/);
    const en = await request(ctx.app).get('/subscription').set('Accept-Language', 'en').expect(200);
    expect(en.text).to.match(/<a class="btn btn-primary" href="\/subscription\/register">Become a partner<\/a>/);
    await request(ctx.app).get('/subscription/register').expect(200);
  });

  it('links the terms checkbox of the registration form to /terms and /privacy, which answer', async () => {
    const page = await request(ctx.app).get('/subscription/register').expect(200);
    const hint = /<p class="hint" id="terms-links">([\s\S]*?)<\/p>/.exec(page.text)?.[1] ?? '';
    expect(hint).to.contain('href="/terms"').and.contain('href="/privacy"').and.contain('conditions générales');
    await request(ctx.app).get('/terms').expect(200);
    await request(ctx.app).get('/privacy').expect(200);
  });
});

describe('GET /legal, /terms, /privacy', () => {
  describe('with the legal identity configured', () => {
    let ctx: TestContext;
    before(async () => { ctx = await createTestContext({ env: LEGAL_ENV }); });
    after(async () => { await ctx.close(); });

    it('shows the publisher, the director of publication and the host on /legal, in French and English', async () => {
      const fr = await request(ctx.app).get('/legal').expect(200);
      expect(fr.text).to.contain('<h1>Mentions légales</h1>');
      for (const v of Object.values(LEGAL_ENV)) expect(fr.text, v).to.contain(v);
      expect(fr.text).to.contain('Directeur de la publication').and.contain('Hébergeur').and.not.contain('non renseigné');
      const en = await request(ctx.app).get('/legal?lang=en').expect(200);
      expect(en.text).to.contain('<h1>Legal notice</h1>').and.contain('Director of publication').and.contain('Claire Martin').and.not.contain('not provided');
    });

    it('gives the partner terms with the publisher as a party', async () => {
      const fr = await request(ctx.app).get('/terms').expect(200);
      expect(fr.text).to.contain('Conditions générales du programme partenaires').and.contain('Atelier Numéro SARL');
      expect(fr.text).to.contain('Recharges et fichiers clés').and.contain('L. 441-10').and.contain('Droit applicable');
      const en = await request(ctx.app).get('/terms').set('Accept-Language', 'en').expect(200);
      expect(en.text).to.contain('Partner program terms and conditions').and.contain('Governing law');
    });

    it('lists on /privacy every kind of data the portal stores, how long, the rights and whom to write to', async () => {
      const fr = await request(ctx.app).get('/privacy').expect(200);
      expect(fr.text).to.contain('Responsable du traitement').and.contain('legal@atelier-numero.example');
      for (const kind of ['Compte partenaire', 'Sessions', 'Journal d’audit', 'Journal des téléchargements', 'Messages de contact', 'Recharges']) {
        expect(fr.text, kind).to.contain(kind);
      }
      expect(fr.text).to.contain('Durée de conservation').and.contain('adresse IP').and.contain('CNIL').and.contain('portabilité');
      const en = await request(ctx.app).get('/privacy?lang=en').expect(200);
      expect(en.text).to.contain('Controller').and.contain('Download log').and.contain('Retention').and.contain('CNIL');
    });
  });

  describe('with no legal identity configured (a fresh npm start)', () => {
    let ctx: TestContext;
    before(async () => { ctx = await createTestContext(); });
    after(async () => { await ctx.close(); });

    it('says visibly that the identity is missing instead of inventing one', async () => {
      for (const path of ['/legal', '/terms', '/privacy']) {
        const fr = await request(ctx.app).get(path).expect(200);
        expect(fr.text, path).to.contain('n’a pas encore renseigné toutes ses informations légales').and.contain('<em class="missing">non renseigné</em>');
        const en = await request(ctx.app).get(path).set('Accept-Language', 'en').expect(200);
        expect(en.text, path).to.contain('has not yet provided all of its legal information').and.contain('<em class="missing">not provided</em>');
      }
    });
  });
});

describe('the legal-page navigation keys', () => {
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext(); });
  after(async () => { await ctx.close(); });

  it('name each page in French and English (for the footer)', async () => {
    const fr = await request(ctx.app).get('/legal').expect(200);
    expect(fr.text).to.contain('Conditions générales</a>').and.contain('Données personnelles</a>');
    const en = await request(ctx.app).get('/legal?lang=en').expect(200);
    expect(en.text).to.contain('>Terms</a>').and.contain('>Privacy</a>');
  });
});
