import crypto from 'node:crypto';
import fs from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { createTestContext, DEMO_DEB, type TestContext } from '../helpers/context.js';
import { waitFor as waitUntil } from '../helpers/wait.js';

const FILE = 'artisan-nd_0.1.0_all.deb';
const DEB = fs.readFileSync(DEMO_DEB);
const SHA = crypto.createHash('sha256').update(DEB).digest('hex');

/** Collect a binary body with supertest. */
function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

function logLines(ctx: TestContext): Record<string, unknown>[] {
  const file = path.join(ctx.config.paths.logs, 'downloads.log');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** How many of this process's file descriptors are open on `file` (Linux /proc). */
function openDescriptors(file: string): number {
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false;
    }
  }).length;
}

/** Wait for `check` to hold (8 s at most: downloads of a big file on a loaded machine). */
async function waitFor(check: () => Promise<boolean> | boolean, ms = 8000): Promise<void> {
  await waitUntil(check, { timeout: ms, what: 'the download to settle' });
}

/** Publish a `bytes`-long big.deb and listen on a free port (for tests that need real sockets). */
async function serveBigRelease(ctx: TestContext, bytes: number): Promise<{ server: import('node:http').Server; port: number }> {
  fs.writeFileSync(path.join(ctx.config.paths.downloads, 'big.deb'), Buffer.alloc(bytes, 1));
  await ctx.handle.downloads.releases.insert(
    {
      product: 'other', version: '1', filename: 'big.deb', sizeBytes: bytes, sha256: 'b'.repeat(64), changelog: '',
      publishedAt: ctx.clock.now(), isLatest: false,
    },
    ctx.clock.now(),
  );
  const server = createServer(ctx.app).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { server, port: (server.address() as { port: number }).port };
}

describe('GET /download', () => {
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext(); });
  after(async () => { await ctx.close(); });

  it('shows the latest release with version, date, size, SHA-256, changelog and install command', async () => {
    const res = await request(ctx.app).get('/download').expect(200);
    expect(res.text).to.contain('0.1.0').and.contain(SHA).and.contain('22 novembre 2026');
    expect(res.text).to.contain('sudo apt install ./artisan-nd_0.1.0_all.deb');
    expect(res.text).to.contain(`href="/download/files/${FILE}"`);
    expect(res.text).to.contain('Première version de démonstration');
    expect(res.text).to.contain('Aucune version précédente.');
  });

  it('lists older versions under the latest one', async () => {
    await ctx.handle.downloads.releases.insert(
      {
        product: 'artisan_nd', version: '0.0.9', filename: 'artisan-nd_0.0.9_all.deb', sizeBytes: 1000, sha256: 'a'.repeat(64),
        changelog: '', publishedAt: new Date('2026-10-01T00:00:00Z'), isLatest: false,
      },
      ctx.clock.now(),
    );
    ctx.handle.pageCache.clear();
    const res = await request(ctx.app).get('/download').set('Accept-Language', 'en').expect(200);
    expect(res.text).to.contain('Older versions').and.contain('0.0.9').and.contain('1 October 2026');
    expect(res.text.indexOf('0.1.0')).to.be.lessThan(res.text.indexOf('0.0.9'));
  });

  it('links every release without the download attribute, so a refused download shows its page to the visitor', async () => {
    const res = await request(ctx.app).get('/download').expect(200);
    const links = res.text.match(/<a [^>]*href="\/download\/files\/[^"]*"[^>]*>/g) ?? [];
    expect(links).to.have.length.above(0);
    for (const a of links) expect(a, a).not.to.match(/\sdownload(\s|=|>)/);
  });

  it('links the license API documentation near the bottom of the page, in the visitor\'s language', async () => {
    const fr = await request(ctx.app).get('/download').expect(200);
    expect(fr.text).to.match(/<a href="\/api\/docs">Documentation de l’API de licences<\/a>/);
    expect(fr.text.indexOf('href="/api/docs"')).to.be.above(fr.text.indexOf('id="older-title"'));
    expect(fr.text.indexOf('href="/api/docs"')).to.be.below(fr.text.indexOf('<footer'));
    const en = await request(ctx.app).get('/download').set('Accept-Language', 'en').expect(200);
    expect(en.text).to.contain('<a href="/api/docs">License API documentation</a>');
    await request(ctx.app).get('/api/docs').expect(200);
  });

  it('says so when nothing is published', async () => {
    const empty = await createTestContext({ seed: false });
    try {
      const res = await request(empty.app).get('/download').expect(200);
      expect(res.text).to.contain('Aucune version n’est publiée');
      await request(empty.app).get('/download/latest').expect(404);
    } finally {
      await empty.close();
    }
  });
});

describe('GET /download/files/:filename and /download/latest', () => {
  let ctx: TestContext;
  beforeEach(async () => { ctx = await createTestContext(); });
  afterEach(async () => { await ctx.close(); });

  it('sends the whole .deb as an attachment with length, validators and the right bytes', async () => {
    const res = await request(ctx.app).get(`/download/files/${FILE}`).buffer(true).parse(binary).expect(200);
    expect(res.headers['content-length']).to.equal(String(DEB.length));
    expect(res.headers['content-disposition']).to.equal(`attachment; filename=${FILE}`);
    expect(res.headers['content-type']).to.equal('application/x-debian-package');
    expect(res.headers['accept-ranges']).to.equal('bytes');
    expect(res.headers.etag).to.equal(`"sha256-${SHA}"`);
    expect(res.headers['last-modified']).to.equal('Sun, 22 Nov 2026 10:00:00 GMT');
    expect(crypto.createHash('sha256').update(res.body as Buffer).digest('hex')).to.equal(SHA);
  });

  it('sends the latest release at /download/latest', async () => {
    const res = await request(ctx.app).get('/download/latest').buffer(true).parse(binary).expect(200);
    expect(res.headers['content-disposition']).to.contain(FILE);
    expect(Buffer.compare(res.body as Buffer, DEB)).to.equal(0);
  });

  it('writes a log row and a log line for a download', async () => {
    await request(ctx.app).get(`/download/files/${FILE}`).set('User-Agent', 'curl/8.0 "}{"forged":1').buffer(true).parse(binary).expect(200);
    await waitFor(async () => (await ctx.db('downloads').whereNotNull('finished_at').count({ n: '*' }).first() as { n: number }).n == 1);
    const row = await ctx.db('downloads').first();
    expect(row).to.include({ filename: FILE, outcome: 'complete', http_status: 200 });
    expect(Number(row.bytes_sent)).to.equal(DEB.length);
    expect(row.ip).to.match(/127\.0\.0\.1$/);
    await waitFor(() => logLines(ctx).length === 1);
    const [line] = logLines(ctx);
    expect(line).to.include({ file: FILE, status: 200, outcome: 'complete', bytes: DEB.length, ua: 'curl/8.0 "}{"forged":1' });
  });

  it('answers HEAD with the headers only and logs nothing', async () => {
    const res = await request(ctx.app).head(`/download/files/${FILE}`).expect(200);
    expect(res.headers['content-length']).to.equal(String(DEB.length));
    expect(await ctx.db('downloads').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 0);
  });

  it('answers a single range with 206 and exactly those bytes', async () => {
    const res = await request(ctx.app).get(`/download/files/${FILE}`).set('Range', 'bytes=100-199').buffer(true).parse(binary).expect(206);
    expect(res.headers['content-range']).to.equal(`bytes 100-199/${DEB.length}`);
    expect(res.headers['content-length']).to.equal('100');
    expect(Buffer.compare(res.body as Buffer, DEB.subarray(100, 200))).to.equal(0);
    const suffix = await request(ctx.app).get(`/download/files/${FILE}`).set('Range', 'bytes=-10').buffer(true).parse(binary).expect(206);
    expect(Buffer.compare(suffix.body as Buffer, DEB.subarray(DEB.length - 10))).to.equal(0);
  });

  it('answers an unsatisfiable range with 416 and the size', async () => {
    const res = await request(ctx.app).get(`/download/files/${FILE}`).set('Range', `bytes=${DEB.length + 10}-`).expect(416);
    expect(res.headers['content-range']).to.equal(`bytes */${DEB.length}`);
  });

  it('sends the whole file when If-Range no longer matches', async () => {
    await request(ctx.app).get(`/download/files/${FILE}`).set('Range', 'bytes=0-9').set('If-Range', '"old"').buffer(true).parse(binary).expect(200);
  });

  it('answers 304 to a matching If-None-Match', async () => {
    await request(ctx.app).get(`/download/files/${FILE}`).set('If-None-Match', `"sha256-${SHA}"`).expect(304);
  });

  it('answers conditional GETs as RFC 9110 says: weak match, *, If-Modified-Since unless If-None-Match, and If-Range for ranges', async () => {
    const url = `/download/files/${FILE}`;
    const head = await request(ctx.app).head(url).expect(200);
    const lastModified = head.headers['last-modified'] as string;
    await request(ctx.app).get(url).set('If-None-Match', `"x", W/"sha256-${SHA}"`).expect(304);
    await request(ctx.app).get(url).set('If-None-Match', '*').expect(304);
    await request(ctx.app).get(url).set('If-Modified-Since', lastModified).expect(304);
    await request(ctx.app).get(url).set('If-Modified-Since', new Date(Date.parse(lastModified) + 86_400_000).toUTCString()).expect(304);
    await request(ctx.app).get(url).set('If-Modified-Since', new Date(Date.parse(lastModified) - 1000).toUTCString()).buffer(true).parse(binary).expect(200);
    // If-None-Match wins over If-Modified-Since (RFC 9110 §13.1.3).
    await request(ctx.app).get(url).set('If-None-Match', '"other"').set('If-Modified-Since', lastModified).buffer(true).parse(binary).expect(200);
    await request(ctx.app).head(url).set('If-None-Match', `"sha256-${SHA}"`).expect(304);
    // A range with an If-Range that still matches (ETag or date) is a 206.
    await request(ctx.app).get(url).set('Range', 'bytes=0-9').set('If-Range', `"sha256-${SHA}"`).buffer(true).parse(binary).expect(206);
    await request(ctx.app).get(url).set('Range', 'bytes=0-9').set('If-Range', lastModified).buffer(true).parse(binary).expect(206);
  });

  for (const bad of [
    '..%2F..%2Fpackage.json', '..%2Fdemo%2Fartisan-nd_0.1.0_all%2FDEBIAN%2Fcontrol', '%2Fetc%2Fpasswd',
    'artisan-nd_9.9.9_all.deb', 'artisan-nd_0.1.0_all.deb%00.txt',
  ]) {
    it(`answers 404 for a file name that is not a release: ${bad}`, async () => {
      const res = await request(ctx.app).get(`/download/files/${bad}`).expect(404);
      expect(res.text).to.contain('Page introuvable');
    });
  }
  it('answers 404 for traversal through the path itself', async () => {
    await request(ctx.app).get('/download/files/../../package.json').expect(404);
    await request(ctx.app).get('/download/files/..%2f..%2fpackage.json').expect(404);
  });

  it('answers 404 for an unpublished release', async () => {
    await ctx.db('releases').update({ published_at: null });
    await request(ctx.app).get(`/download/files/${FILE}`).expect(404);
  });
});

describe('download limits', () => {
  let ctx: TestContext;
  afterEach(async () => { await ctx.close(); });

  it('refuses the download beyond DOWNLOADS_PER_HOUR with a 429 page and Retry-After, and logs it', async () => {
    ctx = await createTestContext({ env: { DOWNLOADS_PER_HOUR: '2' } });
    for (let i = 0; i < 2; i++) await request(ctx.app).get(`/download/files/${FILE}`).buffer(true).parse(binary).expect(200);
    ctx.clock.advance(600);
    const res = await request(ctx.app).get('/download/latest').set('Accept-Language', 'en').expect(429);
    expect(res.text).to.contain('Too many requests');
    expect(Number(res.headers['retry-after'])).to.equal(3000);
    const refused = await ctx.db('downloads').where({ outcome: 'refused' }).first();
    expect(refused).to.include({ http_status: 429 });
    ctx.clock.advance(3001);
    await request(ctx.app).get(`/download/files/${FILE}`).buffer(true).parse(binary).expect(200);
  });

  it('does not count the range requests that continue a started download', async () => {
    ctx = await createTestContext({ env: { DOWNLOADS_PER_HOUR: '1' } });
    await request(ctx.app).get(`/download/files/${FILE}`).set('Range', 'bytes=0-499').buffer(true).parse(binary).expect(206);
    await request(ctx.app).get(`/download/files/${FILE}`).set('Range', 'bytes=500-').buffer(true).parse(binary).expect(206);
    await request(ctx.app).get(`/download/files/${FILE}`).buffer(true).parse(binary).expect(429);
    const rows = await ctx.db('downloads').orderBy('id');
    expect(rows.map((r: { counted: unknown }) => Boolean(r.counted))).to.deep.equal([true, false, false]);
  });

  it('counts a range from byte 0 as a new download, even after an earlier one', async () => {
    ctx = await createTestContext({ env: { DOWNLOADS_PER_HOUR: '1' } });
    await request(ctx.app).get(`/download/files/${FILE}`).buffer(true).parse(binary).expect(200);
    await request(ctx.app).get(`/download/files/${FILE}`).set('Range', 'bytes=0-').expect(429);
    await request(ctx.app).get(`/download/files/${FILE}`).set('Range', 'bytes=10-').buffer(true).parse(binary).expect(206);
  });

  it('refuses simultaneous requests beyond DOWNLOADS_CONCURRENT even before any transfer starts', async () => {
    ctx = await createTestContext({ env: { DOWNLOADS_CONCURRENT: '2', DOWNLOADS_PER_HOUR: '100' } });
    const { server, port } = await serveBigRelease(ctx, 16 * 1024 * 1024);
    const http = await import('node:http');
    const answers = await Promise.all(Array.from({ length: 6 }, () => new Promise<{ status: number; req: import('node:http').ClientRequest }>((resolve) => {
      const req = http.get({ port, host: '127.0.0.1', path: '/download/files/big.deb' }, (res) => { res.pause(); resolve({ status: res.statusCode!, req }); });
    })));
    expect(answers.filter((a) => a.status === 200)).to.have.length(2);
    expect(answers.filter((a) => a.status === 429)).to.have.length(4);
    for (const a of answers) a.req.destroy();
    await waitFor(() => ctx.handle.downloads.activeDownloads === 0);
    await new Promise((r) => server.close(r));
  });

  it('counts downloads per client IP through TRUST_PROXY hops only', async () => {
    ctx = await createTestContext({ env: { DOWNLOADS_PER_HOUR: '1', TRUST_PROXY: '1' } });
    await request(ctx.app).get(`/download/files/${FILE}`).set('X-Forwarded-For', '203.0.113.5').buffer(true).parse(binary).expect(200);
    await request(ctx.app).get(`/download/files/${FILE}`).set('X-Forwarded-For', '203.0.113.6').buffer(true).parse(binary).expect(200);
    await request(ctx.app).get(`/download/files/${FILE}`).set('X-Forwarded-For', '203.0.113.5').expect(429);
    const ips = (await ctx.db('downloads').orderBy('id')).map((r: { ip: string }) => r.ip);
    expect(ips).to.deep.equal(['203.0.113.5', '203.0.113.6', '203.0.113.5']);
  });

  it('refuses more than DOWNLOADS_CONCURRENT simultaneous downloads from one IP', async () => {
    ctx = await createTestContext({ env: { DOWNLOADS_CONCURRENT: '1' } });
    const { server, port } = await serveBigRelease(ctx, 64 * 1024 * 1024);
    const http = await import('node:http');
    // A slow reader: the first download stays open while we ask for a second one.
    const slow = http.get({ port, host: '127.0.0.1', path: '/download/files/big.deb' });
    const first = await new Promise<import('node:http').IncomingMessage>((r) => slow.once('response', r));
    expect(first.statusCode).to.equal(200);
    first.pause();
    const second = await request(`http://127.0.0.1:${port}`).get(`/download/files/${FILE}`);
    expect(second.status).to.equal(429);
    slow.destroy();
    await waitFor(() => ctx.handle.downloads.activeDownloads === 0);
    const aborted = await ctx.db('downloads').where({ filename: 'big.deb' }).first();
    await waitFor(async () => (await ctx.db('downloads').where({ filename: 'big.deb' }).first()).outcome !== 'started');
    const done = await ctx.db('downloads').where({ filename: 'big.deb' }).first();
    expect(aborted).to.exist;
    expect(done.outcome).to.equal('aborted');
    expect(Number(done.bytes_sent)).to.be.lessThan(64 * 1024 * 1024);
    // The aborted transfer closed its file: a write pending on the paused, then dead, socket never calls back.
    await waitFor(() => openDescriptors(path.join(ctx.config.paths.downloads, 'big.deb')) === 0, 3000);
    await request(`http://127.0.0.1:${port}`).get(`/download/files/${FILE}`).expect(200);
    await new Promise((r) => server.close(r));
  });

  it('survives clients that reset the connection in the middle of a download, and logs them as aborted', async () => {
    ctx = await createTestContext({ env: { DOWNLOADS_CONCURRENT: '50', DOWNLOADS_PER_HOUR: '100' } });
    const { server, port } = await serveBigRelease(ctx, 32 * 1024 * 1024);
    const net = await import('node:net');
    await Promise.all(Array.from({ length: 8 }, () => new Promise<void>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /download/files/big.deb HTTP/1.1\r\nHost: x\r\n\r\n'));
      let got = 0;
      socket.on('data', (c: Buffer) => {
        got += c.length;
        if (got > 512 * 1024) socket.resetAndDestroy();
      });
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    })));
    await waitFor(async () => Number((await ctx.db('downloads').where({ outcome: 'aborted' }).count({ n: '*' }).first())!.n) === 8);
    await waitFor(() => openDescriptors(path.join(ctx.config.paths.downloads, 'big.deb')) === 0, 3000);
    await request(`http://127.0.0.1:${port}`).get(`/download/files/${FILE}`).expect(200);
    await new Promise((r) => server.close(r));
  });

  it('hands the bytes to nginx with X-Accel-Redirect when DOWNLOAD_ACCEL=x-accel', async () => {
    ctx = await createTestContext({ env: { DOWNLOAD_ACCEL: 'x-accel' } });
    const res = await request(ctx.app).get(`/download/files/${FILE}`).expect(200);
    expect(res.headers['x-accel-redirect']).to.equal(`/_protected_downloads/${FILE}`);
    expect(res.headers['content-disposition']).to.contain(FILE);
    expect(await ctx.db('downloads').first()).to.include({ outcome: 'offloaded' });
  });
});
