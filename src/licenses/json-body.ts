/**
 * The JSON body of a license API request, read the same way by the
 * validate fast path (validate-route.ts, node's request) and by the other
 * routes (licenses.router.ts, through `jsonBody()`): `content-type` parses
 * the header, `raw-body` reads at most 16 KB (declared or sent) as UTF-8,
 * and the text is parsed as body-parser's `json()` parses it (strict: an
 * object or an array; an empty body is `{}`; a leading BOM is dropped).
 *
 * Every refusal is a 400 INVALID_REQUEST (never a 413 or 415: the API
 * documents one status for a body it cannot use), and a refused body is
 * drained so the connection stays usable.
 */
import type { IncomingMessage } from 'node:http';
import { parse as parseContentType } from 'content-type';
import type { RequestHandler } from 'express';
import getRawBody from 'raw-body';
import { BadRequestError } from '../errors/index.js';

/** Largest body, bytes (the API's documented 16 KB). */
export const BODY_LIMIT = 16 * 1024;

export const BODY_ERRORS = {
  notJson: 'The body must be JSON (Content-Type: application/json)',
  notUtf8: 'The body must be UTF-8 JSON (charset=utf-8 or none)',
  compressed: 'The body must not be compressed',
  tooLarge: 'The body is over 16 KB',
  invalid: 'The body is not valid JSON',
  unreadable: 'The body could not be read',
} as const;

/** Why the headers of `req` announce no body this API reads (application/json, UTF-8, not compressed), or null. */
export function jsonHeadersProblem(headers: IncomingMessage['headers']): string | null {
  const type = parseContentType(headers['content-type'] ?? '');
  if (type.type !== 'application/json') return BODY_ERRORS.notJson;
  const charset = type.parameters.charset?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return BODY_ERRORS.notUtf8;
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return BODY_ERRORS.compressed;
  return null;
}

/** body-parser's strict JSON: empty is `{}`, else an object or an array. @throws SyntaxError */
function parseStrict(text: string): unknown {
  if (text.length === 0) return {};
  // eslint-disable-next-line no-control-regex -- JSON's whitespace (RFC 8259 §2) includes TAB, LF and CR
  const first = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d])/.exec(text)?.[1];
  if (first !== '{' && first !== '[') throw new SyntaxError('not an object or an array');
  return JSON.parse(text);
}

/**
 * The request's JSON body, parsed.
 * @throws (rejects with) BadRequestError INVALID_REQUEST (BODY_ERRORS) for
 *   headers that announce another body (jsonHeadersProblem), a body over
 *   16 KB, cut short or malformed.
 */
export function readJsonBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const refuse = (message: string): void => {
      req.resume();
      reject(new BadRequestError(message));
    };
    const problem = jsonHeadersProblem(req.headers);
    if (problem) return refuse(problem);
    getRawBody(req, { length: req.headers['content-length'], limit: BODY_LIMIT, encoding: 'utf-8' }, (err, text) => {
      if (err) return refuse(err.type === 'entity.too.large' ? BODY_ERRORS.tooLarge : BODY_ERRORS.unreadable);
      try {
        resolve(parseStrict(text));
      } catch {
        reject(new BadRequestError(BODY_ERRORS.invalid));
      }
    });
  });
}

/** Express middleware: `req.body` from readJsonBody, or the BadRequestError to the error handler. */
export function jsonBody(): RequestHandler {
  return (req, _res, next) => {
    readJsonBody(req).then((body) => {
      req.body = body;
      next();
    }, next);
  };
}
