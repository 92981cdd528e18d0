/**
 * Admin area: /admin/packages, the client packages (admin and superadmin only; the keys are secrets).
 *
 * - GET  /admin/packages                   every package, newest first: search (client, e-mail, plan, product), pages of 50
 * - GET  /admin/packages/new               the creation form (client, plan, e-mail, product)
 * - POST /admin/packages                   create (422: the form again with its errors) → 201, the key page: the new key,
 *                                          shown once in this answer (Cache-Control: no-store), and the zip's link
 * - GET  /admin/packages/:id               one package: its facts, the download link while it lasts, regenerate, revoke
 * - GET  /admin/packages/:id/download      the zip (attachment) during PACKAGE_DOWNLOAD_DAYS, else 404
 * - POST /admin/packages/:id/regenerate    after the confirmation step (grace_days 0..30): a new key and zip, the old
 *                                          key revoked at once or after the grace period → 201, the new key page
 * - POST /admin/packages/:id/revoke        after the confirmation step: the key refused from now on
 *
 * PackagesService writes the rows, the zips and the audit rows (client_package.created / regenerated / revoked).
 * The clear key is never stored: it is in the zip and in the one answer to the form that made it (nothing in the
 * session; reloading that answer would submit the form again, which the browser asks to confirm).
 * The revocation's text says for which products a request without any key is refused (CLIENT_KEY_REQUIRED_PRODUCTS).
 */
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Router, type Request, type Response } from 'express';
import { NotFoundError, ValidationError } from '../../errors/index.js';
import { actorOf } from '../../http/actor.js';
import { flash } from '../../http/flash.js';
import { MAX_GRACE_DAYS, parseGraceDays, type ClientPackage } from '../../packages/index.js';
import type { AdminDeps } from '../context.js';
import { adminOnly, confirmed, pager, parseListQuery, routeId } from '../shared.js';

const FIELDS = ['client', 'plan', 'email', 'product'] as const;
const DEFAULT_PRODUCT = 'artisan_nd';

/** The typed form values (strings only), to show the form again. */
function typedValues(body: unknown): Record<string, string> {
  const b = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(FIELDS.map((f) => [f, typeof b[f] === 'string' ? (b[f] as string).slice(0, 300) : '']));
}

/** The state of a package's key at `now`: active, revoking (a grace period runs) or revoked. */
export function keyState(p: ClientPackage, now: Date): 'active' | 'revoking' | 'revoked' {
  if (!p.revokedAt) return 'active';
  return p.revokedAt.getTime() > now.getTime() ? 'revoking' : 'revoked';
}

export function createAdminPackagesRouter(deps: AdminDeps): Router {
  const { packages, clock } = deps;
  const router = Router();

  const packageOf = async (req: Request): Promise<ClientPackage> => {
    const id = routeId(req.params.id);
    const pkg = id === null ? null : await packages.byId(id);
    if (!pkg) throw new NotFoundError('No such client package');
    return pkg;
  };
  const renderForm = async (req: Request, res: Response, status: number, values: Record<string, string>, errors: Record<string, string>) => {
    const [products, plans] = await Promise.all([deps.products.list(), deps.billing.plans.list()]);
    res.status(status).render('admin/packages/new', {
      title: req.t('admin-packages:new.title'), values, errors, products: products.map((p) => [p.code, `${p.name} (${p.code})`]),
      plans: plans.map((p) => p.slug),
    });
  };
  /** The key page, answering the form that made the key: the only place the clear key is ever shown. */
  const showKey = (req: Request, res: Response, pkg: ClientPackage, key: string, notice: string): void => {
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).render('admin/packages/key', {
      title: req.t('admin-packages:key.title'), pkg, key, downloadable: packages.downloadable(pkg), notice: req.t(notice, { zip: pkg.zipName }),
    });
  };
  const keyRequired = deps.config.clientKeys.requiredProducts;
  const renderShow = (req: Request, res: Response, status: number, pkg: ClientPackage, grace: string, graceError: string | null): void => {
    res.status(status).render('admin/packages/show', {
      title: req.t('admin-packages:show.title', { zip: pkg.zipName }), pkg, state: keyState(pkg, clock.now()), downloadable: packages.downloadable(pkg),
      maxGrace: MAX_GRACE_DAYS, graceError, grace, keyRequired: keyRequired.has(pkg.productCode),
    });
  };

  router.get('/admin/packages', adminOnly, async (req: Request, res: Response) => {
    const q = parseListQuery(req.query as Record<string, unknown>, ['created']);
    const { rows, total } = await packages.search({ q: q.q }, q.offset, q.perPage);
    const now = clock.now();
    res.render('admin/packages/list', {
      title: req.t('admin-packages:list.title'), rows: rows.map((p) => ({ ...p, state: keyState(p, now), downloadable: packages.downloadable(p) })),
      total, query: q, filtered: q.q !== '', pg: pager(q, total, '/admin/packages'),
    });
  });

  router.get('/admin/packages/new', adminOnly, async (req: Request, res: Response) => {
    const prefill = typedValues(req.query);
    await renderForm(req, res, 200, { ...prefill, product: prefill.product || DEFAULT_PRODUCT }, {});
  });

  router.post('/admin/packages', adminOnly, async (req: Request, res: Response) => {
    try {
      const { pkg, key } = await packages.create((req.body ?? {}) as Record<string, unknown>, actorOf(req));
      showKey(req, res, pkg, key, 'admin-packages:flash.created');
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      await renderForm(req, res, 422, typedValues(req.body), err.fields);
    }
  });

  router.get('/admin/packages/:id', adminOnly, async (req: Request, res: Response) => {
    renderShow(req, res, 200, await packageOf(req), '0', null);
  });

  router.get('/admin/packages/:id/download', adminOnly, async (req: Request, res: Response) => {
    const pkg = await packageOf(req);
    const zip = await packages.zipOf(pkg.id);
    res.attachment(zip.name);
    res.set({ 'Content-Type': 'application/zip', 'Content-Length': String(zip.bytes), 'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff' });
    try {
      await pipeline(fs.createReadStream(zip.path), res);
    } catch (err) {
      // The browser went away mid-download: nothing to answer.
      if (res.headersSent || res.destroyed) return;
      throw err;
    }
  });

  router.post('/admin/packages/:id/regenerate', adminOnly, async (req: Request, res: Response) => {
    const pkg = await packageOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const back = `/admin/packages/${pkg.id}`;
    if (pkg.revokedAt) {
      flash(req, 'info', 'admin-packages:flash.already_revoked');
      return res.redirect(303, back);
    }
    let grace: number;
    try {
      grace = parseGraceDays(body.grace_days);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderShow(req, res, 422, pkg, typeof body.grace_days === 'string' ? body.grace_days.slice(0, 10) : '', err.fields.grace_days ?? null);
    }
    if (!confirmed(req, res, {
      title: 'admin-packages:regenerate.title', message: grace ? 'admin-packages:regenerate.message_grace' : 'admin-packages:regenerate.message_now',
      params: { client: pkg.clientSlug, hint: pkg.keyHint, count: grace }, action: `/admin/packages/${pkg.id}/regenerate`, back,
      button: 'admin-packages:regenerate.button', danger: true,
    })) return;
    try {
      const { pkg: fresh, key } = await packages.regenerate(pkg.id, grace, actorOf(req));
      showKey(req, res, fresh, key, 'admin-packages:flash.regenerated');
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      flash(req, 'error', err.fields.state ?? err.fields.product ?? 'admin-packages:errors.summary');
      res.redirect(303, back);
    }
  });

  router.post('/admin/packages/:id/revoke', adminOnly, async (req: Request, res: Response) => {
    const pkg = await packageOf(req);
    const back = `/admin/packages/${pkg.id}`;
    if (keyState(pkg, clock.now()) === 'revoked') {
      flash(req, 'info', 'admin-packages:flash.already_revoked');
      return res.redirect(303, back);
    }
    if (!confirmed(req, res, {
      title: 'admin-packages:revoke.title', message: 'admin-packages:revoke.message', params: { client: pkg.clientSlug, hint: pkg.keyHint },
      action: `/admin/packages/${pkg.id}/revoke`, back, button: 'admin-packages:revoke.button', danger: true,
    })) return;
    const done = await packages.revoke(pkg.id, actorOf(req));
    flash(req, done ? 'success' : 'info', done ? 'admin-packages:flash.revoked' : 'admin-packages:flash.already_revoked', { client: pkg.clientSlug });
    res.redirect(303, back);
  });
  return router;
}
