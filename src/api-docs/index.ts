/**
 * The API's documentation, so client authors need no other source:
 *
 * - `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of every /api route
 *   (src/api-docs/openapi.ts), `servers` relative ('/').
 * - `GET /api/docs`: a readable page in the visitor's language, rendered by
 *   swagger-ui-dist served locally at /vendor/swagger-ui (no CDN); its init
 *   script is public/js/api-docs.js (the CSP allows no inline script).
 *
 * swagger-ui sets some styles through the DOM (CSSOM), which the CSP allows;
 * nothing is relaxed for this page.
 */
import { Router } from 'express';
import { openApiDocument } from './openapi.js';

export { openApiDocument, ERROR_CODES, type OpenApiDocument } from './openapi.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

export function createApiDocsRouter(): Router {
  const router = Router();

  router.get('/api/v1/openapi.json', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(openApiDocument);
  });

  router.get('/api/docs', (req, res) => {
    const t = (key: string): string => escapeHtml(req.t(`api-docs:${key}`));
    const other = req.locale === 'fr' ? 'en' : 'fr';
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(`<!doctype html>
<html lang="${req.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t('title')} · artisan_nd</title>
<link rel="stylesheet" href="/css/site.css">
<link rel="stylesheet" href="/vendor/swagger-ui/swagger-ui.css">
<link rel="icon" href="/img/favicon.svg" type="image/svg+xml">
</head>
<body>
<header class="site-header">
  <div class="container header-inner">
    <a class="brand" href="/"><img src="/img/logo.svg" alt="" width="32" height="32"><span>artisan_nd</span></a>
    <nav class="main-nav" aria-label="${t('nav_label')}">
      <ul>
        <li><a href="/api/v1/openapi.json" type="application/json">${t('openapi_json')}</a></li>
        <li><a href="/.well-known/artisan-nd/keys.json" type="application/json">${t('keys_json')}</a></li>
        <li><a href="/api/docs?lang=${other}" hreflang="${other}" lang="${other}">${t('other_language')}</a></li>
      </ul>
    </nav>
  </div>
</header>
<main id="main" class="container">
  <h1>${t('title')}</h1>
  <p>${t('lead')}</p>
  <noscript><p>${t('noscript')}</p></noscript>
  <div id="swagger-ui" data-url="/api/v1/openapi.json"></div>
</main>
<script src="/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/js/api-docs.js"></script>
</body>
</html>
`);
  });
  return router;
}
