/**
 * The license server: products, licenses, activation codes and the JSON API
 * (createLicensesApiRouter). Each table has one writer: LicensesService
 * (licenses, activations, heartbeats, validation statistics),
 * ProductsService (products), ActivationCodesService (batches and codes).
 * The admin pages (src/admin/licenses) call these services and read with
 * the types and mappers below.
 */
export type { LicensesApiDeps } from './context.js';
export { CODE_ALPHABET, generateActivationCode, parseActivationCode } from './activation-code.js';
export { createLicensesApiRouter, sendSignedError, SIGNED_PATHS, validationBody } from './licenses.router.js';
export { answerValidation, createAppListener, createValidateRoute, VALIDATE_PATHS, type ValidateRoute, type ValidateVersion } from './validate-route.js';
export {
  LicensesService, licenseToken, daysRemaining, TrialExistsError,
  type LicensesServiceDeps, type LicenseTokenFields, type IssuedLicense, type Validation, type RefusalCode, type ExpiryChange,
} from './licenses.service.js';
export { ProductsService, policyDetails, type ProductsServiceDeps } from './products.service.js';
export { ActivationCodesService, type ActivationCodesServiceDeps, type BatchRequest } from './activation-codes.service.js';
export { LicensesRepository, toLicense, toLicenseDetail, type LicenseRow, type LicenseDetail, type NewLicense } from './licenses.repository.js';
export { toProduct, type Product, type ProductPolicy } from './products.repository.js';
export type { Batch, CodeRow, CodeWithBatch } from './activation-codes.repository.js';
export {
  LICENSE_STATES, LICENSE_TYPES, PAID_LICENSE_TYPES, ACTIVATION_KINDS, LICENSE_CHANGES,
  type LicenseState, type PaidLicenseType, type ActivationKind, type LicenseChange,
} from './license-types.js';
export { ProductCache, PRODUCTS_TTL_MS } from './product-cache.js';
export { ValidationCounter, FLUSH_INTERVAL_MS } from './validation-counter.js';
export { signResponse, responseSignedBytes, sendSigned } from './response-signature.js';
export { clientBearer, type ClientKeys } from './client-key.js';
