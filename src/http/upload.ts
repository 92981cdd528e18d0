/**
 * One uploaded file per form (multer, before the CSRF check): multer streams
 * the file (form field `field`) to `<FILES_DIR>/.tmp/upload-<random>.part`,
 * on the same filesystem as files/ so an accepted file is moved into place
 * atomically; at most `maxBytes` bytes. Every temporary file of the request
 * is deleted by `discardUploads` (the controller awaits it before answering)
 * and again when the response closes, whatever happened (a CSRF refusal
 * after multer, an error), so nothing is left half-written.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import type { Config } from '../config/index.js';

const TEMP_FILES = Symbol('uploadTempFiles');
const UPLOAD_ERROR = Symbol('uploadError');

type Tracked = Request & { [TEMP_FILES]?: string[]; [UPLOAD_ERROR]?: string };

/** Folder of upload temporary files: `<FILES_DIR>/.tmp`. */
export function uploadTempDir(config: Readonly<Config>): string {
  return path.join(config.paths.files, '.tmp');
}

/** The i18n key of an upload failure (too big, cut short, several files…), or null. */
export function uploadErrorOf(req: Request): string | null {
  return (req as Tracked)[UPLOAD_ERROR] ?? null;
}

/** Delete every temporary file of this request (missing ones are fine). */
export async function discardUploads(req: Request): Promise<void> {
  const files = (req as Tracked)[TEMP_FILES] ?? [];
  await Promise.all(files.map((f) => fs.promises.rm(f, { force: true })));
}

export interface UploadOptions {
  /** The form field of the file. */
  field: string;
  maxBytes: number;
  /** i18n keys of the failures: too big, more than one file, anything else (cut short). */
  errors: { tooBig: string; oneFile: string; failed: string };
}

/**
 * multer middleware for a form with one file. A too-big or broken upload
 * does not end in an error page: it leaves an error key (see
 * {@link uploadErrorOf}) for the controller to show on the form.
 */
export function singleFileUpload(config: Readonly<Config>, opts: UploadOptions): RequestHandler {
  const dir = uploadTempDir(config);
  const upload = multer({
    storage: multer.diskStorage({
      destination: (_req, _file, cb) => { fs.mkdir(dir, { recursive: true, mode: 0o750 }, (err) => cb(err, dir)); },
      filename: (req, _file, cb) => {
        const name = `upload-${randomUUID()}.part`;
        const tracked = req as Tracked;
        (tracked[TEMP_FILES] ??= []).push(path.join(dir, name));
        cb(null, name);
      },
    }),
    // preservePath: the name as sent, so a hostile one ("../../x.deb") is seen and refused, not silently cut.
    preservePath: true,
    // Browsers send file names in UTF-8 without saying so (busboy would read them as Latin-1).
    defParamCharset: 'utf8',
    limits: { fileSize: opts.maxBytes, files: 1, fields: 10, fieldSize: 64 * 1024, parts: 12 },
  });
  return (req: Request, res: Response, next: NextFunction): void => {
    res.once('close', () => { void discardUploads(req); });
    upload.single(opts.field)(req, res, (err: unknown) => {
      if (!err) return next();
      req.body = req.body ?? {};
      const code = err instanceof multer.MulterError ? err.code : null;
      (req as Tracked)[UPLOAD_ERROR] = code === 'LIMIT_FILE_SIZE' ? opts.errors.tooBig
        : code === 'LIMIT_FILE_COUNT' || code === 'LIMIT_UNEXPECTED_FILE' ? opts.errors.oneFile
          : opts.errors.failed;
      next();
    });
  };
}
