/**
 * The one error hierarchy (DESIGN.md convention 6). Each error has a stable
 * machine `code` (used as the API's `error` field) and an HTTP `status`;
 * pages show a translated text chosen by status, never `message` itself.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends AppError {
  constructor(message = 'Bad request', details?: unknown, code = 'INVALID_REQUEST') {
    super(400, code, message, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication required', code = 'UNAUTHORIZED') {
    super(401, code, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Forbidden', code = 'FORBIDDEN') {
    super(403, code, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found', code = 'NOT_FOUND') {
    super(404, code, message);
  }
}

export class ConflictError extends AppError {
  constructor(message = 'Conflict', code = 'CONFLICT', details?: unknown) {
    super(409, code, message, details);
  }
}

/** Field errors of a form or a JSON body: `details` maps field name to an i18n key. */
export class ValidationError extends AppError {
  constructor(readonly fields: Record<string, string>, message = 'Validation failed') {
    super(422, 'VALIDATION_FAILED', message, fields);
  }
}

/** Too many requests; `retryAfter` in seconds becomes the Retry-After header (RFC 9110 §10.2.3). */
export class RateLimitedError extends AppError {
  constructor(readonly retryAfter: number, message = 'Too many requests', code = 'RATE_LIMIT_EXCEEDED') {
    super(429, code, message, { retry_after: retryAfter });
  }
}
