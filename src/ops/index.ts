/** Operations: backups, their verification and restores (see the README's "Backup and restore"). */
export { ARCHIVE_NAME, PARTS, type Manifest, type ManifestFile } from './archive.js';
export { createBackup, pruneArchives, scheduleBackup, type BackupReport } from './backup.js';
export { restoreArchive, RestoreRefused } from './restore.js';
export { markServer, runningServers } from './server-pid.js';
export { verifyArchive, type Verification } from './verify.js';
