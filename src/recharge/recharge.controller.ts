/**
 * The partner's recharge pages: form (typed code or request file), the
 * confirmation step, the recharge page with its key file, the history
 * (search, dates, pages, CSV) and the installations.
 *
 * The confirmation step is post/redirect/get: the form's POST checks what was
 * typed, keeps it in the session under a new confirmation id (pending.ts) and
 * redirects to GET /subscription/recharge/confirm/<id>. Back after confirming
 * shows that page again, which then says the recharge is already recorded.
 */
import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import { formatInstallationCode } from '../crypto/index.js';
import { actorOf } from '../http/actor.js';
import { AppError, ERR, ValidationError } from '../errors/index.js';
import { sendCsv } from '../http/csv.js';
import { flash } from '../http/flash.js';
import type { LedgerService } from './ledger.service.js';
import { dropPending, keepPending, pendingOf, type PendingRecharge } from './pending.js';
import { codeFromRequestFile, isConfirmId, parseRecharge, rechargeSchema, REQUEST_FILE_MAX_BYTES } from './recharge.schemas.js';
import type { RechargeService } from './recharge.service.js';
import { parseHistoryQuery } from './history-query.js';

const FIELDS = ['installation_code', 'customer', 'units', 'expires_in_days'] as const;
const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: REQUEST_FILE_MAX_BYTES, files: 1, fields: 20 } });
const EMPTY = { installation_code: '', customer: '', units: '', expires_in_days: '30' };

function typed(body: unknown): Record<string, string> {
  const b = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(FIELDS.map((f) => [f, typeof b[f] === 'string' ? (b[f] as string) : ''])) as Record<string, string>;
}

/** The form's fields filled from a pending confirmation (the code formatted in groups of 5). */
function valuesOf(p: PendingRecharge): Record<string, string> {
  return { installation_code: formatInstallationCode(p.code), customer: p.customer, units: String(p.units), expires_in_days: String(p.expiresInDays) };
}

const inputOf = (p: PendingRecharge) => ({ installationCode: p.code, customer: p.customer, units: p.units, expiresInDays: p.expiresInDays });

/**
 * `gate(accountId)`: why the partner may not recharge now (the subscription's state: `subscriptions:gate.<reason>`),
 * or null. A gated partner sees the form replaced by the reason and a link to /subscription/billing, and a POST is
 * answered the same way (409): nothing is prepared, debited or sealed.
 */
export function createRechargeController(
  service: RechargeService, ledger: LedgerService, gate: (accountId: number) => Promise<string | null> = async () => null,
) {
  type Fields = Record<string, string>;
  const renderForm = async (req: Request, res: Response, status: number, values: Fields, errors: Fields, fromFile = false): Promise<void> => {
    const [balance, blocked] = await Promise.all([ledger.balance(req.account!.id), gate(req.account!.id)]);
    res.status(blocked && status === 200 ? 409 : status)
      .render('recharge/form', { title: req.t('recharge.form.title'), values, errors, balance, fromFile, gate: blocked });
  };
  /** True when the partner may not recharge: the gated form has been answered. */
  const gated = async (req: Request, res: Response): Promise<boolean> => {
    if (!(await gate(req.account!.id))) return false;
    await renderForm(req, res, 409, EMPTY, {});
    return true;
  };

  /** A refused check (re-read at each step) shown on the form, typed values kept. Anything else is thrown again. */
  const refused = (req: Request, res: Response, values: Record<string, string>, err: unknown): Promise<void> => {
    if (err instanceof ValidationError) return renderForm(req, res, 422, values, err.fields);
    if (err instanceof AppError && err.code === ERR.ACCOUNT_SUSPENDED) return renderForm(req, res, 409, values, { form: 'recharge.errors.account_suspended' });
    if (err instanceof AppError && err.code === ERR.CONFIRMATION_USED) return renderForm(req, res, 409, values, { form: 'recharge.errors.confirm_invalid' });
    // The subscription stopped allowing recharges since the form was shown: the form shows the gate (nothing debited).
    if (err instanceof AppError && err.code === ERR.SUBSCRIPTION_INACTIVE) return renderForm(req, res, 409, EMPTY, {});
    throw err;
  };

  /** The confirmation page of pending `id`: what will happen, the balance after, and a recharge of the same installation moments ago. */
  const renderConfirm = async (req: Request, res: Response, id: string, p: PendingRecharge, status = 200, error = ''): Promise<void> => {
    let preview;
    try {
      preview = await service.prepare(req.account!, inputOf(p));
    } catch (err) {
      return refused(req, res, valuesOf(p), err);
    }
    const previous = await service.recentRecharge(req.account!.id, p.code);
    res.status(status).render('recharge/confirm', {
      title: req.t('recharge.confirm.title'), preview: { ...preview, confirmId: id }, formatted: formatInstallationCode(p.code), previous, error,
    });
  };

  return {
    /** multer for the request file; a too-big or odd upload becomes a field error, not an error page. */
    upload: (req: Request, res: Response, next: NextFunction): void => {
      upload.single('request_file')(req, res, (err: unknown) => {
        if (!err) return next();
        req.body = req.body ?? {};
        const tooBig = err instanceof multer.MulterError && err.code === 'LIMIT_FILE_SIZE';
        (req as Request & { uploadError?: string }).uploadError = tooBig ? 'recharge.errors.file_too_big' : 'recharge.errors.file_invalid';
        next();
      });
    },

    /** The form; `?edit=<confirmation id>` fills it from that pending confirmation ("Modifier"). */
    form: async (req: Request, res: Response): Promise<void> => {
      const id = typeof req.query.edit === 'string' ? req.query.edit : '';
      const pending = isConfirmId(id) ? pendingOf(req, id) : null;
      return renderForm(req, res, 200, pending ? valuesOf(pending) : EMPTY, {}, pending?.fromFile ?? false);
    },

    prepare: async (req: Request, res: Response): Promise<void> => {
      if (await gated(req, res)) return;
      const values = typed(req.body);
      const uploadError = (req as Request & { uploadError?: string }).uploadError;
      if (uploadError) return renderForm(req, res, 422, values, { request_file: uploadError });
      if (req.file) {
        const fromFile = codeFromRequestFile(req.file.buffer);
        if (!fromFile) return renderForm(req, res, 422, values, { request_file: 'recharge.errors.file_invalid' });
        values.installation_code = fromFile;
      }
      const parsed = parseRecharge(rechargeSchema, values);
      if (!parsed.ok) return renderForm(req, res, 422, values, parsed.errors);
      const d = parsed.data;
      try {
        const preview = await service.prepare(
          req.account!,
          { installationCode: d.installation_code, customer: d.customer, units: d.units, expiresInDays: d.expires_in_days },
        );
        const pending = { code: preview.code, customer: d.customer, units: d.units, expiresInDays: d.expires_in_days, fromFile: Boolean(req.file) };
        keepPending(req, preview.confirmId, pending);
        res.redirect(303, `/subscription/recharge/confirm/${preview.confirmId}`);
      } catch (err) {
        return refused(req, res, values, err);
      }
    },

    /** GET /subscription/recharge/confirm/:id — the pending confirmation, or "already recorded" once used. */
    confirmPage: async (req: Request, res: Response): Promise<void> => {
      // Not kept by the browser: Back after confirming asks again and learns the confirmation was used.
      res.setHeader('Cache-Control', 'no-store');
      const id = String(req.params.id);
      const done = await service.ownRecharge(id, req.account!.id);
      if (done) {
        res.render('recharge/confirmed', { title: req.t('recharge-flow:confirmed.title'), r: done, formatted: formatInstallationCode(done.installationCode) });
        return;
      }
      const pending = isConfirmId(id) ? pendingOf(req, id) : null;
      if (!pending) {
        flash(req, 'error', 'recharge.errors.confirm_invalid');
        return res.redirect(303, '/subscription/recharge');
      }
      return renderConfirm(req, res, id, pending);
    },

    /** POST /subscription/recharge/confirm — `confirm_id`, and `again=yes` for a second recharge of an installation within minutes. */
    confirm: async (req: Request, res: Response): Promise<void> => {
      if (await gated(req, res)) return;
      const body = (req.body ?? {}) as Record<string, unknown>;
      const id = typeof body.confirm_id === 'string' ? body.confirm_id : '';
      const pending = isConfirmId(id) ? pendingOf(req, id) : null;
      if (!pending) {
        // A second submit of a confirmation already used lands on its recharge.
        const done = isConfirmId(id) ? await service.ownRecharge(id, req.account!.id) : null;
        if (done) return res.redirect(303, `/subscription/recharges/${done.id}`);
        return renderForm(req, res, 409, EMPTY, { form: 'recharge.errors.confirm_invalid' });
      }
      try {
        const r = await service.confirm(req.account!, { ...inputOf(pending), confirmId: id, again: body.again === 'yes' }, actorOf(req));
        dropPending(req, id);
        flash(req, 'success', 'recharge.flash.created', { units: r.units, serial: r.serial });
        res.redirect(303, `/subscription/recharges/${r.id}`);
      } catch (err) {
        const repeated = err instanceof AppError && err.code === ERR.RECHARGE_REPEATED;
        if (repeated) return renderConfirm(req, res, id, pending, 409, 'recharge-flow:errors.again_required');
        return refused(req, res, valuesOf(pending), err);
      }
    },

    show: async (req: Request, res: Response): Promise<void> => {
      const r = await service.visible(String(req.params.id), req.account!);
      res.render('recharge/show', { title: req.t('recharge.show.title'), r, formatted: formatInstallationCode(r.installationCode) });
    },

    /**
     * The key file. A download delivers it (delivered_at set once; after that
     * it cannot be revoked): its own partner's, or an admin's, which also
     * writes an audit row (the file has left the portal either way). Support
     * is read-only and gets 403 (see the router).
     * A revoked recharge answers 410 with an explanation page.
     */
    keyFile: async (req: Request, res: Response): Promise<void> => {
      const r = await service.visible(String(req.params.id), req.account!);
      const bytes = await service.deliver(r, r.partnerId === req.account!.id ? undefined : actorOf(req));
      if (!bytes) {
        // Read again: a revocation may have won the race with this download.
        const revoked = await service.visible(r.id, req.account!);
        res.status(410).render('recharge/revoked', { title: req.t('recharge.revoked.title'), r: revoked });
        return;
      }
      res.attachment(`artisan_nd-${r.installationCode.slice(0, 5)}-${r.serial}.bin`);
      res.type('application/octet-stream').setHeader('Cache-Control', 'private, no-store');
      res.send(bytes);
    },

    /** The partner's own recharges, each under the label it was made for; `format=csv` exports them. */
    history: async (req: Request, res: Response): Promise<void> => {
      const q = parseHistoryQuery(req.query);
      const filter = { partnerId: req.account!.id, q: q.q || undefined, from: q.from ?? undefined, to: q.toExclusive ?? undefined };
      if (q.csv) {
        const { rows } = await service.list(filter, 100_000, 0);
        sendCsv(req, res, 'recharges.csv', ['issued_at', 'id', 'customer', 'installation_code', 'serial', 'units', 'state', 'sha256'],
          rows.map((r) => [r.issuedAt, r.id, r.customer, r.installationCode, r.serial, r.units, r.state, r.sha256]));
        return;
      }
      const { rows, total } = await service.list(filter, q.perPage, (q.page - 1) * q.perPage);
      res.render('recharge/history', { title: req.t('recharge.history.title'), rows, total, query: q, pages: Math.max(1, Math.ceil(total / q.perPage)) });
    },

    /** The installations this partner recharged, with their own recharges only. */
    installations: async (req: Request, res: Response): Promise<void> => {
      const rows = await service.installationsOf(req.account!.id);
      res.render('recharge/installations', { title: req.t('recharge.installations.title'), rows, format: formatInstallationCode });
    },
  };
}
