/**
 * Forgotten password, reset, and the account page (profile, password,
 * sessions). The forgot form answers the same page whatever the address.
 */
import type { Request, Response } from 'express';
import { actorOf } from '../http/actor.js';
import { flash } from '../http/flash.js';
import { regenerateSession } from '../http/session.js';
import type { AccountsService } from './accounts.service.js';
import { COUNTRIES, emailSchema, parseForm, passwordChangeSchema, profileSchema, resetSchema, typedValues } from './accounts.schemas.js';
import type { AuthService } from './auth.service.js';
import type { TotpService } from './totp.service.js';
import { describeUserAgent } from './user-agent.js';

const PROFILE_FIELDS = ['company', 'name', 'phone', 'country', 'locale', 'address', 'vat_number'] as const;

/** Values and field errors the account page re-renders after a refused profile or password form. */
interface AccountForms {
  profile?: Record<string, string>;
  profileErrors?: Record<string, string>;
  passwordErrors?: Record<string, string>;
}

export function createAccountController(accounts: AccountsService, auth: AuthService, totp: TotpService) {
  const renderAccount = async (req: Request, res: Response, status: number, forms: AccountForms = {}): Promise<void> => {
    const account = req.account!;
    const sessions = (await auth.liveSessions(account.id)).map((s) => ({ ...s, agent: describeUserAgent(s.userAgent, req.t) }));
    res.status(status).render('accounts/account', {
      title: req.t('accounts.account.title'),
      profile: forms.profile ?? {
        company: account.company, name: account.name, phone: account.phone, country: account.country, locale: account.locale,
        address: account.address ?? '', vat_number: account.vatNumber ?? '',
      },
      profileErrors: forms.profileErrors ?? {},
      passwordErrors: forms.passwordErrors ?? {},
      countries: COUNTRIES,
      sessions,
      currentSid: req.sessionID,
      totp: await totp.status(account.id),
    });
  };

  return {
    forgotForm: (req: Request, res: Response): void => {
      res.render('accounts/forgot', { title: req.t('accounts.forgot.title'), values: { email: '' }, errors: {} });
    },

    forgot: async (req: Request, res: Response): Promise<void> => {
      const parsed = parseForm(emailSchema, req.body);
      if (!parsed.ok) {
        const values = typedValues(req.body, ['email']);
        return res.status(422).render('accounts/forgot', { title: req.t('accounts.forgot.title'), values, errors: parsed.errors });
      }
      // The reset mail (if any) leaves once the answer is sent: its work must not show in the answer's timing.
      await accounts.forgot(parsed.data.email, actorOf(req), (send) => res.once('close', send));
      res.redirect(303, '/subscription/forgot/sent');
    },

    forgotSent: (req: Request, res: Response): void => {
      res.render('accounts/message', {
        title: req.t('accounts.forgot.sent_title'),
        heading: 'accounts.forgot.sent_title',
        paragraphs: ['accounts.forgot.sent_text', 'accounts.sent.spam'],
        links: [{ href: '/subscription/login', key: 'accounts.login.title' }],
      });
    },

    resetForm: async (req: Request, res: Response): Promise<void> => {
      const check = await accounts.checkToken(req.query.token, 'reset');
      if (!check.ok) {
        return res.status(check.reason === 'invalid' ? 404 : 410)
          .render('accounts/reset-failed', { title: req.t('accounts.reset.failed_title'), reason: check.reason });
      }
      res.render('accounts/reset', { title: req.t('accounts.reset.title'), token: req.query.token, errors: {} });
    },

    reset: async (req: Request, res: Response): Promise<void> => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const parsed = parseForm(resetSchema, body);
      if (!parsed.ok) {
        const check = await accounts.checkToken(body.token, 'reset');
        if (!check.ok) return res.status(410).render('accounts/reset-failed', { title: req.t('accounts.reset.failed_title'), reason: check.reason });
        return res.status(422).render('accounts/reset', { title: req.t('accounts.reset.title'), token: body.token, errors: parsed.errors });
      }
      const result = await accounts.reset(parsed.data.token, parsed.data.password, actorOf(req));
      if (!result.ok) return res.status(410).render('accounts/reset-failed', { title: req.t('accounts.reset.failed_title'), reason: result.reason });
      flash(req, 'success', 'accounts.reset.done');
      res.redirect(303, '/subscription/login');
    },

    account: async (req: Request, res: Response): Promise<void> => renderAccount(req, res, 200),

    profile: async (req: Request, res: Response): Promise<void> => {
      const parsed = parseForm(profileSchema, req.body);
      if (!parsed.ok) return renderAccount(req, res, 422, { profile: typedValues(req.body, PROFILE_FIELDS), profileErrors: parsed.errors });
      await accounts.updateProfile(req.account!, parsed.data, actorOf(req));
      // The language just saved applies from now on, over one picked with ?lang= earlier in the session.
      delete req.session.lang;
      flash(req, 'success', 'accounts.account.profile_saved');
      res.redirect(303, '/subscription/account');
    },

    password: async (req: Request, res: Response): Promise<void> => {
      const parsed = parseForm(passwordChangeSchema, req.body);
      if (!parsed.ok) return renderAccount(req, res, 422, { passwordErrors: parsed.errors });
      const outcome = await accounts.changePassword(req.account!, parsed.data.current_password, parsed.data.password, req.sessionID, actorOf(req));
      if (outcome === 'wrong') return renderAccount(req, res, 422, { passwordErrors: { current_password: 'accounts.errors.current_password_wrong' } });
      if (outcome === 'ended') {
        // This session is over (AccountsService ended it): a fresh one carries the message to the login page.
        await regenerateSession(req);
        flash(req, 'error', 'accounts.flash.password_attempts');
        return res.redirect(303, '/subscription/login');
      }
      flash(req, 'success', 'accounts.account.password_changed');
      res.redirect(303, '/subscription/account');
    },

    endOtherSessions: async (req: Request, res: Response): Promise<void> => {
      const n = await auth.endSessions(req.account!.id, 'ended_by_owner', req.sessionID);
      flash(req, 'success', 'accounts.account.sessions_ended', { count: n });
      res.redirect(303, '/subscription/account');
    },
  };
}
