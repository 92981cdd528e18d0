/**
 * /admin/subscriptions: the list (search by partner or plan, state filter,
 * pages of 50, CSV) and one subscription (partner, plan and the snapshot it
 * keeps, state, period, next due date, dunning, timeline, documents, credit
 * balance) with the staff actions of the seed's flow 4. Support reads; admin
 * and superadmin act. SubscriptionsService decides, writes and audits
 * (src/billing/subscriptions.staff.ts: what each action does and when it is
 * refused); a refusal re-renders the page with its reason (409, or 422 for a
 * field), never a 5xx. Suspend, pause and cancel are confirmed first.
 */
import type { Request, Response } from 'express';
import { SUBSCRIPTION_STATES, toDecimalString, type Subscription, type SubscriptionState } from '../../billing/index.js';
import { formatDay } from '../../billing/invoice-pdf.js';
import { NotFoundError, ValidationError } from '../../errors/index.js';
import { actorOf } from '../../http/actor.js';
import { sendCsv } from '../../http/csv.js';
import { flash } from '../../http/flash.js';
import type { AdminDeps } from '../context.js';
import { canAct, moneyIn } from '../billing/render.js';
import { calendarDay, oneLine, typed } from '../billing/forms.js';
import { confirmed, pager, parseListQuery, queryString, routeId } from '../shared.js';
import { SubscriptionReports, type SubscriptionFilter } from './subscription-reports.js';

const E = (k: string): string => `admin-subscriptions:errors.${k}`;
const CSV = ['id', 'partner_email', 'company', 'plan', 'state', 'price', 'currency', 'cycle', 'period_start', 'period_end', 'created_at'];
const LIVE: readonly SubscriptionState[] = ['pending', 'trialing', 'active', 'past_due', 'suspended', 'paused'];

/** The staff actions and the form each re-renders. */
export type SubscriptionAction = 'extend' | 'suspend' | 'reactivate' | 'pause' | 'resume' | 'cancel';

interface ShowState {
  form?: SubscriptionAction;
  values?: Record<string, string>;
  errors?: Record<string, string>;
}

export function createSubscriptionsController(deps: AdminDeps) {
  const reports = new SubscriptionReports(deps.db);
  const subs = deps.subscriptions;
  const render = (req: Request, res: Response, view: string, data: Record<string, unknown>, status = 200): void => {
    res.status(status).render(`admin/subscriptions/${view}`, {
      sellerConfigured: deps.config.billing.sellerConfigured, canAct: canAct(req), money: moneyIn(req),
      day: (d: string | null) => (d ? formatDay(d, req.locale === 'en' ? 'en' : 'fr') : '—'), ...data,
    });
  };

  const load = async (req: Request): Promise<Subscription> => {
    const id = routeId(req.params.id);
    const sub = id === null ? null : await subs.byId(id);
    if (!sub) throw new NotFoundError('no such subscription');
    return sub;
  };

  const renderShow = async (req: Request, res: Response, sub: Subscription, state: ShowState = {}, status = 200): Promise<void> => {
    const [account, plan, events, documents, dunning, credit] = await Promise.all([
      reports.account(sub.accountId), subs.plan(sub.planId), subs.events(sub.id), reports.documents(sub.id), subs.dunning(sub),
      deps.billing.credits.balance(sub.accountId, sub.currency),
    ]);
    const actors = await reports.emails(events.map((e) => e.actorId).filter((a): a is number => a !== null));
    const values = { invoice_id: String(dunning.unpaid[0]?.id ?? ''), due_date: '', reason: '', ...state.values };
    render(req, res, 'show', {
      title: req.t('admin-subscriptions:show.title', { id: sub.id }), sub, partner: account, plan, events, actors, documents, dunning, credit,
      live: LIVE.includes(sub.state), form: state.form ?? null, values, errors: state.errors ?? {},
    }, status);
  };

  /** Run staff action `form` on the subscription; refusals re-render its form. */
  const act = async (req: Request, res: Response, form: SubscriptionAction, run: (sub: Subscription, reason: string) => Promise<unknown>,
    confirm?: { danger?: boolean }): Promise<void> => {
    const sub = await load(req);
    const values = typed(req.body, ['reason', 'invoice_id', 'due_date']);
    const reason = oneLine(values.reason!, 500);
    if (reason === null) return renderShow(req, res, sub, { form, values, errors: { reason: E('reason') } }, 422);
    if (confirm && !confirmed(req, res, {
      title: `admin-subscriptions:confirm.${form}_title`, message: `admin-subscriptions:confirm.${form}_message`,
      params: { id: sub.id, email: (await reports.account(sub.accountId))?.email ?? '' },
      action: `/admin/subscriptions/${sub.id}/${form}`, back: `/admin/subscriptions/${sub.id}`, button: `admin-subscriptions:actions.${form}`,
      danger: confirm.danger,
    })) return;
    try {
      await run(sub, reason);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const fieldError = Object.keys(err.fields).some((k) => k !== 'form');
      return renderShow(req, res, (await subs.byId(sub.id))!, { form, values, errors: err.fields }, fieldError ? 422 : 409);
    }
    flash(req, 'success', `admin-subscriptions:flash.${form}`, { id: sub.id });
    res.redirect(303, `/admin/subscriptions/${sub.id}`);
  };

  return {
    /** GET /admin/subscriptions */
    list: async (req: Request, res: Response): Promise<void> => {
      const q = parseListQuery(req.query as Record<string, unknown>, ['id'], ['state']);
      const state = SUBSCRIPTION_STATES.find((s) => s === q.params.state) ?? '';
      if (!state) delete q.params.state;
      const filter: SubscriptionFilter = { q: q.q, state };
      if (q.csv) {
        const rows = await reports.list(filter, 100_000, 0);
        return sendCsv(req, res, 'subscriptions.csv', CSV, rows.map((r) => [
          r.id, r.email, r.company, r.planSlug, r.state, toDecimalString(r.price, r.currency), r.currency, r.billingCycle, r.periodStart ?? '',
          r.periodEnd ?? '', r.createdAt,
        ]));
      }
      const [rows, total] = await Promise.all([reports.list(filter, q.perPage, q.offset), reports.count(filter)]);
      render(req, res, 'list', {
        title: req.t('admin-subscriptions:list.title'), rows, total, query: q, state, states: SUBSCRIPTION_STATES,
        filtered: Object.keys(q.params).length > 0, pg: pager(q, total, '/admin/subscriptions'),
        qs: (extra: Record<string, string>) => queryString(q.params, extra),
      });
    },

    /** GET /admin/subscriptions/:id */
    show: async (req: Request, res: Response): Promise<void> => renderShow(req, res, await load(req)),

    /** POST /admin/subscriptions/:id/extend (invoice_id, due_date, reason) */
    extend: (req: Request, res: Response) => act(req, res, 'extend', async (sub, reason) => {
      const v = typed(req.body, ['invoice_id', 'due_date']);
      const errors: Record<string, string> = {};
      const invoiceId = routeId(v.invoice_id!.trim());
      if (invoiceId === null) errors.invoice_id = E('extend_invoice');
      const dueDate = calendarDay(v.due_date!);
      if (!dueDate) errors.due_date = E('extend_date');
      if (Object.keys(errors).length) throw new ValidationError(errors);
      await subs.extendDue(sub.id, { invoiceId: invoiceId!, dueDate: dueDate!, reason }, actorOf(req));
    }),

    /** POST /admin/subscriptions/:id/suspend (reason), confirmed */
    suspend: (req: Request, res: Response) => act(req, res, 'suspend', (sub, reason) => subs.suspendNow(sub.id, actorOf(req), reason), {}),

    /** POST /admin/subscriptions/:id/reactivate (reason) */
    reactivate: (req: Request, res: Response) => act(req, res, 'reactivate', (sub, reason) => subs.reactivate(sub.id, actorOf(req), reason)),

    /** POST /admin/subscriptions/:id/pause (reason), confirmed */
    pause: (req: Request, res: Response) => act(req, res, 'pause', (sub, reason) => subs.pause(sub.id, true, actorOf(req), reason), {}),

    /** POST /admin/subscriptions/:id/resume (reason) */
    resume: (req: Request, res: Response) => act(req, res, 'resume', (sub, reason) => subs.pause(sub.id, false, actorOf(req), reason)),

    /** POST /admin/subscriptions/:id/cancel (reason), confirmed */
    cancel: (req: Request, res: Response) => act(req, res, 'cancel', (sub, reason) => subs.cancelNow(sub.id, actorOf(req), reason), { danger: true }),
  };
}
