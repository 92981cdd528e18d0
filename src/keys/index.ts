/** The issuer keys component. */
export { IssuerKeys, type IssuerKeyRow } from './issuer-keys.js';
export { createKeysRouter } from './keys.router.js';
