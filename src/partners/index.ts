/** The partners component: the partner dashboard. */
export { createPartnersRouter, lastMonths } from './partners.router.js';
