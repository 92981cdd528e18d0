/**
 * The real entry point (src/server.ts) as `npm start` runs it: refuses a bad
 * configuration with a readable list, migrates a new database and seeds the
 * demo release by itself, keeps a generated session secret (0600), and stops
 * cleanly on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../helpers/context.js';
import { runningServers } from '../../src/ops/index.js';
import { PG_URL } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';

function start(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env },
  });
  child.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { out += c.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** The port the server says it listens on (started with PORT=0: a free port chosen by the system). */
async function waitListening(output: () => string, ms = 20000): Promise<number> {
  const port = await waitFor(() => /listening on http:\/\/[^:\s]+:(\d+)/.exec(output())?.[1], { timeout: ms, interval: 50, what: 'the server to listen' })
    .catch((err: Error) => { throw new Error(`${err.message}:\n${output()}`); });
  return Number(port);
}

describe('server (npm start)', function () {
  this.timeout(40000);
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'artisan-server-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('stops at start with the list of invalid settings', async () => {
    const { exited, output } = start({ PORT: 'abc', DOWNLOADS_PER_HOUR: '-1', DB_DIR: dir });
    expect(await exited).to.equal(1);
    expect(output()).to.contain('Invalid configuration').and.contain('PORT').and.contain('DOWNLOADS_PER_HOUR');
  });

  it('starts on a new SQLite database, serves the site and the demo .deb, and stops on SIGTERM', async function () {
    if (PG_URL) this.skip(); // the embedded-SQLite start; PostgreSQL is covered by the suite itself
    const files = path.join(dir, 'files');
    fs.mkdirSync(path.join(files, 'downloads'), { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, 'files', 'downloads', 'artisan-nd_0.1.0_all.deb'), path.join(files, 'downloads', 'artisan-nd_0.1.0_all.deb'));
    const server = start({ PORT: '0', DB_DIR: path.join(dir, 'db'), LOGS_DIR: path.join(dir, 'logs'), FILES_DIR: files, LOG_LEVEL: 'info' });
    try {
      const port = await waitListening(server.output);
      const home = await fetch(`http://127.0.0.1:${port}/`);
      expect(home.status).to.equal(200);
      expect(await home.text()).to.contain('<html lang="fr">');
      const deb = await fetch(`http://127.0.0.1:${port}/download/latest`);
      expect(deb.status).to.equal(200);
      expect((await deb.arrayBuffer()).byteLength).to.equal(fs.statSync(path.join(files, 'downloads', 'artisan-nd_0.1.0_all.deb')).size);
      expect(server.output()).to.contain('database migrated').and.contain('demo release registered').and.contain('generated a new session secret');
      const secret = fs.statSync(path.join(dir, 'db', 'session-secret'));
      expect(secret.mode & 0o777).to.equal(0o600);
      expect(runningServers(path.join(dir, 'db')), 'the mark npm run restore looks for').to.deep.equal([server.child.pid]);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).to.equal(0);
    expect(server.output()).to.contain('stopped');
    expect(fs.existsSync(path.join(dir, 'db', `server-${server.child.pid}.pid`)), 'the mark is removed on stop').to.equal(false);
  });

  it('lets a running download finish after SIGTERM, refusing new connections, then exits', async function () {
    if (PG_URL) this.skip();
    const files = path.join(dir, 'files');
    fs.mkdirSync(path.join(files, 'downloads'), { recursive: true });
    const size = 24 * 1024 * 1024;
    fs.writeFileSync(path.join(files, 'downloads', 'artisan-nd_0.1.0_all.deb'), Buffer.alloc(size, 7));
    const server = start({ PORT: '0', DB_DIR: path.join(dir, 'db'), LOGS_DIR: path.join(dir, 'logs'), FILES_DIR: files });
    const port = await waitListening(server.output);
    const http = await import('node:http');
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) =>
      http.get({ host: '127.0.0.1', port, path: '/download/latest' }, resolve).on('error', reject));
    res.pause();
    server.child.kill('SIGTERM');
    // New connections are refused once the server has handled the signal (it stops listening at once).
    // A fresh connection each try (agent: false): a kept-alive socket from an earlier try would not test the listener.
    const refused = (): Promise<boolean> => new Promise((resolve) => {
      http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (r) => { r.resume(); resolve(false); }).on('error', () => resolve(true));
    });
    await waitFor(refused, { timeout: 20000, interval: 50, what: 'new connections to be refused while stopping' });
    let received = 0;
    res.on('data', (c: Buffer) => { received += c.length; });
    res.resume();
    await new Promise((r) => res.on('end', r));
    expect(received).to.equal(size);
    expect(await server.exited).to.equal(0);
    const log = fs.readFileSync(path.join(dir, 'logs', 'downloads.log'), 'utf8');
    expect(JSON.parse(log.trim())).to.include({ outcome: 'complete', bytes: size });
  });
});
