/**
 * The partner's recharge pages: form (typed code or request file), the
 * confirmation step, the recharge page with its key file, the history
 * (search, dates, pages, CSV) and the installations.
 */
import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import { formatInstallationCode } from '../crypto/index.js';
import { actorOf } from '../http/actor.js';
import { AppError, ERR, ValidationError } from '../errors/index.js';
import { sendCsv } from '../http/csv.js';
import { flash } from '../http/flash.js';
import type { LedgerService } from './ledger.service.js';
import { codeFromRequestFile, confirmSchema, parseRecharge, rechargeSchema, REQUEST_FILE_MAX_BYTES } from './recharge.schemas.js';
import type { RechargeService } from './recharge.service.js';
import { parseHistoryQuery } from './history-query.js';

const FIELDS = ['installation_code', 'customer', 'units', 'expires_in_days'] as const;
const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: REQUEST_FILE_MAX_BYTES, files: 1, fields: 20 } });

function typed(body: unknown): Record<string, string> {
  const b = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(FIELDS.map((f) => [f, typeof b[f] === 'string' ? (b[f] as string) : ''])) as Record<string, string>;
}

export function createRechargeController(service: RechargeService, ledger: LedgerService) {
  const renderForm = async (req: Request, res: Response, status: number, values: Record<string, string>, errors: Record<string, string>): Promise<void> => {
    const balance = await ledger.balance(req.account!.id);
    res.status(status).render('recharge/form', { title: req.t('recharge.form.title'), values, errors, balance });
  };

  return {
    /** multer for the request file; a too-big or odd upload becomes a field error, not an error page. */
    upload: (req: Request, res: Response, next: NextFunction): void => {
      upload.single('request_file')(req, res, (err: unknown) => {
        if (!err) return next();
        req.body = req.body ?? {};
        (req as Request & { uploadError?: string }).uploadError = err instanceof multer.MulterError && err.code === 'LIMIT_FILE_SIZE' ? 'recharge.errors.file_too_big' : 'recharge.errors.file_invalid';
        next();
      });
    },

    form: async (req: Request, res: Response): Promise<void> => renderForm(req, res, 200, { installation_code: '', customer: '', units: '', expires_in_days: '30' }, {}),

    prepare: async (req: Request, res: Response): Promise<void> => {
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
      try {
        const d = parsed.data;
        const preview = await service.prepare(req.account!, { installationCode: d.installation_code, customer: d.customer, units: d.units, expiresInDays: d.expires_in_days });
        res.render('recharge/confirm', { title: req.t('recharge.confirm.title'), preview, formatted: formatInstallationCode(preview.code) });
      } catch (err) {
        if (err instanceof ValidationError) return renderForm(req, res, 422, values, err.fields);
        if (err instanceof AppError && err.code === ERR.ACCOUNT_SUSPENDED) return renderForm(req, res, 409, values, { form: 'recharge.errors.account_suspended' });
        throw err;
      }
    },

    confirm: async (req: Request, res: Response): Promise<void> => {
      const parsed = parseRecharge(confirmSchema, req.body);
      if (!parsed.ok) return renderForm(req, res, 422, typed(req.body), parsed.errors);
      const d = parsed.data;
      try {
        const r = await service.confirm(req.account!, { installationCode: d.installation_code, customer: d.customer, units: d.units, expiresInDays: d.expires_in_days, confirmId: d.confirm_id }, actorOf(req));
        flash(req, 'success', 'recharge.flash.created', { units: r.units, serial: r.serial });
        res.redirect(303, `/subscription/recharges/${r.id}`);
      } catch (err) {
        if (err instanceof ValidationError) return renderForm(req, res, 422, typed(req.body), err.fields);
        if (err instanceof AppError && err.code === ERR.CONFIRMATION_USED) return renderForm(req, res, 409, typed(req.body), { form: 'recharge.errors.confirm_invalid' });
        if (err instanceof AppError && err.code === ERR.ACCOUNT_SUSPENDED) return renderForm(req, res, 409, typed(req.body), { form: 'recharge.errors.account_suspended' });
        throw err;
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
        const revoked = (await service.repo.rechargeById(r.id)) ?? r;
        res.status(410).render('recharge/revoked', { title: req.t('recharge.revoked.title'), r: revoked });
        return;
      }
      res.attachment(`artisan_nd-${r.installationCode.slice(0, 5)}-${r.serial}.bin`);
      res.type('application/octet-stream').setHeader('Cache-Control', 'private, no-store');
      res.send(bytes);
    },

    history: async (req: Request, res: Response): Promise<void> => {
      const q = parseHistoryQuery(req.query);
      const filter = { partnerId: req.account!.id, q: q.q || undefined, from: q.from ?? undefined, to: q.toExclusive ?? undefined };
      if (q.csv) {
        const { rows } = await service.repo.list(filter, 100_000, 0);
        sendCsv(req, res, 'recharges.csv', ['issued_at', 'id', 'customer', 'installation_code', 'serial', 'units', 'state', 'sha256'],
          rows.map((r) => [r.issuedAt, r.id, r.customer, r.installationCode, r.serial, r.units, r.state, r.sha256]));
        return;
      }
      const { rows, total } = await service.repo.list(filter, q.perPage, (q.page - 1) * q.perPage);
      res.render('recharge/history', { title: req.t('recharge.history.title'), rows, total, query: q, pages: Math.max(1, Math.ceil(total / q.perPage)) });
    },

    installations: async (req: Request, res: Response): Promise<void> => {
      const rows = await service.repo.installationsOf(req.account!.id);
      res.render('recharge/installations', { title: req.t('recharge.installations.title'), rows, format: formatInstallationCode });
    },
  };
}
