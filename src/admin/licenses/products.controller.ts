/**
 * /admin/products (admin only): the license server's products with their
 * policy, the form adding one (`product.created`) and the page editing a
 * product's policy (`product.updated`, before → after in the audit summary).
 * A product's code never changes: it is in every license token signed.
 */
import type { Request, Response } from 'express';
import { actorOf } from '../../http/actor.js';
import { NotFoundError } from '../../errors/index.js';
import { flash } from '../../http/flash.js';
import type { AdminDeps } from '../context.js';
import { routeId } from '../shared.js';
import { AdminProductsRepository, policySummary, type Product } from './products.repository.js';
import { parseNewProduct, parsePolicy, typed } from './schemas.js';

const POLICY_FIELDS = ['name', 'trial_days', 'grace_days', 'max_activations', 'heartbeat_interval_seconds', 'renewal_url'];

/** A product's policy as form values. */
function formValues(p: Product): Record<string, string> {
  return {
    name: p.name, trial_days: String(p.trialDays), grace_days: String(p.graceDays), max_activations: String(p.maxActivations),
    heartbeat_interval_seconds: String(p.heartbeatIntervalSeconds), renewal_url: p.renewalUrl,
  };
}

const NEW_DEFAULTS = { code: '', name: '', trial_days: '30', grace_days: '7', max_activations: '1', heartbeat_interval_seconds: '86400', renewal_url: '' };

export function createProductsController(deps: AdminDeps) {
  const repo = new AdminProductsRepository(deps.db);

  const renderList = async (req: Request, res: Response, status: number, errors: Record<string, string> = {}, values: Record<string, string> = NEW_DEFAULTS): Promise<void> => {
    res.status(status).render('admin/licenses/products', { title: req.t('admin-licenses:products.title'), products: await repo.list(), errors, values });
  };

  const renderEdit = (req: Request, res: Response, status: number, p: Product, errors: Record<string, string> = {}, values = formValues(p)): void => {
    res.status(status).render('admin/licenses/product', { title: req.t('admin-licenses:products.edit_title', { code: p.code }), p, errors, values });
  };

  const load = async (req: Request): Promise<Product> => {
    const id = routeId(req.params.id);
    const p = id === null ? null : await repo.byId(id);
    if (!p) throw new NotFoundError('No such product');
    return p;
  };

  return {
    list: async (req: Request, res: Response): Promise<void> => renderList(req, res, 200),

    create: async (req: Request, res: Response): Promise<void> => {
      const values = typed(req.body, ['code', ...POLICY_FIELDS]);
      const parsed = parseNewProduct(req.body);
      if (!parsed.ok) return renderList(req, res, 422, parsed.errors, values);
      const { code, policy } = parsed.data;
      const actor = actorOf(req);
      const id = await deps.db.transaction(async (trx) => {
        // Checked inside the transaction; the unique index settles a race between two admins (then a 500 is avoided below).
        if (await repo.with(trx).byCode(code)) return null;
        const newId = await repo.with(trx).insert(code, policy, deps.clock.now());
        await deps.audit.record(trx, actor, 'product.created', { type: 'product', id: newId }, { code, policy: policySummary(policy) });
        return newId;
      }).catch(async (err: unknown) => {
        if (await repo.byCode(code)) return null;
        throw err;
      });
      if (id === null) return renderList(req, res, 422, { code: 'admin-licenses:errors.code_taken' }, values);
      deps.licenses.products.invalidate(); // the API's product cache: the new policy applies to the next request
      flash(req, 'success', 'admin-licenses:flash.product_created', { code });
      res.redirect(303, '/admin/products');
    },

    edit: async (req: Request, res: Response): Promise<void> => renderEdit(req, res, 200, await load(req)),

    update: async (req: Request, res: Response): Promise<void> => {
      const p = await load(req);
      const parsed = parsePolicy(req.body);
      if (!parsed.ok) return renderEdit(req, res, 422, p, parsed.errors, typed(req.body, POLICY_FIELDS));
      const actor = actorOf(req);
      await deps.db.transaction(async (trx) => {
        await repo.with(trx).update(p.id, parsed.data, deps.clock.now());
        await deps.audit.record(trx, actor, 'product.updated', { type: 'product', id: p.id }, { code: p.code, before: policySummary(p), after: policySummary(parsed.data) });
      });
      deps.licenses.products.invalidate();
      flash(req, 'success', 'admin-licenses:flash.product_updated', { code: p.code });
      res.redirect(303, '/admin/products');
    },
  };
}
