/**
 * The production build: setup/build.mjs transpiles src/ and db/ into dist/, and `node dist/server.js` (what
 * `npm start` runs) serves the portal with no tsx: it migrates a fresh database with the compiled migrations, answers
 * its health checks and its pages in French and English, and validates a license, the Ed25519 work done on the crypto
 * worker thread started from its compiled file. The build's root has no tsx to load (test/helpers/built.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { builtRoot, dropSchema, filesMatching, freshDatabaseEnv, startServer, stopServer, type RunningServer } from '../../helpers/built.js';
import { PG_SCHEMA } from '../../helpers/db.js';
import { machine } from '../../helpers/licenses.js';

/** The threads of process `pid` (Linux). */
const threads = (pid: number) => fs.readdirSync(`/proc/${pid}/task`).length;

describe('the built server (setup/build.mjs, node dist/server.js)', function () {
  this.timeout(90000);
  let root = '';
  let server: RunningServer | undefined;
  before(async () => {
    root = await builtRoot();
  });
  after(async () => {
    server?.child.kill('SIGKILL');
    await dropSchema(`${PG_SCHEMA}_built`);
    if (root) await fs.promises.rm(root, { recursive: true, force: true });
  });

  it('builds JavaScript only: every source file has its .js, the locales are copied, and nothing imports tsx', async () => {
    const dist = path.join(root, 'dist');
    for (const f of ['server.js', 'src/server.js', 'src/licenses/crypto-thread.js', 'src/cli/billing-run.js', 'src/keytool/keytool.js',
      'db/migrations/20261122000100_create-releases.js', 'db/seeds/demo-release.js', 'src/locales/fr/common.json', 'src/locales/en/common.json']) {
      expect(fs.existsSync(path.join(dist, f)), f).to.equal(true);
    }
    expect(fs.readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')), 'no .ts file').to.deep.equal([]);
    expect(filesMatching(dist, /(from\s*|import\s*\(\s*)['"]tsx(\/[^'"]*)?['"]/)).to.deep.equal([]);
  });

  it('migrates a fresh database, serves /healthz, /readyz and pages in French and English, validates a license on its worker thread', async () => {
    const data = path.join(root, 'data');
    const env = {
      NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1', SESSION_SECRET: 'c'.repeat(64), LOG_LEVEL: 'info',
      DB_DIR: path.join(data, 'db'), FILES_DIR: path.join(data, 'files'), LOGS_DIR: path.join(data, 'logs'), SUBSCRIPTION_DIR: path.join(data, 'subscription'),
      ...(await freshDatabaseEnv(data, 'built')),
    };
    server = await startServer(process.execPath, ['dist/server.js'], root, env);
    const { url, child } = server;
    expect(server.output()).to.contain('database migrated');
    const cmdline = fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    expect(cmdline.slice(1)).to.deep.equal(['dist/server.js']);

    expect(await (await fetch(`${url}/healthz`)).json()).to.deep.equal({ status: 'ok' });
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).to.equal(200);
    expect(await ready.json()).to.deep.equal({ status: 'ready' });
    const fr = await fetch(`${url}/download?lang=fr`);
    expect(fr.status).to.equal(200);
    const frHtml = await fr.text();
    expect(frHtml).to.contain('<html lang="fr">').and.to.contain('Aller au contenu');
    const en = await (await fetch(`${url}/download?lang=en`)).text();
    expect(en).to.contain('<html lang="en">').and.to.contain('Skip to content');

    const threadsBefore = threads(child.pid!);
    const post = (route: string, body: unknown) =>
      fetch(`${url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const m = machine();
    const trial = await post('/api/v1/licenses/trial', { machine_id: m, email: 'built@example.com', product: 'easyfacture', version: '1.0.0' });
    expect(trial.status).to.equal(201);
    const { license_key: licenseKey } = (await trial.json()) as { license_key: string };
    const valid = await post('/api/v1/licenses/validate', { machine_id: m, license_key: licenseKey });
    expect(valid.status).to.equal(200);
    expect(valid.headers.get('x-signature')).to.be.a('string');
    expect(await valid.json()).to.include({ valid: true });
    // The worker thread runs (one more thread) and did not fail over to the main thread.
    expect(threads(child.pid!)).to.be.greaterThan(threadsBefore);
    expect(server.output()).to.not.contain('crypto worker failed');

    expect(await stopServer(child)).to.equal(0);
    server = undefined;
  });
});
