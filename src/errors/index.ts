/**
 * The one error hierarchy (DESIGN.md convention 6), free of any HTTP import:
 * services throw these, the HTTP error handler (src/http/error-handler.ts)
 * renders them. Each error has a stable
 * machine `code` (used as the API's `error` field) and an HTTP `status`;
 * pages show a translated text chosen by status, never `message` itself.
 */
import { ERR, type ErrorCode } from './codes.js';

export { ERR, type ErrorCode } from './codes.js';

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends AppError {
  constructor(message = 'Bad request', details?: unknown, code: ErrorCode = ERR.INVALID_REQUEST) {
    super(400, code, message, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication required', code: ErrorCode = ERR.UNAUTHORIZED) {
    super(401, code, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Forbidden', code: ErrorCode = ERR.FORBIDDEN) {
    super(403, code, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found', code: ErrorCode = ERR.NOT_FOUND) {
    super(404, code, message);
  }
}

export class ConflictError extends AppError {
  constructor(message = 'Conflict', code: ErrorCode = ERR.CONFLICT, details?: unknown) {
    super(409, code, message, details);
  }
}

/** Field errors of a form or a JSON body: `details` maps field name to an i18n key. */
export class ValidationError extends AppError {
  constructor(readonly fields: Record<string, string>, message = 'Validation failed') {
    super(422, ERR.VALIDATION_FAILED, message, fields);
  }
}

/** Too many requests; `retryAfter` in seconds becomes the Retry-After header (RFC 9110 §10.2.3). */
export class RateLimitedError extends AppError {
  constructor(readonly retryAfter: number, message = 'Too many requests', code: ErrorCode = ERR.RATE_LIMIT_EXCEEDED) {
    super(429, code, message, { retry_after: retryAfter });
  }
}
