/** Routes of the account pages, under /subscription (the partner area's doors), and the customers' /register and /login. */
import { Router, type RequestHandler } from 'express';
import { requireLogin } from '../http/auth.js';
import type { createAccountController } from './account.controller.js';
import type { createAuthController } from './auth.controller.js';
import type { createTotpController } from './totp.controller.js';

export interface AccountLimiters {
  login: RequestHandler;
  forgot: RequestHandler;
  register: RequestHandler;
}

export function createAccountsRouter(
  authCtl: ReturnType<typeof createAuthController>,
  accountCtl: ReturnType<typeof createAccountController>,
  totpCtl: ReturnType<typeof createTotpController>,
  limit: AccountLimiters,
): Router {
  const router = Router();
  router.get('/subscription/register', authCtl.registerForm);
  router.post('/subscription/register', limit.register, authCtl.register);
  router.get('/subscription/register/sent', authCtl.registerSent);
  // The shop's customers: their own registration; one login page serves both (each lands on its own area).
  router.get('/register', authCtl.customerRegisterForm);
  router.post('/register', limit.register, authCtl.customerRegister);
  router.get('/login', authCtl.loginForm);
  router.get('/subscription/verify', authCtl.verify);
  router.post('/subscription/verify/resend', limit.register, authCtl.resend);
  router.get('/subscription/login', authCtl.loginForm);
  router.post('/subscription/login', limit.login, authCtl.login);
  router.get('/subscription/login/totp', totpCtl.loginForm);
  router.post('/subscription/login/totp', limit.login, totpCtl.login);
  router.post('/subscription/logout', authCtl.logout);
  router.get('/subscription/forgot', accountCtl.forgotForm);
  router.post('/subscription/forgot', limit.forgot, accountCtl.forgot);
  router.get('/subscription/forgot/sent', accountCtl.forgotSent);
  router.get('/subscription/reset', accountCtl.resetForm);
  router.post('/subscription/reset', limit.forgot, accountCtl.reset);
  router.get('/subscription/account', requireLogin, accountCtl.account);
  router.post('/subscription/account/profile', requireLogin, accountCtl.profile);
  router.post('/subscription/account/password', requireLogin, accountCtl.password);
  router.post('/subscription/account/sessions/end-others', requireLogin, accountCtl.endOtherSessions);
  router.get('/subscription/account/totp', requireLogin, totpCtl.enrolForm);
  router.post('/subscription/account/totp', requireLogin, limit.login, totpCtl.confirm);
  router.post('/subscription/account/totp/disable', requireLogin, limit.login, totpCtl.disable);
  return router;
}
