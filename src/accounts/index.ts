/** The accounts component: partner and staff accounts, login, sessions, recovery. */
export { AccountsService, type StateChange } from './accounts.service.js';
export { AuthService, sessionLimits, type SessionTerminator } from './auth.service.js';
export { AccountMails } from './account-mails.js';
export { AccountsRepository, ROLES, STATES, type Account, type Role, type AccountState, type ApiTokenRow } from './accounts.repository.js';
export { createAuthController, homeOf } from './auth.controller.js';
export { createAccountController } from './account.controller.js';
export { createAccountsRouter } from './accounts.router.js';
export { hashPassword, verifyPassword, passwordProblem, ARGON2_OPTIONS } from './passwords.js';
export { TotpService, RECOVERY_CODES } from './totp.service.js';
export { createTotpController } from './totp.controller.js';
