/** The notifications component: the in-app copy of the mails sent to an account, its page and the header's unread count. */
export { NotificationsService, PER_PAGE, safeLink, type NotificationPage } from './notifications.service.js';
export type { Notification } from './notifications.repository.js';
export { createNotificationsController } from './notifications.controller.js';
export { createNotificationsRouter } from './notifications.router.js';
