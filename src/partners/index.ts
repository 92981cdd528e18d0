/** The partners component: the partner area (dashboard). */
export { createPartnersRouter } from './partners.router.js';
