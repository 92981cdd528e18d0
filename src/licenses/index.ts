/**
 * The license server (issue 6): products, licenses, activation codes and
 * the JSON API (createLicensesApiRouter). The admin pages (src/admin/licenses)
 * may reuse the service, `licenseToken(fields, signer)`, `daysRemaining`,
 * the repository and the types below.
 */
export type { LicensesApiDeps } from './context.js';
export { CODE_ALPHABET, generateActivationCode, parseActivationCode } from './activation-code.js';
export { createLicensesApiRouter, sendSignedError, SIGNED_PATHS, validationBody } from './licenses.router.js';
export { answerValidation, createAppListener, createValidateRoute, type ValidateRoute, type ValidateVersion } from './validate-route.js';
export {
  LicensesService, licenseToken, daysRemaining, TrialExistsError,
  type LicensesServiceDeps, type LicenseTokenFields, type IssuedLicense, type Validation, type RefusalCode,
} from './licenses.service.js';
export {
  LicensesRepository, toLicense, toProduct,
  type Product, type LicenseRow, type LicenseState, type PaidLicenseType, type CodeWithBatch, type NewLicense,
} from './licenses.repository.js';
export { ProductCache, PRODUCTS_TTL_MS } from './product-cache.js';
export { ValidationCounter, FLUSH_INTERVAL_MS } from './validation-counter.js';
export { signResponse, responseSignedBytes, sendSigned } from './response-signature.js';
