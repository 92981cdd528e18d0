/**
 * /admin/activation-codes (admin only): the batches, the form that generates
 * one (ActivationCodesService.createBatch: the batch and all its codes in one
 * transaction with its audit row `activation_batch.created`), and a batch's page listing its codes (used by
 * which license, on which machine, when), 50 per page, with its CSV export.
 */
import type { Request, Response } from 'express';
import { actorOf } from '../../http/actor.js';
import { NotFoundError } from '../../errors/index.js';
import { flash } from '../../http/flash.js';
import type { AdminDeps } from '../context.js';
import { pager, parseListQuery, queryString, routeId } from '../shared.js';
import { sendCsv } from '../../http/csv.js';
import { PAID_LICENSE_TYPES, type Batch } from '../../licenses/index.js';
import { DEFAULT_DURATION, parseBatch, typed } from './schemas.js';

const FORM_FIELDS = ['product', 'type', 'duration_days', 'count', 'expires_at', 'note'];

export function createActivationCodesController(deps: AdminDeps) {
  const { codes, products } = deps;

  const renderList = async (
    req: Request, res: Response, status: number, errors: Record<string, string> = {}, values: Record<string, string> = {},
  ): Promise<void> => {
    const q = parseListQuery(req.query as Record<string, unknown>);
    const [{ rows, total }, all] = await Promise.all([codes.listBatches(q.perPage, q.offset), products.list()]);
    res.status(status).render('admin/licenses/batches', {
      title: req.t('admin-licenses:batches.title'), rows, total, pg: pager(q, total, '/admin/activation-codes'),
      products: all, types: PAID_LICENSE_TYPES, defaults: DEFAULT_DURATION, errors, values,
    });
  };

  const loadBatch = async (req: Request): Promise<Batch> => {
    const id = routeId(req.params.id);
    const batch = id === null ? null : await codes.batch(id);
    if (!batch) throw new NotFoundError('No such batch');
    return batch;
  };

  return {
    list: async (req: Request, res: Response): Promise<void> => renderList(req, res, 200),

    generate: async (req: Request, res: Response): Promise<void> => {
      const now = deps.clock.now();
      const parsed = parseBatch(req.body, now);
      const values = typed(req.body, FORM_FIELDS);
      if (!parsed.ok) return renderList(req, res, 422, parsed.errors, values);
      const product = await products.byCode(parsed.data.product);
      if (!product) return renderList(req, res, 422, { product: 'admin-licenses:errors.product_invalid' }, values);
      const d = parsed.data;
      const batchId = await codes.createBatch({ ...d, product }, actorOf(req));
      flash(req, 'success', 'admin-licenses:flash.batch_created', { count: d.count, id: batchId });
      res.redirect(303, `/admin/activation-codes/${batchId}`);
    },

    show: async (req: Request, res: Response): Promise<void> => {
      const batch = await loadBatch(req);
      const q = parseListQuery(req.query as Record<string, unknown>, ['id'], ['used']);
      const usedParam = q.params.used === 'yes' || q.params.used === 'no' ? q.params.used : '';
      if (!usedParam) delete q.params.used;
      const used = usedParam === 'yes' ? true : usedParam === 'no' ? false : null;
      if (q.csv) {
        const { rows } = await codes.codes(batch.id, used, batch.size, 0);
        return sendCsv(req, res, `activation-codes-${batch.id}.csv`, ['code', 'used_at', 'machine_id', 'license_id'],
          rows.map((r) => [r.code, r.usedAt ?? '', r.machineId ?? '', r.licensePublicId ?? '']));
      }
      const { rows, total } = await codes.codes(batch.id, used, q.perPage, q.offset);
      const base = `/admin/activation-codes/${batch.id}`;
      res.render('admin/licenses/batch', {
        title: req.t('admin-licenses:batch.title', { id: batch.id }), batch, rows, total, used: usedParam,
        pg: pager(q, total, base), csvHref: `${base}${queryString(q.params, { format: 'csv' })}`,
      });
    },
  };
}
