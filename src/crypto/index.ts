/**
 * src/crypto: key files, Installation Codes and license tokens exactly as
 * subscription/keyfile-v1.md says. Pure: bytes in, bytes out, no I/O, no clock.
 */
export * from './errors.js';
export { kidOf, signingKey, verifySignature, ed25519PublicKeyObject, x25519PublicKey, sha512, type SigningKey } from './primitives.js';
export { installationCode, formatInstallationCode, normaliseInstallationCode, parseInstallationCode, CODE_LENGTH } from './installation-code.js';
export { sealChallenge, openChallenge, CHALLENGE_BYTES } from './challenge.js';
export { sealKeyFile, openKeyFile, encodePayload, rfc3339, MAX_UNITS, MAX_FILE_BYTES, type RechargePayload } from './keyfile.js';
export {
  signLicenseToken, verifyLicenseToken, verifyLicenseTokenAsync, encodeLicensePayload, type AsyncVerifier, type LicensePayload,
  type LicenseType,
} from './license-token.js';
