/** Running the portal: health and readiness, Prometheus metrics, the HTTPS redirect. */
export { createHealthRouter, notReadyReason, READY_TIMEOUT_MS, type HealthDeps, type NotReadyReason } from './health.js';
export { Metrics } from './metrics.js';
export { bearerMatches, createMetricsRouter, isLoopback, measureRequests } from './metrics-route.js';
export { createHttpsRedirect, type TrustFn } from './https-redirect.js';
