/** How many key files each issuer key signed (the `recharges` rows carry the kid), for /admin/keys. */
import type { Db } from '../platform/db.js';

export class KeyUsageRepository {
  constructor(private readonly db: Db) {}

  /** kid (16 hex) → number of recharges (key files) signed with it, revoked ones included; one grouped query. */
  async filesSignedPerKid(): Promise<Map<string, number>> {
    const rows = (await this.db('recharges').select('kid').count({ n: '*' }).groupBy('kid')) as { kid: string; n: unknown }[];
    return new Map(rows.map((r) => [String(r.kid), Number(r.n)]));
  }
}
