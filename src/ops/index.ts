/** Running the portal: backups, their verification and restores; health and readiness, Prometheus metrics, the HTTPS redirect. */
export { ARCHIVE_NAME, PARTS, type Manifest, type ManifestFile } from './archive.js';
export { createBackup, pruneArchives, scheduleBackup, type BackupReport } from './backup.js';
export { restoreArchive, RestoreRefused } from './restore.js';
export { markServer, runningServers } from './server-pid.js';
export { verifyArchive, type Verification } from './verify.js';
export { createHealthRouter, notReadyReason, READY_TIMEOUT_MS, type HealthDeps, type NotReadyReason } from './health.js';
export { Metrics } from './metrics.js';
export { bearerMatches, createMetricsRouter, isLoopback, measureRequests } from './metrics-route.js';
export { createHttpsRedirect, type TrustFn } from './https-redirect.js';
