/** The support component: tickets of customers and partners, worked by staff (/admin/tickets). */
export { createSupportController, pageOf, sendAttachment, simplePager, ticketIdOf } from './support.controller.js';
export { createSupportRouter } from './support.router.js';
export { SupportMails } from './support.mails.js';
export { SupportService, type Thread } from './support.service.js';
export { TICKET_STATUSES, type Ticket, type TicketSearch, type TicketStatus } from './support.repository.js';
export { idOf as supportIdOf, parseReply } from './support.schemas.js';
