/** Mocha root hooks: prepare the PostgreSQL schema once when the run targets PostgreSQL. */
import { PG_URL, resetPgSchema } from './db.js';

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(60000);
    if (PG_URL) await resetPgSchema();
  },
};
