/**
 * The systemd unit starts the app the way it says: its ExecStart (node with
 * tsx, src/server.ts), from the repository as WorkingDirectory, with its
 * Environment= lines and an EnvironmentFile like the guide's, and nothing
 * else from this shell. The server migrates an empty database, listens,
 * answers its pages, and stops cleanly on SIGTERM (systemctl stop).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../../helpers/context.js';
import { waitFor } from '../../helpers/wait.js';

/** `Key=value` lines of a unit's [Service] section (the first value of each key; Environment= lines gathered). */
function unit(file: string): { exec: string[]; env: Record<string, string>; environmentFile: string; workingDirectory: string } {
  const lines = fs.readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const value = (key: string) => lines.find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1) ?? '';
  const env = Object.fromEntries(lines.filter((l) => l.startsWith('Environment='))
    .map((l) => l.slice('Environment='.length).split('=', 2) as [string, string]));
  return { exec: value('ExecStart').split(/\s+/), env, environmentFile: value('EnvironmentFile'), workingDirectory: value('WorkingDirectory') };
}

describe('setup/artisan-nd.service: the app started the way the unit starts it', function () {
  this.timeout(60000);
  let child: ChildProcess | undefined;
  let dir = '';
  after(async () => {
    child?.kill('SIGKILL');
    if (dir) await fs.promises.rm(dir, { recursive: true, force: true });
  });

  it('migrates, listens, serves the home page and the download page, and exits 0 on SIGTERM', async () => {
    const u = unit(path.join(REPO_ROOT, 'setup', 'artisan-nd.service'));
    expect(u.exec.slice(0, 3)).to.deep.equal(['/usr/bin/node', '--import', 'tsx']);
    expect(u.workingDirectory).to.equal('/opt/artisan-nd');
    expect(u.environmentFile).to.equal('/etc/artisan-nd/env');
    expect(u.env).to.include({ NODE_ENV: 'production' });
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'unit-start-'));
    // The guide's /etc/artisan-nd/env, with this test's folders and a free port.
    const envFile: Record<string, string> = { PORT: '0', HOST: '127.0.0.1', BASE_URL: 'https://portal.example.com', TRUST_PROXY: '1',
      SESSION_SECRET: 'b'.repeat(64), DB_DIR: path.join(dir, 'db'), FILES_DIR: path.join(dir, 'files'), LOGS_DIR: path.join(dir, 'logs'),
      SUBSCRIPTION_DIR: path.join(dir, 'subscription'), LOG_LEVEL: 'info' };
    let out = '';
    // The unit's node is /usr/bin/node; where this machine's node lives elsewhere, the same binary runs the same arguments.
    const node = fs.existsSync(u.exec[0]!) ? u.exec[0]! : process.execPath;
    child = spawn(node, u.exec.slice(1), { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...envFile, ...u.env } });
    child.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr!.on('data', (c: Buffer) => { out += c.toString(); });
    const url = await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? null, { timeout: 45000, what: `the server listening:\n${out}` });
    expect(out).to.contain('database migrated');
    const home = await fetch(`${url}/`);
    expect(home.status).to.equal(200);
    expect(await home.text()).to.contain('artisan_nd');
    expect((await fetch(`${url}/download`)).status).to.equal(200);
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).to.equal(0);
    child = undefined;
  });
});
