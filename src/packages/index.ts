/**
 * Client packages (the seed's "Gestion des Packages Clients"): API keys
 * `sk_<plan>_<random>` stored as their SHA-256, the zips sent to clients
 * (release + key + README), their download window and cleanup, and the
 * client API (GET /api/v1/client/me). PackagesService is the only writer of
 * `client_packages`; the admin pages (src/admin/packages) and
 * `npm run package:create` call it.
 */
export { API_KEY, BASE62, KEY_RANDOM_CHARS, SLUG, bearerApiKey, hashApiKey, newApiKey, randomBase62 } from './api-key.js';
export { readmeText, type ReadmeFacts } from './package-readme.js';
export { sumsText, writePackageZip, type PackageFiles, type WrittenZip } from './package-zip.js';
export { type ClientPackage, type PackageSearch } from './packages.repository.js';
export {
  CLIENT_SLUG, MAX_GRACE_DAYS, PackagesService, parseGraceDays, parsePackageRequest,
  type ClientKey, type PackageRelease, type PackageRequest, type PackagesServiceDeps, type PackagesSettings,
} from './packages.service.js';
export { createClientApiRouter } from './packages.api.js';
export { buildPackagesService, type PackagesBuild } from './build.js';
