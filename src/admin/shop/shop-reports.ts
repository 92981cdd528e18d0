/** The read-only repository of the shop's admin pages (it writes nothing: the src/shop services do). */
import type { Db } from '../../platform/db.js';
import { ShopAdminRepository } from './shop.repository.js';

export function shopReports(db: Db): ShopAdminRepository {
  return new ShopAdminRepository(db);
}
