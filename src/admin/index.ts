/** The admin component. */
export { createAdminRouter } from './admin.router.js';
