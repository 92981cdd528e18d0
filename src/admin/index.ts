/** The admin component. */
export { createAdminRouter } from './admin.router.js';
export type { AdminDeps } from './context.js';
