/** The issuer keys component. */
export { IssuerKeys, REFRESH_MS, type IssuerKeyRow, type Rotation } from './issuer-keys.js';
export { IssuerKeysService, type IssuerKeysServiceDeps, type KeyListing } from './issuer-keys.service.js';
export { createKeysRouter } from './keys.router.js';
