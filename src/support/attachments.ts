/**
 * Attachments of support messages: at most 3 files of at most 5 MB, images
 * (PNG, JPEG, GIF, WebP) or PDF. The type is read from the first bytes
 * (magic numbers), never from the name or the MIME type the browser sent;
 * the name is only shown and given back as the download name, so one
 * holding a path (`../x`, `a/b`, `C:\x`) or control characters is refused
 * rather than cut. Files are kept in memory until the message is stored.
 */
import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import { sniffFileType } from '../platform/file-type.js';

export const MAX_ATTACHMENTS = 3;
export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
export const ATTACHMENT_FIELD = 'attachments';

/** A file accepted for a message: its shown name, detected type, bytes. */
export interface UploadedFile {
  name: string;
  mime: string;
  bytes: Buffer;
}

/** The MIME type of `bytes` by their signature (src/platform/file-type.ts), or null when it is none of the accepted ones. */
export function detectType(bytes: Buffer): string | null {
  return sniffFileType(bytes)?.mime ?? null;
}

// Control characters, path separators, characters Windows reserves, and the bidirectional controls that
// would make "invoice<RLO>fdp.exe" read as a PDF.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const BAD_NAME = /[\u0000-\u001f\u007f/\\:*?"<>|\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Whether `name` is a plain file name (no folder, no parent, no control, bidi or reserved character, 1..200 characters). */
export function isPlainName(name: string): boolean {
  return name.length > 0 && name.length <= 200 && !BAD_NAME.test(name) && name !== '.' && !name.startsWith('..') && name.trim() === name;
}

/** The i18n key of why one file is refused, or its accepted form. */
export function checkFile(file: { originalname: string; buffer: Buffer }): UploadedFile | string {
  if (!isPlainName(file.originalname)) return 'support:errors.attachment_name';
  if (file.buffer.length === 0) return 'support:errors.attachment_empty';
  const mime = detectType(file.buffer);
  if (!mime) return 'support:errors.attachment_type';
  return { name: file.originalname, mime, bytes: file.buffer };
}

const UPLOAD_ERROR = Symbol('support upload error');
type Tracked = Request & { [UPLOAD_ERROR]?: string };

const upload = multer({
  storage: multer.memoryStorage(),
  // preservePath: the name as sent, so a hostile one is seen and refused, not silently cut.
  preservePath: true,
  // Browsers send file names in UTF-8 without saying so (busboy would read them as Latin-1).
  defParamCharset: 'utf8',
  limits: { fileSize: MAX_ATTACHMENT_BYTES, files: MAX_ATTACHMENTS, fields: 10, fieldSize: 64 * 1024, parts: 14 },
});

/** multer for a message form: a refused upload leaves an error key for the controller, not an error page. */
export function attachmentsUpload(req: Request, res: Response, next: NextFunction): void {
  upload.array(ATTACHMENT_FIELD, MAX_ATTACHMENTS)(req, res, (err: unknown) => {
    if (!err) return next();
    req.body = req.body ?? {};
    req.files = [];
    const code = err instanceof multer.MulterError ? err.code : null;
    (req as Tracked)[UPLOAD_ERROR] = code === 'LIMIT_FILE_SIZE' ? 'support:errors.attachment_too_big'
      : code === 'LIMIT_FILE_COUNT' || code === 'LIMIT_UNEXPECTED_FILE' ? 'support:errors.attachment_count'
        : 'support:errors.attachment_failed';
    next();
  });
}

/** The request's files checked, or the i18n key of the first refusal. */
export function filesOf(req: Request): UploadedFile[] | string {
  const failed = (req as Tracked)[UPLOAD_ERROR];
  if (failed) return failed;
  const files = Array.isArray(req.files) ? req.files : [];
  const out: UploadedFile[] = [];
  for (const f of files) {
    const checked = checkFile(f);
    if (typeof checked === 'string') return checked;
    out.push(checked);
  }
  return out;
}
