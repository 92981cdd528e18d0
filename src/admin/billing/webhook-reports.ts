/** The read-only repository of /admin/webhooks (it writes nothing: InboundEventsService does). */
import type { Db } from '../../platform/db.js';
import { WebhooksAdminRepository } from './webhooks.repository.js';

export function webhookReports(db: Db): WebhooksAdminRepository {
  return new WebhooksAdminRepository(db);
}
