/**
 * /admin/products (admin only): the license server's products with their
 * policy, the form adding one (`product.created`) and the page editing a
 * product's policy (`product.updated`, before → after in the audit row).
 * ProductsService writes, audits and refreshes the license API's copy.
 * A product's code never changes: it is in every license token signed.
 */
import type { Request, Response } from 'express';
import { actorOf } from '../../http/actor.js';
import { NotFoundError } from '../../errors/index.js';
import { flash } from '../../http/flash.js';
import type { AdminDeps } from '../context.js';
import { routeId } from '../shared.js';
import type { Product } from '../../licenses/index.js';
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
  const { products } = deps;

  const renderList = async (
    req: Request, res: Response, status: number, errors: Record<string, string> = {},
    values: Record<string, string> = NEW_DEFAULTS,
  ): Promise<void> => {
    res.status(status).render('admin/licenses/products', { title: req.t('admin-licenses:products.title'), products: await products.list(), errors, values });
  };

  const renderEdit = (req: Request, res: Response, status: number, p: Product, errors: Record<string, string> = {}, values = formValues(p)): void => {
    res.status(status).render('admin/licenses/product', { title: req.t('admin-licenses:products.edit_title', { code: p.code }), p, errors, values });
  };

  const load = async (req: Request): Promise<Product> => {
    const id = routeId(req.params.id);
    const p = id === null ? null : await products.byId(id);
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
      const id = await products.create(code, policy, actorOf(req));
      if (id === null) return renderList(req, res, 422, { code: 'admin-licenses:errors.code_taken' }, values);
      flash(req, 'success', 'admin-licenses:flash.product_created', { code });
      res.redirect(303, '/admin/products');
    },

    edit: async (req: Request, res: Response): Promise<void> => renderEdit(req, res, 200, await load(req)),

    update: async (req: Request, res: Response): Promise<void> => {
      const p = await load(req);
      const parsed = parsePolicy(req.body);
      if (!parsed.ok) return renderEdit(req, res, 422, p, parsed.errors, typed(req.body, POLICY_FIELDS));
      await products.update(p, parsed.data, actorOf(req));
      flash(req, 'success', 'admin-licenses:flash.product_updated', { code: p.code });
      res.redirect(303, '/admin/products');
    },
  };
}
