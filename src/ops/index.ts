/**
 * Running the portal: backups, their verification and restores; health and readiness, Prometheus metrics, the HTTPS
 * redirect; maintenance mode and data retention (see the README).
 */
export { CleanupService, TOKEN_GRACE_DAYS, type CleanupReport, type CleanupOwners } from './cleanup.js';
export { MAINTENANCE_OFF, type MaintenanceState } from './maintenance.repository.js';
export { MAINTENANCE_MESSAGE_MAX, MaintenanceService } from './maintenance.service.js';
export { createMaintenanceGate, MAINTENANCE_RETRY_AFTER, openDuringMaintenance, type MaintenanceGate } from './maintenance.middleware.js';
export { createMaintenanceRouter } from './maintenance.router.js';
export { ARCHIVE_ENTRY, ARCHIVE_NAME, PARTS, type Manifest, type ManifestFile } from './archive.js';
export { AGE_SUFFIX, ArchiveProblem, TAR_SUFFIX } from './archive-file.js';
export { createBackup, pruneArchives, scheduleBackup, type BackupOptions, type BackupReport } from './backup.js';
export { restoreArchive, RestoreRefused } from './restore.js';
export { markServer, runningServers } from './server-pid.js';
export { removeScratchOnSignal } from './staging.js';
export { verifyArchive, type Verification, type VerifyOptions } from './verify.js';
export { createHealthRouter, notReadyReason, READY_TIMEOUT_MS, type HealthDeps, type NotReadyReason } from './health.js';
export { Metrics } from './metrics.js';
export { bearerMatches, createMetricsRouter, isLoopback, measureRequests } from './metrics-route.js';
export { createHttpsRedirect, type TrustFn } from './https-redirect.js';
