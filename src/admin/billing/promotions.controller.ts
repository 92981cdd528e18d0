/**
 * /admin/promotions: the promotion codes. Support reads (the list with its
 * stats, a code's page read-only); admin and superadmin create, edit,
 * activate and deactivate (a confirmation first): PromotionsService writes
 * and audits. The code is fixed once created (redemptions and mails name
 * it). Stats as promotions.repository.ts computes them.
 */
import type { Request, Response } from 'express';
import { BILLING_VIEW_HELPERS, CURRENCIES, formatRate, PROMOTION_KINDS, PROMOTION_SCOPES, type Plan, type Promotion } from '../../billing/index.js';
import { NotFoundError, ValidationError } from '../../errors/index.js';
import { actorOf } from '../../http/actor.js';
import { flash } from '../../http/flash.js';
import type { AdminDeps } from '../context.js';
import { confirmed, pager, parseListQuery, queryString, routeId } from '../shared.js';
import { NEW_PROMOTION_VALUES, parsePromotion, postedValues, promotionValues } from './promotion-forms.js';
import type { PromotionsAdminRepository } from './promotions.repository.js';
import { billingRenderer } from './render.js';

const CHOICES = { kinds: PROMOTION_KINDS, scopes: PROMOTION_SCOPES, currencies: CURRENCIES };
const LATEST_USES = 50;

/** A percentage in basis points ("12,5 %") and a calendar day ("5 décembre 2026") in the page's language. */
function helpers(req: Request) {
  const tag = req.locale === 'en' ? 'en-GB' : 'fr-FR';
  return {
    percent: (bp: number) => `${formatRate(bp, tag)}${req.locale === 'en' ? '%' : '\u00a0%'}`,
    day: (d: string) => BILLING_VIEW_HELPERS.formatDay(d, req.locale === 'en' ? 'en' : 'fr'),
  };
}

export function createPromotionsController(deps: AdminDeps, reports: PromotionsAdminRepository) {
  const { promotions, plans } = deps.billing;
  const render = billingRenderer(deps.config);

  const load = async (req: Request): Promise<Promotion> => {
    const id = routeId(req.params.id);
    const p = id === null ? null : await promotions.byId(id);
    if (!p) throw new NotFoundError('no such promotion');
    return p;
  };

  /** The form page (new, or a code with its stats and latest uses); `errors` re-shows a refused post. */
  const form = async (req: Request, res: Response, p: Promotion | null, values: Record<string, string>, errors: Record<string, string> = {},
    status = 200): Promise<void> => {
    const [allPlans, stats, uses] = await Promise.all([
      plans.list(), p ? reports.stats([p.id]) : null, p ? reports.redemptions(p.id, LATEST_USES) : [],
    ]);
    const title = p ? req.t('admin-promotions:form.edit_title', { code: p.code }) : req.t('admin-promotions:form.new_title');
    render(req, res, 'promotion-form', {
      ...helpers(req), title, promotion: p, values, errors, plans: allPlans, planName: (pl: Plan) => (req.locale === 'en' ? pl.nameEn : pl.nameFr),
      stats: p ? stats!.get(p.id)! : null, uses, ...CHOICES,
    }, status);
  };

  const refused = (err: unknown): Record<string, string> | null => (err instanceof ValidationError ? err.fields : null);

  return {
    list: async (req: Request, res: Response): Promise<void> => {
      const q = parseListQuery(req.query as Record<string, unknown>);
      const [rows, total] = await Promise.all([reports.list(q.q, q.perPage, q.offset), reports.count(q.q)]);
      const stats = await reports.stats(rows.map((r) => r.id));
      render(req, res, 'promotions', {
        ...helpers(req), title: req.t('admin-promotions:list.title'), rows, total, stats, query: q, filtered: Boolean(q.q),
        pg: pager(q, total, '/admin/promotions'),
        qs: (extra: Record<string, string>) => queryString(q.params, extra),
      });
    },

    newForm: (req: Request, res: Response): Promise<void> => form(req, res, null, NEW_PROMOTION_VALUES),

    create: async (req: Request, res: Response): Promise<void> => {
      const values = postedValues(req.body);
      const parsed = parsePromotion(req.body);
      if (!parsed.ok) return form(req, res, null, values, parsed.errors, 422);
      try {
        await promotions.create(parsed.data, actorOf(req));
      } catch (err) {
        const fields = refused(err);
        if (fields) return form(req, res, null, values, fields, 422);
        throw err;
      }
      flash(req, 'success', 'admin-promotions:flash.created', { code: parsed.data.code });
      res.redirect(303, '/admin/promotions');
    },

    edit: async (req: Request, res: Response): Promise<void> => {
      const p = await load(req);
      await form(req, res, p, promotionValues(p, req.locale));
    },

    update: async (req: Request, res: Response): Promise<void> => {
      const p = await load(req);
      // The code is fixed: the posted one (if any) is ignored, the stored one checked.
      const values = { ...postedValues(req.body), code: p.code };
      const parsed = parsePromotion({ ...(req.body as Record<string, unknown>), code: p.code });
      if (!parsed.ok) return form(req, res, p, values, parsed.errors, 422);
      try {
        await promotions.update(p.id, parsed.data, actorOf(req));
      } catch (err) {
        const fields = refused(err);
        if (fields) return form(req, res, p, values, fields, 422);
        throw err;
      }
      flash(req, 'success', 'admin-promotions:flash.updated', { code: p.code });
      res.redirect(303, `/admin/promotions/${p.id}`);
    },

    activate: async (req: Request, res: Response): Promise<void> => {
      const p = await load(req);
      await promotions.setActive(p.id, true, actorOf(req));
      flash(req, 'success', 'admin-promotions:flash.activated', { code: p.code });
      res.redirect(303, '/admin/promotions');
    },

    deactivate: async (req: Request, res: Response): Promise<void> => {
      const p = await load(req);
      if (!confirmed(req, res, {
        title: 'admin-promotions:deactivate.title', message: 'admin-promotions:deactivate.message', params: { code: p.code },
        action: `/admin/promotions/${p.id}/deactivate`, back: '/admin/promotions', button: 'admin-promotions:deactivate.button', danger: true,
      })) return;
      await promotions.setActive(p.id, false, actorOf(req));
      flash(req, 'success', 'admin-promotions:flash.deactivated', { code: p.code });
      res.redirect(303, '/admin/promotions');
    },
  };
}
