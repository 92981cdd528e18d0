/**
 * The upload of a .deb on POST /admin/releases (src/http/upload.ts): the one
 * file of form field `deb`, at most `RELEASE_MAX_BYTES` bytes.
 */
import type { RequestHandler } from 'express';
import type { Config } from '../../config/index.js';
import { singleFileUpload } from '../../http/upload.js';

export { discardUploads, uploadErrorOf, uploadTempDir } from '../../http/upload.js';

/** multer middleware for the release form; failures leave an error key for the form (uploadErrorOf). */
export function releaseUpload(config: Readonly<Config>): RequestHandler {
  return singleFileUpload(config, {
    field: 'deb',
    maxBytes: config.releaseMaxBytes,
    errors: { tooBig: 'admin-releases:errors.too_big', oneFile: 'admin-releases:errors.one_file', failed: 'admin-releases:errors.upload_failed' },
  });
}
