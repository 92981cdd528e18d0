/**
 * Login, logout, registration and verification pages (post/redirect/get,
 * flash messages, forms re-rendered with field errors and typed values,
 * passwords never echoed).
 */
import type { Request, Response } from 'express';
import { actorOf } from '../http/actor.js';
import { safeNext } from '../http/auth.js';
import { flash } from '../http/flash.js';
import { regenerateSession, saveSession } from '../http/session.js';
import type { AccountsService } from './accounts.service.js';
import { COUNTRIES, customerRegisterSchema, emailSchema, loginSchema, parseForm, registerSchema, typedValues } from './accounts.schemas.js';
import type { Account } from './accounts.repository.js';
import type { AuthService } from './auth.service.js';
import { enrolmentRequired, type TotpService } from './totp.service.js';

const REGISTER_FIELDS = ['company', 'name', 'email', 'phone', 'country', 'terms'] as const;

/** Where an account lands after login: partners their area, customers theirs (src/shop), staff the admin area. */
export function homeOf(account: Account): string {
  return account.role === 'partner' ? '/subscription/dashboard' : account.role === 'customer' ? '/account' : '/admin';
}

/** Start the logged-in session of `account`: a new session id, its record, the welcome message. */
export async function openLoginSession(auth: AuthService, req: Request, account: Account): Promise<void> {
  await regenerateSession(req);
  req.session.accountId = account.id;
  req.session.role = account.role;
  req.session.authAt = await auth.startSession(account, req.sessionID, { ...actorOf(req), id: account.id, email: account.email });
  flash(req, 'success', 'accounts.flash.logged_in');
  await saveSession(req);
}

/** Where a login ends: the enrolment page for staff who must enrol (STAFF_2FA_REQUIRED), else `next` or the account's home. */
export function landingOf(account: Account, next: string | null, mustEnrol: boolean): string {
  return mustEnrol ? '/subscription/account/totp' : next ?? homeOf(account);
}

export function createAuthController(accounts: AccountsService, auth: AuthService, totp: TotpService, staff2faRequired: boolean) {
  const renderRegister = (req: Request, res: Response, status: number, values: Record<string, string>, errors: Record<string, string>,
    customer = false): void => {
    const title = req.t(customer ? 'shop:register.title' : 'accounts.register.title');
    res.status(status).render('accounts/register', { title, values, errors, countries: COUNTRIES, customer });
  };
  const renderLogin = (
    req: Request, res: Response, status: number, values: Record<string, string>, errors: Record<string, string>,
    notice?: { key: string; params?: Record<string, string> },
  ): void => {
    const next = safeNext(req.query.next ?? (req.body as Record<string, unknown> | undefined)?.next);
    res.status(status).render('accounts/login', { title: req.t('accounts.login.title'), values, errors, notice, next });
  };

  return {
    registerForm: (req: Request, res: Response): void => {
      if (req.account) return res.redirect(303, homeOf(req.account));
      renderRegister(req, res, 200, typedValues({ country: 'FR' }, REGISTER_FIELDS), {});
    },

    register: async (req: Request, res: Response): Promise<void> => {
      const parsed = parseForm(registerSchema, req.body);
      if (!parsed.ok) return renderRegister(req, res, 422, typedValues(req.body, REGISTER_FIELDS), parsed.errors);
      await accounts.register(parsed.data, req.locale, actorOf(req));
      res.redirect(303, '/subscription/register/sent');
    },

    /** GET /register: a customer's registration (the shop); partners register at /subscription/register. */
    customerRegisterForm: (req: Request, res: Response): void => {
      if (req.account) return res.redirect(303, homeOf(req.account));
      renderRegister(req, res, 200, typedValues({ country: 'FR' }, REGISTER_FIELDS), {}, true);
    },

    /** POST /register */
    customerRegister: async (req: Request, res: Response): Promise<void> => {
      const parsed = parseForm(customerRegisterSchema, req.body);
      if (!parsed.ok) return renderRegister(req, res, 422, typedValues(req.body, REGISTER_FIELDS), parsed.errors, true);
      await accounts.register(parsed.data, req.locale, actorOf(req), 'customer');
      res.redirect(303, '/subscription/register/sent');
    },

    registerSent: (req: Request, res: Response): void => {
      res.render('accounts/message', {
        title: req.t('accounts.sent.title'),
        heading: 'accounts.sent.title',
        paragraphs: ['accounts.sent.text', 'accounts.sent.spam'],
        links: [{ href: '/subscription/login', key: 'accounts.login.title' }],
      });
    },

    verify: async (req: Request, res: Response): Promise<void> => {
      const result = await accounts.verify(req.query.token, actorOf(req));
      if (result.ok) {
        flash(req, 'success', 'accounts.verify.done');
        return res.redirect(303, '/subscription/login');
      }
      res.status(result.reason === 'invalid' ? 404 : 410)
        .render('accounts/verify-failed', { title: req.t('accounts.verify.failed_title'), reason: result.reason, values: { email: '' }, errors: {} });
    },

    resend: async (req: Request, res: Response): Promise<void> => {
      const parsed = parseForm(emailSchema, req.body);
      if (!parsed.ok) {
        const values = typedValues(req.body, ['email']);
        const title = req.t('accounts.verify.failed_title');
        return res.status(422).render('accounts/verify-failed', { title, reason: 'resend', values, errors: parsed.errors });
      }
      await accounts.resendVerification(parsed.data.email, actorOf(req));
      res.redirect(303, '/subscription/register/sent');
    },

    loginForm: (req: Request, res: Response): void => {
      if (req.account) return res.redirect(303, homeOf(req.account));
      renderLogin(req, res, 200, { email: '' }, {});
    },

    login: async (req: Request, res: Response): Promise<void> => {
      const parsed = parseForm(loginSchema, req.body);
      const values = typedValues(req.body, ['email']);
      if (!parsed.ok) return renderLogin(req, res, 422, values, parsed.errors);
      const result = await auth.authenticate(parsed.data.email, parsed.data.password, actorOf(req));
      if (!result.ok) {
        if (result.reason === 'invalid') return renderLogin(req, res, 401, values, {}, { key: 'accounts.login.invalid' });
        // A suspended owner is told why (the reason an admin typed when suspending).
        const reason = result.account.stateReason?.trim() ?? '';
        const key = result.reason === 'pending' ? 'accounts.login.pending' : reason ? 'accounts.login.suspended' : 'accounts.login.suspended_no_reason';
        return renderLogin(req, res, 403, values, {}, { key, params: { reason } });
      }
      const next = safeNext((req.body as Record<string, unknown>).next);
      if (await totp.isEnabled(result.account.id)) {
        // Not logged in yet: the second step (src/accounts/totp.controller.ts) opens the session.
        await regenerateSession(req);
        req.session.totpPending = { accountId: result.account.id, until: totp.pendingUntil(), next };
        await saveSession(req);
        return res.redirect(303, '/subscription/login/totp');
      }
      await openLoginSession(auth, req, result.account);
      res.redirect(303, landingOf(result.account, next, enrolmentRequired(result.account.role, staff2faRequired)));
    },

    logout: async (req: Request, res: Response): Promise<void> => {
      if (req.account) await auth.logout(req.account, req.sessionID, actorOf(req));
      await regenerateSession(req);
      flash(req, 'success', 'accounts.flash.logged_out');
      res.redirect(303, '/');
    },
  };
}
