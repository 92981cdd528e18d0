/** Operations: maintenance mode and data retention (what other components import from here). */
export { CleanupService, TOKEN_GRACE_DAYS, type CleanupReport, type CleanupOwners } from './cleanup.js';
export { MAINTENANCE_OFF, type MaintenanceState } from './maintenance.repository.js';
export { MAINTENANCE_MESSAGE_MAX, MaintenanceService } from './maintenance.service.js';
export { createMaintenanceGate, MAINTENANCE_RETRY_AFTER, openDuringMaintenance, type MaintenanceGate } from './maintenance.middleware.js';
export { createMaintenanceRouter } from './maintenance.router.js';
