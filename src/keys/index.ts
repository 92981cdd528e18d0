/** The issuer keys component. */
export { IssuerKeys, REFRESH_MS, type IssuerKeyRow, type Rotation } from './issuer-keys.js';
export { createKeysRouter } from './keys.router.js';
