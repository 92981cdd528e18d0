/**
 * Support tickets: customers and partners open tickets and reply (with checked attachments), staff work them from
 * /admin/tickets (filters, reply, assign, close); the other side is mailed; another account's ticket is a 404.
 */
import { expect } from 'chai';
import request from 'supertest';
import { createAccount, csrfOf, loginAgent, waitMail } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { csrfFrom, type Agent } from '../../helpers/forms.js';

const text = (html: string): string => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/\s+/g, ' ');

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR fake image body')]);
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n');
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x10, 0, 0, 0]), Buffer.from('WEBPVP8 body')]);

/** `name` is sent as it is (form-data keeps `filepath` whole, but cuts `filename` to its base name). */
interface File { name: string; bytes: Buffer; type?: string }

describe('support tickets', function () {
  this.timeout(60000);
  let ctx: TestContext;
  let customer: Agent;
  let partner: Agent;
  let other: Agent;
  let support: Agent;
  let admin: Agent;
  let supportId: number;
  let licenseId: number;
  let otherLicenseId: number;

  /** Post a multipart message form: `fields` as text, `files` as attachments. */
  async function postForm(agent: Agent, page: string, action: string, fields: Record<string, string>, files: File[] = []): Promise<request.Response> {
    let req = agent.post(action).field('_csrf', await csrfOf(agent, page));
    for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
    for (const f of files) {
      const options = { filepath: f.name, contentType: f.type ?? 'application/octet-stream' }; // handed on to form-data as they are
      req = req.attach('attachments', f.bytes, options);
    }
    return req;
  }
  const open = (agent: Agent, fields: Record<string, string>, files: File[] = []) => postForm(agent, '/support/tickets/new', '/support/tickets', fields, files);
  const idOf = (res: request.Response): number => Number(/^\/support\/tickets\/(\d+)$/.exec(String(res.headers.location))?.[1]);
  const count = async (table: string): Promise<number> => Number((await ctx.db(table).count({ n: '*' }).first() as { n: unknown }).n);
  const staffPost = async (agent: Agent, id: number, action: string, fields: Record<string, string>): Promise<request.Response> =>
    agent.post(`/admin/tickets/${id}/${action}`).type('form').send({ _csrf: await csrfOf(agent, `/admin/tickets/${id}`), ...fields });

  async function license(email: string, publicId: string): Promise<number> {
    const at = ctx.clock.now().toISOString();
    const productId = Number((await ctx.db('products').where({ code: 'easyfacture' }).first('id')).id);
    await ctx.db('licenses').insert({
      public_id: publicId, product_id: productId, machine_id: publicId.replace(/-/g, '').slice(0, 32), email, license_type: 'monthly', state: 'active',
      issued_at: at, expires_at: '2026-12-22T10:00:00.000Z', created_at: at, updated_at: at,
    });
    return Number((await ctx.db('licenses').where({ public_id: publicId }).first('id')).id);
  }

  before(async () => {
    ctx = await createTestContext();
    await createAccount(ctx, 'client@example.fr', 'customer');
    await createAccount(ctx, 'revendeur@example.fr');
    await createAccount(ctx, 'autre@example.fr', 'customer');
    supportId = await createAccount(ctx, 'support@artisan-nd.test', 'support');
    await createAccount(ctx, 'chef@artisan-nd.test', 'admin');
    customer = await loginAgent(ctx, 'client@example.fr');
    partner = await loginAgent(ctx, 'revendeur@example.fr');
    other = await loginAgent(ctx, 'autre@example.fr');
    support = await loginAgent(ctx, 'support@artisan-nd.test');
    admin = await loginAgent(ctx, 'chef@artisan-nd.test');
    licenseId = await license('Client@example.fr', '00000000-0000-4000-8000-00000000aa01');
    otherLicenseId = await license('autre@example.fr', '00000000-0000-4000-8000-00000000bb02');
  });
  after(async () => ctx?.close());

  describe('GET /support/tickets', () => {
    it('shows an empty state to a customer without tickets, and the way to open one', async () => {
      const page = (await customer.get('/support/tickets').expect(200)).text;
      expect(text(page)).to.contain("Vous n'avez encore ouvert aucune demande");
      expect(page).to.contain('href="/support/tickets/new"');
      // In the customer area's navigation, beside the orders and licenses.
      expect(page).to.match(/<a href="\/support\/tickets" aria-current="page">/).and.contain('href="/orders"');
    });

    it('is for customers and partners: anonymous visitors go to the login page, staff get a 403', async () => {
      const anon = await request(ctx.app).get('/support/tickets');
      expect(anon.status).to.equal(303);
      expect(anon.headers.location).to.match(/^\/subscription\/login/);
      await support.get('/support/tickets').expect(403);
    });
  });

  describe('POST /support/tickets', () => {
    it('opens a ticket with a PNG and a PDF, shown in the thread and in the list as waiting for the team', async () => {
      const fields = { subject: 'Licence refusée <b>vite</b>', message: 'Mon poste affiche "trop d\'appareils".', license_id: String(licenseId) };
      const res = await open(customer, fields, [
        { name: 'capture écran.png', bytes: PNG, type: 'image/png' }, { name: 'facture.pdf', bytes: PDF, type: 'application/pdf' },
      ]);
      expect(res.status, res.text.slice(0, 300)).to.equal(303);
      const id = idOf(res);
      const page = (await customer.get(`/support/tickets/${id}`).expect(200)).text;
      expect(page).to.contain('Licence refusée &lt;b&gt;vite&lt;/b&gt;').and.not.contain('<b>vite</b>');
      expect(text(page)).to.contain('Demande n° ' + id + ' envoyée').and.contain('capture écran.png').and.contain('facture.pdf')
        .and.contain('00000000-0000-4000-8000-00000000aa01').and.contain("En attente de l'équipe");
      const list = text((await customer.get('/support/tickets').expect(200)).text);
      expect(list).to.contain('1 demande').and.contain('Licence refusée').and.contain("En attente de l'équipe");
    });

    it('serves an attachment to its owner as a download of the detected type, not sniffed', async () => {
      const res = await open(customer, { subject: 'Image WebP', message: 'Voici la capture.' }, [{ name: 'photo.png', bytes: WEBP, type: 'image/png' }]);
      const id = idOf(res);
      const row = await ctx.db('support_attachments').where({ ticket_id: id }).first();
      expect(row.stored_name).to.match(/^[0-9a-f]{32}$/);
      const file = await customer.get(`/support/tickets/${id}/attachments/${row.id}`).buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      }).expect(200);
      expect(file.headers['content-type']).to.equal('image/webp');
      expect(file.headers['content-disposition']).to.match(/^attachment; filename="?photo\.png"?$/);
      expect(file.headers['x-content-type-options']).to.equal('nosniff');
      expect(Buffer.compare(file.body as Buffer, WEBP)).to.equal(0);
    });

    it('refuses attachments of the wrong type, oversized, empty, with a path in the name or too many, with a field error and no ticket', async () => {
      const before = await count('support_tickets');
      const cases: [File[], string][] = [
        [[{ name: 'image.png', bytes: Buffer.from('<?php echo 1; ?>'), type: 'image/png' }], 'Seules les images (PNG, JPEG, GIF, WebP) et les PDF'],
        [[{ name: 'page.html', bytes: Buffer.from('<html><script>alert(1)</script>'), type: 'text/html' }], 'Seules les images'],
        [[{ name: 'grand.png', bytes: Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024)]), type: 'image/png' }], 'Chaque fichier fait 5 Mo au plus'],
        [[{ name: 'vide.pdf', bytes: Buffer.alloc(0), type: 'application/pdf' }], 'Un des fichiers est vide'],
        [[{ name: '../../etc/passwd.png', bytes: PNG, type: 'image/png' }], "Le nom d'un fichier n'est pas admis"],
        [[{ name: '..\\..\\win.png', bytes: PNG, type: 'image/png' }], "Le nom d'un fichier n'est pas admis"],
        [[{ name: 'facture\u202efdp.exe', bytes: PDF, type: 'application/pdf' }], "Le nom d'un fichier n'est pas admis"],
        [[1, 2, 3, 4].map((i) => ({ name: `p${i}.png`, bytes: PNG, type: 'image/png' })), 'Trois fichiers au plus'],
      ];
      for (const [files, error] of cases) {
        const res = await open(customer, { subject: 'Pièces jointes', message: 'Voir les fichiers.' }, files);
        expect(res.status, `${files[0]!.name}: ${res.text.slice(0, 200)}`).to.equal(422);
        expect(text(res.text), files[0]!.name).to.contain(error).and.contain('Pièces jointes');
      }
      expect(await count('support_tickets')).to.equal(before);
    });

    it('re-renders missing or hostile fields with their errors (422), never a 5xx', async () => {
      const res = await open(customer, { subject: '', message: '', license_id: 'abc' });
      expect(res.status).to.equal(422);
      expect(text(res.text)).to.contain("Indiquez l'objet").and.contain('Écrivez votre message').and.contain('Choisissez une de vos licences');
      const long = await open(customer, { subject: 'x'.repeat(201), message: 'y'.repeat(10_001) });
      expect(long.status).to.equal(422);
      expect(text(long.text)).to.contain('200 caractères au plus').and.contain('10 000 caractères au plus');
      const control = await open(customer, { subject: 'Objet\u0000', message: 'Bonjour' });
      expect(control.status).to.equal(400);
    });

    it("preselects the license of ?license= and refuses another account's license", async () => {
      const form = (await customer.get(`/support/tickets/new?license=${licenseId}`).expect(200)).text;
      expect(form).to.match(new RegExp(`<option value="${licenseId}" selected>`));
      expect(form).not.to.contain(`value="${otherLicenseId}"`);
      const res = await open(customer, { subject: 'Pas ma licence', message: 'Bonjour', license_id: String(otherLicenseId) });
      expect(res.status).to.equal(422);
      expect(text(res.text)).to.contain('Choisissez une de vos licences');
    });

    it('lets a partner open a ticket, in the partner area', async () => {
      const res = await open(partner, { subject: 'Question revendeur', message: 'Comment recharger ?' });
      expect(res.status).to.equal(303);
      const page = (await partner.get('/support/tickets').expect(200)).text;
      expect(text(page)).to.contain('Question revendeur');
      expect(page).to.contain('class="area-partner"').and.match(/<a href="\/support\/tickets" aria-current="page">/);
    });
  });

  describe("another account's tickets", () => {
    it('answers 404 for the ticket, its attachment, a reply and a close', async () => {
      const id = idOf(await open(customer, { subject: 'Privé', message: 'Rien que pour moi.' }, [{ name: 'a.pdf', bytes: PDF }]));
      const att = (await ctx.db('support_attachments').where({ ticket_id: id }).first()).id as number;
      await other.get(`/support/tickets/${id}`).expect(404);
      await other.get(`/support/tickets/${id}/attachments/${att}`).expect(404);
      await customer.get(`/support/tickets/${id}/attachments/${att + 1000}`).expect(404);
      const csrf = await csrfOf(other, '/support/tickets/new');
      await other.post(`/support/tickets/${id}/reply`).field('_csrf', csrf).field('message', 'Intrus').expect(404);
      await other.post(`/support/tickets/${id}/close`).type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(404);
      expect((await ctx.db('support_tickets').where({ id }).first()).status).to.equal('open');
      expect(await ctx.db('support_messages').where({ ticket_id: id }).count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 1);
      expect(text((await other.get('/support/tickets').expect(200)).text)).not.to.contain('Privé');
    });
  });

  describe('/admin/tickets', () => {
    it('lists the queue for support with status, assignment and search filters', async () => {
      const page = text((await support.get('/admin/tickets').expect(200)).text);
      expect(page).to.contain('Question revendeur').and.contain('client@example.fr');
      const byMail = text((await support.get('/admin/tickets?q=REVENDEUR@').expect(200)).text);
      expect(byMail).to.contain('Question revendeur').and.not.contain('Licence refusée');
      const bySubject = text((await support.get('/admin/tickets?q=licence%20refus').expect(200)).text);
      expect(bySubject).to.contain('1 résultat').and.contain('Licence refusée');
      expect(text((await support.get('/admin/tickets?assigned=me').expect(200)).text)).to.contain('Aucun résultat');
      expect(text((await support.get('/admin/tickets?status=closed').expect(200)).text)).not.to.contain('Question revendeur');
      expect(text((await support.get('/admin/tickets?status=nope&assigned=x&page=-3').expect(200)).text)).to.contain('Question revendeur');
      await partner.get('/admin/tickets').expect(403);
    });

    it('assigns a ticket to oneself (audit row), then the "assigned to me" filter finds it', async () => {
      const id = (await ctx.db('support_tickets').where({ subject: 'Question revendeur' }).first()).id as number;
      const res = await staffPost(support, id, 'assign', { assignee: 'me' });
      expect(res.status).to.equal(303);
      expect(text((await support.get(`/admin/tickets/${id}`).expect(200)).text)).to.contain('Assignation enregistrée').and.contain('support@artisan-nd.test');
      const audit = await ctx.db('audit_log').where({ action: 'ticket.assigned', target_id: String(id) }).first();
      expect(audit.actor_id).to.equal(supportId);
      const mine = text((await support.get('/admin/tickets?assigned=me').expect(200)).text);
      expect(mine).to.contain('Question revendeur').and.contain('1 résultat');
      expect(text((await support.get('/admin/tickets?assigned=none').expect(200)).text)).not.to.contain('Question revendeur');
      const bad = await staffPost(admin, id, 'assign', { assignee: '999999' });
      expect(bad.status).to.equal(422);
      expect(text(bad.text)).to.contain("Choisissez un membre de l'équipe");
    });

    it('a staff reply makes the ticket pending and mails the customer a link to it', async () => {
      const id = (await ctx.db('support_tickets').where({ subject: 'Licence refusée <b>vite</b>' }).first()).id as number;
      expect((await staffPost(admin, id, 'reply', { message: 'Nous avons libéré un poste.' })).status).to.equal(303);
      expect(text((await admin.get(`/admin/tickets/${id}`).expect(200)).text)).to.contain('En attente du client');
      const mail = await waitMail(ctx, 'client@example.fr');
      expect(mail.subject).to.contain(`Réponse à votre demande n° ${id}`);
      expect(mail.text).to.contain(`/support/tickets/${id}`);
      // Its in-app copy (kept before the mail leaves).
      expect(text((await customer.get('/notifications').expect(200)).text)).to.contain(`Réponse à votre demande n° ${id}`);
      const page = text((await customer.get(`/support/tickets/${id}`).expect(200)).text);
      expect(page).to.contain('Nous avons libéré un poste.').and.contain('Équipe artisan_nd').and.contain('En attente de votre réponse');
    });

    it("mails the customer in the account's language", async () => {
      const annId = await createAccount(ctx, 'ann@example.com', 'customer');
      await ctx.db('accounts').where({ id: annId }).update({ locale: 'en' });
      const id = await ctx.handle.support.open({ id: annId, email: 'ann@example.com' }, { subject: 'Invoice copy', message: 'Hello', licenseId: null }, []);
      expect((await staffPost(support, id, 'reply', { message: 'Here it is.' })).status).to.equal(303);
      const mail = await waitMail(ctx, 'ann@example.com');
      expect(mail.subject).to.equal(`Reply to your request no. ${id}: Invoice copy`);
      expect(mail.text).to.contain('See the request').and.contain(`/support/tickets/${id}`).and.not.contain('Here it is.');
    });

    it('a customer reply makes it open again and mails the assignee', async () => {
      const id = (await ctx.db('support_tickets').where({ subject: 'Question revendeur' }).first()).id as number;
      const res = await postForm(partner, `/support/tickets/${id}`, `/support/tickets/${id}/reply`, { message: 'Merci, et pour la facture ?' },
        [{ name: 'facture.pdf', bytes: PDF }]);
      expect(res.status, res.text.slice(0, 300)).to.equal(303);
      expect((await ctx.db('support_tickets').where({ id }).first()).status).to.equal('open');
      const mail = await waitMail(ctx, 'support@artisan-nd.test');
      expect(mail.text).to.contain(`/admin/tickets/${id}`);
      const att = (await ctx.db('support_attachments').where({ ticket_id: id }).first()).id as number;
      const file = await support.get(`/admin/tickets/${id}/attachments/${att}`).expect(200);
      expect(file.headers['content-type']).to.equal('application/pdf');
    });

    it('closes after a confirmation, with an audit row; a customer reply reopens it', async () => {
      const id = (await ctx.db('support_tickets').where({ subject: 'Question revendeur' }).first()).id as number;
      const ask = await staffPost(support, id, 'close', {});
      expect(ask.status).to.equal(200);
      expect(text(ask.text)).to.contain(`La demande n° ${id} sera fermée`);
      expect((await ctx.db('support_tickets').where({ id }).first()).status).to.equal('open');
      expect((await staffPost(support, id, 'close', { confirm: 'yes' })).status).to.equal(303);
      expect((await ctx.db('support_tickets').where({ id }).first()).status).to.equal('closed');
      expect(await ctx.db('audit_log').where({ action: 'ticket.closed', target_id: String(id) }).first()).to.not.equal(undefined);
      expect(text((await partner.get(`/support/tickets/${id}`).expect(200)).text)).to.contain('Cette demande est fermée');
      await postForm(partner, `/support/tickets/${id}`, `/support/tickets/${id}/reply`, { message: 'Encore une question.' });
      expect((await ctx.db('support_tickets').where({ id }).first()).status).to.equal('open');
    });
  });

  describe('POST /support/tickets/:id/close', () => {
    it('asks for a confirmation, then closes the own ticket', async () => {
      const id = idOf(await open(customer, { subject: 'À fermer', message: 'Réglé tout seul.' }));
      const csrf = csrfFrom((await customer.get(`/support/tickets/${id}`).expect(200)).text);
      const ask = await customer.post(`/support/tickets/${id}/close`).type('form').send({ _csrf: csrf }).expect(200);
      expect(text(ask.text)).to.contain('La demande « À fermer » sera fermée');
      expect((await ctx.db('support_tickets').where({ id }).first()).status).to.equal('open');
      await customer.post(`/support/tickets/${id}/close`).type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(303);
      const page = text((await customer.get(`/support/tickets/${id}`).expect(200)).text);
      expect(page).to.contain('Demande fermée.').and.contain('Fermée');
      expect(await ctx.db('audit_log').where({ action: 'ticket.closed', target_id: String(id) }).first()).to.equal(undefined);
    });
  });
});
