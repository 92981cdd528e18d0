/* /api/docs: render the OpenAPI document with swagger-ui (served locally from
   /vendor/swagger-ui; no inline script, the CSP forbids it). */
(function () {
  'use strict';
  var root = document.getElementById('swagger-ui');
  if (!root || typeof window.SwaggerUIBundle !== 'function') return;
  window.SwaggerUIBundle({
    url: root.getAttribute('data-url'),
    domNode: root,
    deepLinking: true,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
    tryItOutEnabled: false,
    supportedSubmitMethods: [],
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
  });
})();
