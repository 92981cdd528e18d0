/** /admin/downloads: the log with filters and CSV, top IPs, and the IP block list the public download route obeys. */
import { expect } from 'chai';
import request from 'supertest';
import { createAccount, csrfOf, loginAgent } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import type { Agent } from '../../helpers/forms.js';
import { csvLines } from '../../helpers/csv.js';
import { auditSentence } from '../../helpers/audit.js';
import { waitFor } from '../../helpers/wait.js';

const FILE = 'artisan-nd_0.1.0_all.deb';

function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

/** An anonymous download from `ip` (TRUST_PROXY=1: the address comes from X-Forwarded-For). */
function downloadFrom(ctx: TestContext, ip: string): request.Test {
  return request(ctx.app).get(`/download/files/${FILE}`).set('X-Forwarded-For', ip).set('User-Agent', `test-agent ${ip}`).buffer(true).parse(binary);
}

async function waitFinished(ctx: TestContext): Promise<void> {
  await waitFor(async () => {
    const [row] = (await ctx.db('downloads').whereNull('finished_at').count({ n: '*' })) as { n: unknown }[];
    return Number(row?.n) === 0;
  }, { what: 'the downloads to finish' });
}

describe('admin downloads', function () {
  let ctx: TestContext;
  let admin: Agent;
  before(async () => {
    ctx = await createTestContext({ env: { TRUST_PROXY: '1', DOWNLOADS_PER_HOUR: '2' } });
    await createAccount(ctx, 'dl-admin@example.fr', 'admin');
    admin = await loginAgent(ctx, 'dl-admin@example.fr');
    await downloadFrom(ctx, '203.0.113.5').expect(200);
    await downloadFrom(ctx, '203.0.113.5').expect(200);
    await downloadFrom(ctx, '203.0.113.5').expect(429); // over DOWNLOADS_PER_HOUR: refused, logged
    await downloadFrom(ctx, '198.51.100.7').expect(200);
    await waitFinished(ctx);
    // One older row, out of the 30-day window and of a date filter.
    const release = await ctx.db('releases').first();
    await ctx.db('downloads').insert({
      release_id: release.id, filename: FILE, ip: '192.0.2.99', user_agent: 'old', range_header: null, counted: true, http_status: 200,
      outcome: 'complete', bytes_sent: 10, started_at: '2026-09-01T08:00:00.000Z', finished_at: '2026-09-01T08:00:01.000Z',
    });
  });
  after(async () => ctx.close());

  it('lists the log newest first with release, IP, status and counts', async () => {
    const res = await admin.get('/admin/downloads').expect(200);
    expect(res.text).to.contain('5 résultats');
    expect(res.text).to.contain('203.0.113.5').and.contain('198.51.100.7').and.contain('192.0.2.99');
    expect(res.text).to.match(/429 <span class="state state-refused">refusé<\/span>/);
    expect(res.text.indexOf('198.51.100.7')).to.be.lessThan(res.text.indexOf('192.0.2.99'));
  });

  it('filters by IP, status (outcome or HTTP code), release and dates', async () => {
    expect((await admin.get('/admin/downloads?ip=203.0.113.5').expect(200)).text).to.contain('3 résultats');
    expect((await admin.get('/admin/downloads?status=refused').expect(200)).text).to.contain('1 résultat');
    expect((await admin.get('/admin/downloads?status=429').expect(200)).text).to.contain('1 résultat');
    expect((await admin.get('/admin/downloads?status=complete').expect(200)).text).to.contain('4 résultats');
    const release = await ctx.db('releases').first();
    expect((await admin.get(`/admin/downloads?release=${release.id}&from=2026-11-22&to=2026-11-22`).expect(200)).text).to.contain('4 résultats');
    expect((await admin.get('/admin/downloads?to=2026-10-01').expect(200)).text).to.contain('1 résultat');
    const none = await admin.get('/admin/downloads?ip=10.9.9.9').expect(200);
    expect(none.text).to.contain('Aucun résultat pour ces filtres.');
  });

  it('exports the filtered log as CSV', async () => {
    const res = await admin.get('/admin/downloads?ip=203.0.113.5&format=csv&sep=comma').expect(200);
    expect(res.headers['content-type']).to.contain('text/csv');
    expect(res.headers['content-disposition']).to.contain('downloads.csv');
    const lines = csvLines(res);
    expect(lines[0]).to.equal('started_at,finished_at,release_id,version,filename,ip,http_status,outcome,counted,bytes_sent,range,user_agent');
    expect(lines).to.have.length(4);
    expect(lines.filter((l) => l.includes(',429,refused,0,'))).to.have.length(1);
    expect(lines.every((l, i) => i === 0 || l.includes(`,0.1.0,${FILE},203.0.113.5,`))).to.equal(true);
  });

  it('shows the top IPs of the last 30 days by counted downloads', async () => {
    const res = await admin.get('/admin/downloads').expect(200);
    const top = /<table class="table" id="top-ips">([\s\S]*?)<\/table>/.exec(res.text)![1]!;
    expect(top).to.match(/203\.0\.113\.5<\/a><\/td>\s*<td class="number">2<\/td><td class="number">3<\/td><td class="number">1<\/td>/);
    expect(top.indexOf('203.0.113.5')).to.be.lessThan(top.indexOf('198.51.100.7'));
    expect(top).not.to.contain('192.0.2.99');
  });

  it('blocks an IP (reason required, confirmed): its downloads are refused 403 and logged; unblocking restores them', async () => {
    let csrf = await csrfOf(admin, '/admin/downloads/blocks?ip=198.51.100.7');
    const missing = await admin.post('/admin/downloads/blocks').type('form').send({ _csrf: csrf, ip: '198.51.100.7', reason: '' }).expect(422);
    expect(missing.text).to.contain('Indiquez un motif.');
    const badIp = await admin.post('/admin/downloads/blocks').type('form').send({ _csrf: csrf, ip: '198.51.100.999', reason: 'x' }).expect(422);
    expect(badIp.text).to.contain('Indiquez une adresse IPv4 ou IPv6 valide.');
    const ask = await admin.post('/admin/downloads/blocks').type('form').send({ _csrf: csrf, ip: '198.51.100.7', reason: 'aspiration du site' }).expect(200);
    expect(ask.text).to.contain('L&#39;adresse 198.51.100.7 ne pourra plus télécharger de paquet.');
    expect(await ctx.db('download_blocks').first()).to.equal(undefined);
    await admin.post('/admin/downloads/blocks')
      .type('form')
      .send({ _csrf: csrf, ip: '198.51.100.7', reason: 'aspiration du site', confirm: 'yes' })
      .expect(303);
    const list = await admin.get('/admin/downloads/blocks').expect(200);
    expect(list.text).to.contain('L&#39;adresse 198.51.100.7 est bloquée pour les téléchargements.').and.contain('aspiration du site')
      .and.contain('dl-admin@example.fr');
    const audit = await ctx.db('audit_log').where({ action: 'download.ip_blocked' }).first();
    expect(auditSentence(audit)).to.equal('198.51.100.7: allowed → blocked (aspiration du site)');

    const refused = await request(ctx.app).get(`/download/files/${FILE}`).set('X-Forwarded-For', '198.51.100.7').expect(403);
    expect(refused.text).to.contain('Téléchargement refusé').and.contain('ont été bloqués');
    await request(ctx.app).get('/download/latest').set('X-Forwarded-For', '198.51.100.7').expect(403);
    const logged = await ctx.db('downloads').where({ ip: '198.51.100.7', http_status: 403 });
    expect(logged).to.have.length(2);
    expect(logged.every((r: { outcome: string; counted: unknown }) => r.outcome === 'refused' && !r.counted)).to.equal(true);
    await downloadFrom(ctx, '198.51.100.8').expect(200); // others are unaffected
    // The top IPs table shows it blocked.
    expect((await admin.get('/admin/downloads').expect(200)).text).to.match(/198\.51\.100\.7<\/a><\/td>[\s\S]*?state-blocked/);

    const dup = await admin.post('/admin/downloads/blocks').type('form').send({ _csrf: csrf, ip: '198.51.100.7', reason: 'encore' }).expect(409);
    expect(dup.text).to.contain('Cette adresse est déjà bloquée.');

    const block = await ctx.db('download_blocks').first();
    csrf = await csrfOf(admin, '/admin/downloads/blocks');
    await admin.post(`/admin/downloads/blocks/${block.id}/delete`).type('form').send({ _csrf: csrf }).expect(200);
    await admin.post(`/admin/downloads/blocks/${block.id}/delete`).type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(303);
    expect((await admin.get('/admin/downloads/blocks')).text).to.contain('L&#39;adresse 198.51.100.7 est débloquée.');
    expect(await ctx.db('audit_log').where({ action: 'download.ip_unblocked' }).first()).to.include({ target_id: String(block.id) });
    await downloadFrom(ctx, '198.51.100.7').expect(200);
  });

  it('answers 403 to support on the log, the CSV and the block list', async () => {
    await createAccount(ctx, 'dl-support@example.fr', 'support');
    const support = await loginAgent(ctx, 'dl-support@example.fr');
    await support.get('/admin/downloads').expect(403);
    await support.get('/admin/downloads?format=csv').expect(403);
    await support.get('/admin/downloads/blocks').expect(403);
    const csrf = await csrfOf(support, '/subscription/account').catch(() => csrfOf(support, '/contact'));
    await support.post('/admin/downloads/blocks').type('form').send({ _csrf: csrf, ip: '203.0.113.5', reason: 'x', confirm: 'yes' }).expect(403);
    expect(await ctx.db('download_blocks').where({ ip: '203.0.113.5' }).first()).to.equal(undefined);
  });

  it('is in English too', async () => {
    const res = await admin.get('/admin/downloads?lang=en').expect(200);
    expect(res.text).to.contain('Most active IP addresses (last 30 days)').and.contain('Blocked IP addresses').and.contain('Counted downloads');
  });
});

// Its own context (on PostgreSQL every context shares one schema, emptied when a context opens).
describe('admin downloads: IPv4-mapped addresses', function () {
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext(); });
  after(async () => ctx.close());

  it('blocks an IPv4 client seen through an IPv4-mapped IPv6 address', async () => {
    await createAccount(ctx, 'dl-admin3@example.fr', 'admin');
    const a = await loginAgent(ctx, 'dl-admin3@example.fr');
    const csrf = await csrfOf(a, '/admin/downloads/blocks');
    await a.post('/admin/downloads/blocks').type('form').send({ _csrf: csrf, ip: '::ffff:127.0.0.1', reason: 'test', confirm: 'yes' }).expect(303);
    expect((await ctx.db('download_blocks').first()).ip).to.equal('127.0.0.1');
    await request(ctx.app).get(`/download/files/${FILE}`).expect(403);
  });
});
