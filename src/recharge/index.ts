/** The recharge component: balances (ledger), installations, recharges and their key files. */
export { LedgerService } from './ledger.service.js';
export { ledgerReason, withLedgerText } from './ledger-text.js';
export { RechargeService } from './recharge.service.js';
export { KeyFileStore } from './keyfile-store.js';
export { createRechargeController } from './recharge.controller.js';
export { createRechargeRouter, createKeyfilesApiRouter } from './recharge.router.js';
export { InstallationsService, type InstallationsServiceDeps, type Transfer } from './installations.service.js';
