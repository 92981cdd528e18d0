/** The downloads component: releases, the download page, logged and limited file downloads. */
export { DownloadsService } from './downloads.service.js';
export { ReleasesRepository, servedOf, type Release, type NewRelease, type ReleaseWithCounts, type ReleaseFilter } from './releases.repository.js';
export { DownloadBlocksRepository, canonicalIp, type DownloadBlock } from './download-blocks.repository.js';
export { DownloadBlocksService, type DownloadBlocksDeps } from './download-blocks.service.js';
export { compareDebianVersions } from './debian-version.js';
export { readDebInfo, debFilename, productOf, nameParts, DebError, type DebInfo, type DebErrorCode } from './deb-package.js';
export { DownloadLogRepository, type DownloadRow, type DownloadOutcome } from './download-log.repository.js';
export { createDownloadsController, PRODUCT, type SignedDownloads } from './downloads.controller.js';
export { DownloadLinks, type LinkClaims, type LinkRefusal } from './signed-links.js';
export { createDownloadsRouter } from './downloads.router.js';
export { planRange, streamFile, type Plan } from './release-stream.js';
