/** The public site component: plain pages and the contact form. */
export { ContactService } from './contact.service.js';
export type { ContactMessage, ContactSearch } from './contact.repository.js';
export { createSiteController } from './site.controller.js';
export { createSiteRouter } from './site.router.js';
