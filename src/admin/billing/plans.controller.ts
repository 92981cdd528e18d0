/**
 * /admin/plans: the plans partners subscribe to. Support reads; admin and
 * superadmin create, edit, activate and deactivate (PlansService writes and
 * audits). A price change reaches new subscriptions only: running ones hold
 * a copy of their terms (said on the form).
 */
import type { Request, Response } from 'express';
import { NotFoundError, ValidationError } from '../../errors/index.js';
import { actorOf } from '../../http/actor.js';
import { flash } from '../../http/flash.js';
import { BILLING_CYCLES, CURRENCIES, isUnitPack, MAX_FEATURES, PLAN_TYPES, type Plan } from '../../billing/index.js';
import type { AdminDeps } from '../context.js';
import { confirmed, routeId } from '../shared.js';
import { NEW_PLAN_VALUES, parsePlan, PLAN_FORM_FIELDS, planValues, typed } from './forms.js';
import { billingRenderer } from './render.js';

const CHOICES = { types: PLAN_TYPES, cycles: BILLING_CYCLES, currencies: CURRENCIES, featureRows: MAX_FEATURES };

export function createPlansController(deps: AdminDeps) {
  const { plans } = deps.billing;
  const render = billingRenderer(deps.config);

  const load = async (req: Request): Promise<Plan> => {
    const id = routeId(req.params.id);
    const p = id === null ? null : await plans.byId(id);
    if (!p) throw new NotFoundError('no such plan');
    return p;
  };

  const form = (req: Request, res: Response, plan: Plan | null, values: Record<string, string>, errors: Record<string, string> = {}, status = 200): void => {
    const title = plan ? req.t('admin-billing:plans.edit_title', { name: plan.nameFr }) : req.t('admin-billing:plans.new_title');
    render(req, res, 'plan-form', { title, plan, values, errors, ...CHOICES }, status);
  };

  /** Service refusals become field errors on the form; anything else goes on. */
  const refused = (err: unknown): Record<string, string> | null => (err instanceof ValidationError ? err.fields : null);

  return {
    list: async (req: Request, res: Response): Promise<void> => {
      render(req, res, 'plans', { title: req.t('admin-billing:plans.title'), plans: await plans.list(), isUnitPack });
    },

    newForm: (req: Request, res: Response): void => form(req, res, null, NEW_PLAN_VALUES),

    create: async (req: Request, res: Response): Promise<void> => {
      const values = typed(req.body, PLAN_FORM_FIELDS);
      const parsed = parsePlan(req.body);
      if (!parsed.ok) return form(req, res, null, values, parsed.errors, 422);
      try {
        await plans.create(parsed.data, actorOf(req));
      } catch (err) {
        const fields = refused(err);
        if (fields) return form(req, res, null, values, fields, 422);
        throw err;
      }
      flash(req, 'success', 'admin-billing:flash.plan_created', { name: parsed.data.nameFr });
      res.redirect(303, '/admin/plans');
    },

    edit: async (req: Request, res: Response): Promise<void> => {
      const p = await load(req);
      form(req, res, p, planValues(p, req.locale));
    },

    update: async (req: Request, res: Response): Promise<void> => {
      const p = await load(req);
      // The slug is fixed: the posted one (if any) is ignored, the stored one checked.
      const values: Record<string, string> = { ...typed(req.body, [...PLAN_FORM_FIELDS, 'apply_to_renewals']), slug: p.slug };
      const parsed = parsePlan({ ...(req.body as Record<string, unknown>), slug: p.slug });
      if (!parsed.ok) return form(req, res, p, values, parsed.errors, 422);
      let scheduled: number;
      try {
        ({ scheduled } = await plans.update(p.id, parsed.data, actorOf(req), { applyToRenewals: values.apply_to_renewals === 'yes' }));
      } catch (err) {
        const fields = refused(err);
        if (fields) return form(req, res, p, values, fields, 422);
        throw err;
      }
      flash(req, 'success', 'admin-billing:flash.plan_updated', { name: parsed.data.nameFr });
      if (scheduled > 0) flash(req, 'success', 'admin-billing:flash.plan_price_scheduled', { count: scheduled });
      res.redirect(303, '/admin/plans');
    },

    activate: async (req: Request, res: Response): Promise<void> => {
      const p = await load(req);
      await plans.setActive(p.id, true, actorOf(req));
      flash(req, 'success', 'admin-billing:flash.plan_activated', { name: p.nameFr });
      res.redirect(303, '/admin/plans');
    },

    deactivate: async (req: Request, res: Response): Promise<void> => {
      const p = await load(req);
      if (!confirmed(req, res, {
        title: 'admin-billing:plans.deactivate_title', message: 'admin-billing:plans.deactivate_message', params: { name: p.nameFr },
        action: `/admin/plans/${p.id}/deactivate`, back: '/admin/plans', button: 'admin-billing:plans.deactivate', danger: true,
      })) return;
      await plans.setActive(p.id, false, actorOf(req));
      flash(req, 'success', 'admin-billing:flash.plan_deactivated', { name: p.nameFr });
      res.redirect(303, '/admin/plans');
    },
  };
}

