/** The downloads component: releases, the download page, logged and limited file downloads. */
export { DownloadsService } from './downloads.service.js';
export { ReleasesRepository, type Release, type NewRelease } from './releases.repository.js';
export { DownloadLogRepository, type DownloadRow } from './download-log.repository.js';
export { createDownloadsController, PRODUCT } from './downloads.controller.js';
export { createDownloadsRouter } from './downloads.router.js';
