/** What /admin/keys reads besides the IssuerKeys list: how many key files each kid signed. */
import type { Db } from '../../platform/db.js';

export class AdminKeysRepository {
  constructor(private readonly db: Db) {}

  /** kid (16 hex) → number of recharges (key files) signed with it, revoked ones included; one grouped query. */
  async filesSignedPerKid(): Promise<Map<string, number>> {
    const rows = (await this.db('recharges').select('kid').count({ n: '*' }).groupBy('kid')) as { kid: string; n: unknown }[];
    return new Map(rows.map((r) => [String(r.kid), Number(r.n)]));
  }
}
