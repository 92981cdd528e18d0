/**
 * The daily backup's lock: on PostgreSQL, of two instances starting it at the same moment one runs and the other
 * returns at once (a session advisory lock on a held connection); SQLite (one host, one writer) just runs it.
 */
import { expect } from 'chai';
import { createDb, isSqlite, onceAcrossInstances } from '../../../src/platform/db.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { PG_SCHEMA, PG_URL } from '../../helpers/db.js';

describe('onceAcrossInstances (the daily backup run by one instance)', () => {
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext(); });
  after(async () => { await ctx.close(); });

  it('runs the work once when two instances start it together, and again once the first has finished', async () => {
    // A second instance: its own pool on the same database.
    const other = PG_URL ? createDb({ client: 'pg', url: PG_URL, schema: PG_SCHEMA }) : ctx.db;
    try {
      let release: () => void = () => undefined;
      const slow = new Promise<void>((resolve) => { release = resolve; });
      const first = onceAcrossInstances(ctx.db, 4242, async () => { await slow; return 'first'; });
      const second = isSqlite(ctx.db) ? 'skipped' : await onceAcrossInstances(other, 4242, async () => 'second');
      release();
      expect(await first).to.equal('first');
      if (!isSqlite(ctx.db)) expect(second, 'the second instance does nothing while the first holds the lock').to.equal(null);
      expect(await onceAcrossInstances(other, 4242, async () => 'later')).to.equal('later');
    } finally {
      if (other !== ctx.db) await other.destroy();
    }
  });
});
