/**
 * Typed rejections of src/crypto, each carrying the reason code of
 * subscription/keyfile-v1.md (the contract with desktop clients).
 */

/** Reasons a key file is refused (spec "Verification", steps 1–8). */
export type KeyFileReason = 'FORMAT' | 'NOT_FOR_THIS_INSTALLATION' | 'UNKNOWN_ISSUER_KEY' | 'BAD_SIGNATURE' | 'EXPIRED' | 'ALREADY_APPLIED';

/** Reasons an Installation Code is refused (spec "Installation Code", parsing). */
export type InstallationCodeReason = 'INSTALLATION_CODE_LENGTH' | 'INSTALLATION_CODE_CHARACTER' | 'INSTALLATION_CODE_PADDING' | 'INSTALLATION_CODE_CHECKSUM';

/** Reasons a license token is refused (spec "License token"). */
export type LicenseTokenReason = 'FORMAT' | 'UNKNOWN_ISSUER_KEY' | 'BAD_SIGNATURE' | 'EXPIRED';

export class KeyFileError extends Error {
  constructor(readonly reason: KeyFileReason, detail: string = reason) {
    super(detail);
    this.name = 'KeyFileError';
  }
}

export class InstallationCodeError extends Error {
  constructor(readonly reason: InstallationCodeReason) {
    super(reason);
    this.name = 'InstallationCodeError';
  }
}

export class LicenseTokenError extends Error {
  constructor(readonly reason: LicenseTokenReason, detail: string = reason) {
    super(detail);
    this.name = 'LicenseTokenError';
  }
}
