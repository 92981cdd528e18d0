/** Routes of the downloads component (mounted at the root by app.ts). */
import { Router } from 'express';
import type { createDownloadsController } from './downloads.controller.js';

export function createDownloadsRouter(ctl: ReturnType<typeof createDownloadsController>): Router {
  const router = Router();
  router.get('/download', ctl.page);
  router.get('/download/latest', ctl.latest);
  router.get('/download/files/:filename', ctl.file);
  router.get('/downloads/signed/:token', ctl.signedFile);
  return router;
}
