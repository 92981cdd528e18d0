/**
 * Data retention: the daily job and `npm run db:cleanup` delete expired mailed links, old ended sessions, handled
 * gateway notifications past RETENTION_WEBHOOK_DAYS and download rows past RETENTION_DOWNLOADS_DAYS, each through its
 * owner's service; recent rows and the audit log, ledger and licenses stay, whatever their age.
 */
import { expect } from 'chai';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { createAccount } from '../../helpers/accounts.js';
import { cli } from '../../helpers/cli.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { testDatabaseEnv } from '../../helpers/db.js';
import { HIGH_LIMITS, machine, trial } from '../../helpers/licenses.js';

const DAY = 24 * 3600 * 1000;

/** Rows of every kind the cleanup handles, dated relative to `now`; the `keep` ones carry "keep" in a text column. */
async function seed(ctx: TestContext, accountId: number, now: Date): Promise<void> {
  const ago = (days: number): string => new Date(now.getTime() - days * DAY).toISOString();
  const token = (hash: string, expired: number) => ({
    account_id: accountId, purpose: 'reset', token_hash: hash.padEnd(64, '0'), expires_at: ago(expired), created_at: ago(expired + 1),
  });
  await ctx.db('account_tokens').insert([token('a1', 8), token('b2keep', 6), token('c3keep', -1)]);
  const session = (sid: string, lastSeen: number, ended: number | null) => ({
    sid, account_id: accountId, ip: '192.0.2.1', user_agent: 'test', created_at: ago(lastSeen), last_seen_at: ago(lastSeen),
    ended_at: ended === null ? null : ago(ended), end_reason: ended === null ? null : 'logout',
  });
  await ctx.db('account_sessions').insert([
    session('old-ended', 95, 91), session('silent', 100, null), session('keep-ended', 90, 89), session('keep-live', 0, null),
  ]);
  const event = (id: string, status: string, days: number, next: number | null = null) => ({
    gateway: 'stripe', event_id: id, type: 'payment_intent.succeeded', payload: '{"customer_email":"x@example.com"}', status, attempts: 1,
    received_at: ago(days), next_attempt_at: next === null ? null : ago(next),
  });
  await ctx.db('inbound_events').insert([
    event('evt_old_done', 'processed', 91), event('evt_old_ignored', 'ignored', 100), event('evt_old_dead', 'failed', 95),
    event('evt_keep_recent', 'processed', 89), event('evt_keep_retrying', 'failed', 100, -1), event('evt_keep_waiting', 'received', 100),
  ]);
  const download = (filename: string, days: number) => ({
    release_id: null, filename, ip: '192.0.2.2', user_agent: 'apt', counted: true, http_status: 200, outcome: 'complete', bytes_sent: 10, started_at: ago(days),
  });
  await ctx.db('downloads').insert([download('old.deb', 401), download('keep.deb', 399)]);
}

/** What is left of the seeded rows: token hashes, session ids, event ids, download file names. */
async function left(ctx: TestContext): Promise<Record<string, string[]>> {
  const col = async (table: string, c: string): Promise<string[]> => ((await ctx.db(table).orderBy(c).select(c)) as Record<string, string>[]).map((r) => r[c]!);
  return {
    tokens: (await col('account_tokens', 'token_hash')).map((h) => h.replace(/0+$/, '')),
    sessions: await col('account_sessions', 'sid'),
    events: await col('inbound_events', 'event_id'),
    downloads: await col('downloads', 'filename'),
  };
}

const KEPT = {
  tokens: ['b2keep', 'c3keep'],
  sessions: ['keep-ended', 'keep-live'],
  events: ['evt_keep_recent', 'evt_keep_retrying', 'evt_keep_waiting'],
  downloads: ['keep.deb'],
};
const REMOVED = { expired_tokens: 1, ended_sessions: 2, webhook_events: 3, download_rows: 1, package_zips: 0, package_temp_zips: 0 };

describe('data retention cleanup', function () {
  this.timeout(60000);
  let ctx: TestContext;
  let partnerId: number;
  beforeEach(async () => {
    ctx = await createTestContext({ seed: false, env: HIGH_LIMITS });
    partnerId = await createAccount(ctx, 'partner@example.fr');
  });
  afterEach(async () => { await ctx.close(); });

  describe('the daily billing job', () => {
    it('removes what is past retention, keeps recent rows and never touches the audit log, ledger or licenses', async () => {
      await ctx.handle.ledger.change(partnerId, 'credit', 50, 'stock', SYSTEM_ACTOR);
      await trial(ctx, machine(), 'desk@example.com');
      const protectedCounts = async () => Promise.all(['audit_log', 'ledger_entries', 'licenses'].map(async (t) => Number(
        ((await ctx.db(t).count({ n: '*' })) as { n: unknown }[])[0]!.n)));
      const before = await protectedCounts();
      expect(before.every((n) => n > 0), String(before)).to.equal(true);
      // Two years on: the audit rows, ledger entries and license above are far older than any retention.
      ctx.clock.advance(730 * 86400);
      await seed(ctx, partnerId, ctx.clock.now());
      const report = await ctx.handle.billingRun.run(ctx.clock.now().toISOString().slice(0, 10));
      expect(report.errors).to.equal(0);
      expect(report.steps.retention_cleanup).to.equal(7);
      expect(await left(ctx)).to.deep.equal(KEPT);
      expect(await protectedCounts()).to.deep.equal(before);
    });

    it('reports each kind it removed when run directly, and nothing the second time', async () => {
      await seed(ctx, partnerId, ctx.clock.now());
      expect(await ctx.handle.cleanup.run()).to.deep.equal(REMOVED);
      expect(await ctx.handle.cleanup.run()).to.deep.equal({
        expired_tokens: 0, ended_sessions: 0, webhook_events: 0, download_rows: 0, package_zips: 0, package_temp_zips: 0,
      });
    });
  });

  describe('npm run db:cleanup', () => {
    it('removes the same rows and prints the report', async () => {
      // The command runs on the system clock.
      await seed(ctx, partnerId, new Date());
      const env = {
        DB_DIR: ctx.config.paths.db, LOGS_DIR: `${ctx.dir}/logs`, SUBSCRIPTION_DIR: `${ctx.dir}/subscription`, ...testDatabaseEnv(ctx.config.paths.db),
      };
      const res = await cli('db-cleanup.ts', [], env, '');
      expect(res.code, res.err).to.equal(0);
      expect(JSON.parse(res.out)).to.deep.equal(REMOVED);
      expect(await left(ctx)).to.deep.equal(KEPT);
    });
  });
});
