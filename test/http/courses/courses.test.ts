/**
 * Courses, customer and staff side, on SQLite and PostgreSQL: who opens which
 * course (free, with a product's license, paid after CoursesService.grant),
 * the signed media URL (ranges, 416, 403 for an expired, altered or another
 * account's token), completion and progress, the admin upload (type read
 * from the bytes, empty and oversized files refused), reorder and delete,
 * and lesson ids of another course answered 404.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type request from 'supertest';
import { createAccount, csrfOf, loginAgent } from '../../helpers/accounts.js';
import { auditRows, confirm, postForm, staffAgent, textOf } from '../../helpers/billing-admin.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import type { Agent } from '../../helpers/forms.js';

/** A minimal MP4: an `ftyp` box (isom) then 976 bytes of a counting pattern, 1000 bytes in all. */
const MP4 = Buffer.concat([
  Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom', 'latin1'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomiso2', 'latin1'),
  Buffer.from(Array.from({ length: 976 }, (_, i) => i % 251)),
]);
/** A tiny PDF. */
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n', 'latin1');
/** The smallest WebM header: EBML magic and DocType webm. */
const WEBM = Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84]), Buffer.from('webm', 'latin1'), Buffer.alloc(100, 1)]);

const COURSE = { title_fr: 'Bien démarrer', title_en: 'Getting started', description_fr: 'Les bases.', description_en: 'The basics.', currency: 'EUR',
  display_order: '1', published: 'yes' };

/** Read a binary answer whole (supertest leaves video/pdf bodies unparsed). */
function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

describe('courses', function () {
  this.timeout(60000);
  let ctx: TestContext;
  let admin: Agent;
  let customer: Agent;
  let customerId: number;

  beforeEach(async () => {
    ctx = await createTestContext({ env: { COURSE_VIDEO_MAX_BYTES: '4096', COURSE_PDF_MAX_BYTES: '2048' } });
    admin = await staffAgent(ctx, 'admin');
    customerId = await createAccount(ctx, 'claire@atelier.fr', 'customer');
    customer = await loginAgent(ctx, 'claire@atelier.fr');
  });
  afterEach(async () => { await ctx.close(); });

  /** Create a course through the admin form; returns its id. */
  async function course(slug: string, fields: Record<string, string> = {}): Promise<number> {
    const res = await postForm(admin, '/admin/courses/new', '/admin/courses', { ...COURSE, slug, access: 'free', ...fields });
    expect(res.status, textOf(res.text).slice(0, 400)).to.equal(303);
    return Number(/\/admin\/courses\/(\d+)$/.exec(String(res.headers.location))![1]);
  }

  /** Upload a lesson through the admin form; returns the answer. */
  async function upload(courseId: number, title: string, bytes: Buffer, name: string, duration = ''): Promise<request.Response> {
    const csrf = await csrfOf(admin, `/admin/courses/${courseId}`);
    return admin.post(`/admin/courses/${courseId}/lessons`).field('_csrf', csrf).field('title_fr', title).field('title_en', `${title} (en)`)
      .field('duration', duration).attach('file', bytes, name);
  }

  async function lessonIds(courseId: number): Promise<number[]> {
    return (await ctx.db('course_lessons').where({ course_id: courseId }).orderBy('position').select('id')).map((r: { id: unknown }) => Number(r.id));
  }

  /** The media URL of a lesson page. */
  function mediaUrl(html: string): string {
    const m = /src="(\/courses\/media\/[^"]+)"/.exec(html);
    if (!m) throw new Error('no media URL on the page');
    return m[1]!;
  }

  it('opens a free course lesson to a customer, whose video URL answers ranges (206, 416) with the stored bytes and headers', async () => {
    const id = await course('bien-demarrer');
    expect((await upload(id, 'Installer', MP4, 'installer.mp4', '12:05')).status).to.equal(303);
    const [lesson] = await lessonIds(id);
    const anonymous = textOf((await (await import('supertest')).default(ctx.app).get('/courses/bien-demarrer').expect(200)).text);
    expect(anonymous).to.include('Installer').and.include('Connectez-vous pour suivre cette formation.');
    const list = textOf((await customer.get('/courses').expect(200)).text);
    expect(list).to.include('Bien démarrer').and.include('Gratuite').and.include('1 leçon').and.include('Progression : 0 %');
    const page = await customer.get(`/courses/bien-demarrer/lessons/${lesson}`).expect(200);
    expect(page.text).to.match(/<video id="lesson-media"[^>]* controls/);
    expect(textOf(page.text)).to.include('12 min 05 s');
    const url = mediaUrl(page.text);
    const part = await customer.get(url).set('Range', 'bytes=0-99').buffer(true).parse(binary);
    expect(part.status).to.equal(206);
    expect(part.headers['content-range']).to.equal('bytes 0-99/1000');
    expect(part.headers['accept-ranges']).to.equal('bytes');
    expect(part.headers['content-type']).to.equal('video/mp4');
    expect(part.headers['cache-control']).to.equal('private, no-store');
    expect(part.headers['x-content-type-options']).to.equal('nosniff');
    expect(Buffer.compare(part.body as Buffer, MP4.subarray(0, 100))).to.equal(0);
    const whole = await customer.get(url).buffer(true).parse(binary);
    expect([whole.status, Buffer.compare(whole.body as Buffer, MP4)]).to.deep.equal([200, 0]);
    const none = await customer.get(url).set('Range', 'bytes=5000-6000');
    expect([none.status, none.headers['content-range']]).to.deep.equal([416, 'bytes */1000']);
    // No direct file URL: the file lives outside public/ and only the signed route serves it.
    const stored = (await ctx.db('course_lessons').where({ id: lesson }).first('file_name')).file_name as string;
    expect(fs.existsSync(path.join(ctx.config.courses.dir, String(id), stored))).to.equal(true);
    expect((await customer.get(`/courses/${id}/${stored}`)).status).to.equal(404);
  });

  it('refuses a media URL that expired, was altered, or was signed for another account (403 page)', async () => {
    const id = await course('bien-demarrer');
    await upload(id, 'Installer', MP4, 'installer.mp4');
    const [lesson] = await lessonIds(id);
    const url = mediaUrl((await customer.get(`/courses/bien-demarrer/lessons/${lesson}`).expect(200)).text);
    expect((await customer.get(url).set('Range', 'bytes=0-9')).status).to.equal(206);
    const last = url.at(-1) === 'A' ? 'B' : 'A';
    const altered = await customer.get(url.slice(0, -1) + last);
    expect(altered.status).to.equal(403);
    expect(textOf(altered.text)).to.include('403');
    const otherLesson = url.replace(/\/media\/\d+\./, `/media/${lesson! + 1}.`);
    expect((await customer.get(otherLesson)).status).to.equal(403);
    await createAccount(ctx, 'paul@garage.fr', 'customer');
    const other = await loginAgent(ctx, 'paul@garage.fr');
    expect((await other.get(url)).status).to.equal(403);
    ctx.clock.advance(15 * 60 + 1);
    expect((await customer.get(url)).status).to.equal(403);
  });

  it('locks a product course without a license (why, and where to buy) and opens it with an active, unexpired one', async () => {
    const product = Number((await ctx.db('products').where({ code: 'easyfacture' }).first('id')).id);
    const id = await course('easyfacture-avance', { access: 'product', product_id: String(product) });
    await upload(id, 'Relances', PDF, 'relances.pdf');
    const [lesson] = await lessonIds(id);
    const locked = await customer.get('/courses/easyfacture-avance').expect(200);
    expect(textOf(locked.text)).to.include("réservée aux titulaires d'une licence active").and.include('Acheter le logiciel');
    expect(locked.text).to.include('href="/products"').and.not.include(`/lessons/${lesson}"`);
    expect((await customer.get(`/courses/easyfacture-avance/lessons/${lesson}`)).status).to.equal(403);
    const at = ctx.clock.now().toISOString();
    const license = { product_id: product, machine_id: 'ab'.repeat(16), email: 'claire@atelier.fr', license_type: 'annual', issued_at: at, created_at: at,
      updated_at: at };
    const id1 = '00000000-0000-4000-8000-0000000000c1';
    const id2 = '00000000-0000-4000-8000-0000000000c2';
    await ctx.db('licenses').insert({ ...license, public_id: id1, state: 'active', expires_at: '2026-11-01T00:00:00.000Z' });
    await ctx.db('licenses').insert({ ...license, public_id: id2, state: 'revoked', expires_at: '2027-11-22T00:00:00.000Z' });
    expect((await customer.get(`/courses/easyfacture-avance/lessons/${lesson}`)).status, 'expired or revoked licenses open nothing').to.equal(403);
    await ctx.db('licenses').insert({ ...license, public_id: '00000000-0000-4000-8000-0000000000c3', state: 'active', expires_at: '2027-11-22T00:00:00.000Z' });
    const page = await customer.get(`/courses/easyfacture-avance/lessons/${lesson}`).expect(200);
    expect(page.text).to.match(/<iframe id="lesson-media"/).and.include('Télécharger le PDF');
    const pdf = await customer.get(mediaUrl(page.text)).buffer(true).parse(binary);
    expect([pdf.status, pdf.headers['content-type'], pdf.headers['content-disposition']])
      .to.deep.equal([200, 'application/pdf', `inline; filename="lesson-${lesson}.pdf"`]);
    expect(Buffer.compare(pdf.body as Buffer, PDF)).to.equal(0);
  });

  it('opens a paid course after CoursesService.grant in the caller\'s transaction, once', async () => {
    const id = await course('comptabilite', { access: 'paid', price: '49,00' });
    await upload(id, 'Clôture', WEBM, 'cloture.webm');
    const [lesson] = await lessonIds(id);
    expect(textOf((await admin.get('/admin/courses').expect(200)).text)).to.include('49,00');
    const locked = textOf((await customer.get('/courses/comptabilite').expect(200)).text);
    expect(locked).to.include('Cette formation est payante.').and.include('Acheter la formation');
    expect((await customer.get(`/courses/comptabilite/lessons/${lesson}`)).status).to.equal(403);
    const first = await ctx.db.transaction((trx) => ctx.handle.courses.grant(trx, customerId, id, 'order', 'CMD-2026-0001'));
    const again = await ctx.db.transaction((trx) => ctx.handle.courses.grant(trx, customerId, id, 'order', 'CMD-2026-0002'));
    expect([first, again]).to.deep.equal([true, false]);
    const page = await customer.get(`/courses/comptabilite/lessons/${lesson}`).expect(200);
    const media = await customer.get(mediaUrl(page.text)).set('Range', 'bytes=0-3').buffer(true).parse(binary);
    expect([media.status, media.headers['content-type']]).to.deep.equal([206, 'video/webm']);
    expect((await auditRows(ctx, 'course.granted')).map((r) => r.summary)).to.deep.equal([`To account ${customerId} (order CMD-2026-0001)`]);
    // A grant rolled back with its caller's transaction leaves nothing.
    const other = await createAccount(ctx, 'paul@garage.fr', 'customer');
    await ctx.db.transaction(async (trx) => {
      await ctx.handle.courses.grant(trx, other, id, 'order', 'CMD-X');
      throw new Error('the order failed');
    }).catch(() => undefined);
    expect(await ctx.db('course_grants').where({ account_id: other }).first()).to.equal(undefined);
  });

  it('marks a lesson completed and shows the tick and the progress on the course and in the catalogue', async () => {
    const id = await course('bien-demarrer');
    await upload(id, 'Installer', MP4, 'installer.mp4');
    await upload(id, 'Premier carnet', PDF, 'carnet.pdf');
    const [one] = await lessonIds(id);
    const res = await postForm(customer, `/courses/bien-demarrer/lessons/${one}`, `/courses/bien-demarrer/lessons/${one}/complete`, {});
    expect([res.status, res.headers.location]).to.deep.equal([303, `/courses/bien-demarrer/lessons/${one}`]);
    const lessonPage = textOf((await customer.get(`/courses/bien-demarrer/lessons/${one}`).expect(200)).text);
    expect(lessonPage).to.include('Leçon « Installer » terminée.').and.include('✓ Terminée').and.not.include('Marquer comme terminée');
    await postForm(customer, `/courses/bien-demarrer/lessons/${one}`, `/courses/bien-demarrer/lessons/${one}/complete`, {}); // twice: one row
    const coursePage = await customer.get('/courses/bien-demarrer').expect(200);
    expect(textOf(coursePage.text)).to.include('Progression : 50 %');
    expect(coursePage.text).to.match(new RegExp(`id="lesson-${one}" class="lesson-done"`));
    expect(textOf((await customer.get('/courses').expect(200)).text)).to.include('2 leçons').and.include('Progression : 50 %');
    expect(await ctx.db('lesson_completions').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 1);
  });

  it('answers 404 for a lesson id of another course, an unknown course, and an unpublished course to customers', async () => {
    const a = await course('bien-demarrer');
    const b = await course('brouillon', { published: '' });
    await upload(a, 'Installer', MP4, 'installer.mp4');
    await upload(b, 'Secret', MP4, 'secret.mp4');
    const [lessonB] = await lessonIds(b);
    expect((await customer.get(`/courses/bien-demarrer/lessons/${lessonB}`)).status).to.equal(404);
    const csrf = await csrfOf(customer, '/courses/bien-demarrer');
    expect((await customer.post(`/courses/bien-demarrer/lessons/${lessonB}/complete`).type('form').send({ _csrf: csrf })).status).to.equal(404);
    expect((await customer.get('/courses/brouillon')).status).to.equal(404);
    expect((await customer.get('/courses/inconnue')).status).to.equal(404);
    expect(textOf((await customer.get('/courses').expect(200)).text)).not.to.include('Secret');
    expect((await admin.get('/courses/brouillon')).status, 'staff preview').to.equal(200);
  });

  it('refuses an upload of the wrong type, an empty file, an oversized one or no file, and keeps nothing on disk', async () => {
    const id = await course('bien-demarrer');
    const cases: [Buffer, string, string][] = [
      [Buffer.from('#!/bin/sh\necho hello\n'), 'video.mp4', "Ce fichier n'est ni une vidéo MP4 ou WebM, ni un PDF."],
      [Buffer.alloc(0), 'vide.pdf', 'Le fichier est vide.'],
      [Buffer.concat([PDF, Buffer.alloc(3000, 32)]), 'gros.pdf', 'Le fichier dépasse la taille permise.'],
      [Buffer.concat([MP4, Buffer.alloc(5000, 0)]), 'enorme.mp4', 'Le fichier dépasse la taille permise.'],
    ];
    for (const [bytes, name, message] of cases) {
      const res = await upload(id, 'Refusée', bytes, name);
      expect(res.status, name).to.equal(422);
      expect(textOf(res.text), name).to.include(message);
    }
    const csrf = await csrfOf(admin, `/admin/courses/${id}`);
    const none = await admin.post(`/admin/courses/${id}/lessons`).field('_csrf', csrf).field('title_fr', 'Sans').field('title_en', 'None');
    expect([none.status, textOf(none.text).includes('Choisissez un fichier.')]).to.deep.equal([422, true]);
    expect(await lessonIds(id)).to.deep.equal([]);
    expect(fs.existsSync(path.join(ctx.config.courses.dir, String(id))) ? fs.readdirSync(path.join(ctx.config.courses.dir, String(id))) : []).to.deep.equal([]);
    const tmp = path.join(ctx.config.paths.files, '.tmp');
    expect(fs.existsSync(tmp) ? fs.readdirSync(tmp) : []).to.deep.equal([]);
  });

  it('validates the course form field by field and refuses a taken slug', async () => {
    await course('bien-demarrer');
    const res = await postForm(admin, '/admin/courses/new', '/admin/courses', {
      ...COURSE, slug: 'Bien Démarrer!', title_fr: '', access: 'paid', price: '0', display_order: 'x',
    });
    expect(res.status).to.equal(422);
    expect(textOf(res.text)).to.include('De 1 à 64 lettres minuscules').and.include('De 1 à 160 caractères').and.include('Un prix supérieur à zéro')
      .and.include('Un nombre entier de 0 à 100 000');
    const taken = await postForm(admin, '/admin/courses/new', '/admin/courses', { ...COURSE, slug: 'bien-demarrer', access: 'free' });
    expect([taken.status, textOf(taken.text).includes('Cet identifiant est déjà pris.')]).to.deep.equal([422, true]);
    const product = await postForm(admin, '/admin/courses/new', '/admin/courses', { ...COURSE, slug: 'autre', access: 'product', product_id: '' });
    expect([product.status, textOf(product.text).includes('Choisissez un logiciel.')]).to.deep.equal([422, true]);
    expect((await ctx.db('courses').count({ n: '*' }).first())!.n).to.satisfy((n: unknown) => Number(n) === 1);
  });

  it('lets an admin retitle, reorder and delete lessons (after a confirmation, file removed), each audited', async () => {
    const id = await course('bien-demarrer');
    await upload(id, 'Un', MP4, 'un.mp4');
    await upload(id, 'Deux', PDF, 'deux.pdf');
    const [one, two] = await lessonIds(id);
    const fields = { title_fr: 'Deux bis', title_en: 'Two', duration: '1:02:03' };
    const edit = await postForm(admin, `/admin/course-lessons/${two}`, `/admin/course-lessons/${two}`, fields);
    expect(edit.status).to.equal(303);
    expect(Number((await ctx.db('course_lessons').where({ id: two }).first('duration_seconds')).duration_seconds)).to.equal(3723);
    await postForm(admin, `/admin/courses/${id}`, `/admin/course-lessons/${two}/up`, {});
    expect(await lessonIds(id)).to.deep.equal([two, one]);
    const file = (await ctx.db('course_lessons').where({ id: one }).first('file_name')).file_name as string;
    const ask = await postForm(admin, `/admin/courses/${id}`, `/admin/course-lessons/${one}/delete`, {});
    expect([ask.status, textOf(ask.text).includes('Supprimer la leçon « Un »')]).to.deep.equal([200, true]);
    expect((await confirm(admin, `/admin/course-lessons/${one}/delete`, ask)).status).to.equal(303);
    expect(await lessonIds(id)).to.deep.equal([two]);
    expect(fs.existsSync(path.join(ctx.config.courses.dir, String(id), file))).to.equal(false);
    expect(textOf((await admin.get(`/admin/courses/${id}`).expect(200)).text)).to.include('Deux bis').and.not.include('un.mp4');
    const actions = ['course.created', 'course.lesson_added', 'course.lesson_updated', 'course.lesson_moved', 'course.lesson_deleted'];
    for (const a of actions) expect((await auditRows(ctx, a)).length, a).to.be.above(0);
    const support = await staffAgent(ctx, 'support');
    expect(textOf((await support.get(`/admin/courses/${id}`).expect(200)).text)).to.include('Deux bis').and.not.include('Envoyer la leçon');
  });
});
