/**
 * The systemd unit starts the app the way it says: its ExecStartPre (the
 * check that dist/ is not older than the sources) and its ExecStart (node,
 * dist/server.js: the built JavaScript, no tsx), from an installation laid
 * out as /opt/artisan-nd (test/helpers/built.ts: `npm run build` done, no tsx
 * to load) as WorkingDirectory, with its Environment= lines and an
 * EnvironmentFile like the guide's, and nothing else from this shell. The
 * server migrates an empty database, listens, answers its pages, and stops
 * cleanly on SIGTERM (systemctl stop).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { builtRoot, dropSchema, freshDatabaseEnv, startServer, stopServer, type RunningServer } from '../../helpers/built.js';
import { REPO_ROOT } from '../../helpers/context.js';
import { PG_SCHEMA } from '../../helpers/db.js';

interface Unit { exec: string[]; execPre: string[]; env: Record<string, string>; environmentFile: string; workingDirectory: string }

/** `Key=value` lines of a unit's [Service] section (the first value of each key; Environment= lines gathered). */
function unit(file: string): Unit {
  const lines = fs.readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const value = (key: string) => lines.find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1) ?? '';
  const env = Object.fromEntries(lines.filter((l) => l.startsWith('Environment='))
    .map((l) => l.slice('Environment='.length).split('=', 2) as [string, string]));
  return { exec: value('ExecStart').split(/\s+/), execPre: value('ExecStartPre').split(/\s+/), env, environmentFile: value('EnvironmentFile'),
    workingDirectory: value('WorkingDirectory') };
}

/** The unit's node is /usr/bin/node; where this machine's node lives elsewhere, the same binary runs the same arguments. */
const nodeOf = (exec: string[]) => (fs.existsSync(exec[0]!) ? exec[0]! : process.execPath);

describe('setup/artisan-nd.service: the app started the way the unit starts it', function () {
  this.timeout(90000);
  let server: RunningServer | undefined;
  let root = '';
  after(async () => {
    server?.child.kill('SIGKILL');
    await dropSchema(`${PG_SCHEMA}_unit`);
    if (root) await fs.promises.rm(root, { recursive: true, force: true });
  });

  it('checks the build, migrates, listens, serves the home page and the download page, and exits 0 on SIGTERM', async () => {
    const u = unit(path.join(REPO_ROOT, 'setup', 'artisan-nd.service'));
    expect(u.exec).to.deep.equal(['/usr/bin/node', 'dist/server.js']);
    expect(u.execPre).to.deep.equal(['/usr/bin/node', 'setup/build.mjs', '--check']);
    expect(u.workingDirectory).to.equal('/opt/artisan-nd');
    expect(u.environmentFile).to.equal('/etc/artisan-nd/env');
    expect(u.env).to.include({ NODE_ENV: 'production' });
    root = await builtRoot();
    const data = path.join(root, 'data');
    // The guide's /etc/artisan-nd/env, with this test's folders and a free port.
    const envFile: Record<string, string> = { PORT: '0', HOST: '127.0.0.1', BASE_URL: 'https://portal.example.com', TRUST_PROXY: '1',
      SESSION_SECRET: 'b'.repeat(64), DB_DIR: path.join(data, 'db'), FILES_DIR: path.join(data, 'files'), LOGS_DIR: path.join(data, 'logs'),
      SUBSCRIPTION_DIR: path.join(data, 'subscription'), LOG_LEVEL: 'info', ...(await freshDatabaseEnv(data, 'unit')) };
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...envFile, ...u.env };
    const pre = spawnSync(nodeOf(u.execPre), u.execPre.slice(1), { cwd: root, env, encoding: 'utf8' });
    expect(pre.status, pre.stderr).to.equal(0);
    server = await startServer(nodeOf(u.exec), u.exec.slice(1), root, env);
    expect(server.output()).to.contain('database migrated');
    const home = await fetch(`${server.url}/`);
    expect(home.status).to.equal(200);
    expect(await home.text()).to.contain('artisan_nd');
    expect((await fetch(`${server.url}/download`)).status).to.equal(200);
    expect(await stopServer(server.child)).to.equal(0);
    server = undefined;
  });

  it('refuses to start (ExecStartPre fails, naming npm run build) when the build is missing or older than the sources', () => {
    const u = unit(path.join(REPO_ROOT, 'setup', 'artisan-nd.service'));
    // As after a `git pull` with no `npm run build`: the build's stamp is older than the sources, or absent.
    const longAgo = new Date('2000-01-01T00:00:00Z');
    fs.utimesSync(path.join(root, 'dist', '.build-stamp'), longAgo, longAgo);
    const pre = spawnSync(nodeOf(u.execPre), u.execPre.slice(1), { cwd: root, encoding: 'utf8' });
    expect(pre.status).to.equal(1);
    expect(pre.stderr).to.contain('npm run build');
  });
});
