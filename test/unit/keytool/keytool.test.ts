/**
 * keytool, the reference client (src/keytool): what a user sees when they
 * create an installation, trust a portal, apply key files (valid, replayed,
 * tampered, for another installation, expired) and fetch them from a small
 * local portal. Main flows run the real entry point as a child process.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import nacl from 'tweetnacl';
import {
  encodePayload, installationCode, parseInstallationCode, rfc3339, sealKeyFile, signingKey, x25519PublicKey, type SigningKey,
} from '../../../src/crypto/index.js';
import { contiguousSerial } from '../../../src/keytool/apply.js';
import { run } from '../../../src/keytool/cli.js';
import { formatSerials } from '../../../src/keytool/commands.js';

const REPO = path.resolve(import.meta.dirname, '..', '..', '..');
const issuer = signingKey(Buffer.alloc(32, 7));
const retired = signingKey(Buffer.alloc(32, 8));
const stranger = signingKey(Buffer.alloc(32, 9));
const CODE_TEXT = /Installation Code: ((?:[A-Z2-7]{5}-){10}[A-Z2-7]{5})/;

interface Result { code: number; stdout: string; stderr: string }

/** Run `keytool <args>` as the user does: node --import tsx src/keytool/keytool.ts. */
function keytool(...args: string[]): Promise<Result> {
  const env = { ...process.env };
  delete env.INIT_CWD;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/keytool/keytool.ts', ...args], { cwd: REPO, env }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The same command line in this process, with a chosen clock. */
async function keytoolAt(now: Date, ...args: string[]): Promise<Result> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (l) => out.push(l), err: (l) => err.push(l), now: () => now, fetch: globalThis.fetch }, REPO);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

interface StateFile {
  installation: string; quota: number; applied: number[]; trusted_keys: { kid: string; public_key: string; status: string }[];
  applied_log: { serial: number; units: number }[];
}

const readState = (home: string): StateFile => JSON.parse(fs.readFileSync(path.join(home, 'state.json'), 'utf8')) as StateFile;
const modeOf = (file: string): number => fs.statSync(file).mode & 0o777;

function keyEntry(k: SigningKey, status: string) {
  return { kid: k.kid.toString('hex'), alg: 'Ed25519', public_key: k.publicKey.toString('base64'), status, created_at: '2026-11-01T00:00:00Z' };
}

interface FileOptions { serial: number; units: number; code: string; to?: Uint8Array; by?: SigningKey; expires?: string | null }

/** A key file as the portal seals it (to: the recipient public key, default the one of `code`). */
function keyFile(o: FileOptions): Buffer {
  const payload = encodePayload({
    v: 1, typ: 'recharge', product: 'artisan_nd', installation: o.code, serial: o.serial, units: o.units,
    issued_at: rfc3339(new Date()), expires_at: o.expires ?? null, partner: 'PTN-0001', id: `00000000-0000-4000-8000-00000000000${o.serial}`,
  });
  return sealKeyFile({ payload, issuer: o.by ?? issuer, installationPublicKey: o.to ?? parseInstallationCode(o.code).publicKey });
}

/**
 * A small portal: keys.json, the challenge (sealed with tweetnacl, as the spec's box) and the keyfiles
 * endpoint (≤ 100 files per answer, like the real one, only with the opened challenge in
 * X-Installation-Proof) for the codes in `files`; records the request URLs. `sealTo` replaces the
 * key challenges are sealed to (a portal that got the code wrong).
 */
const portal = {
  server: http.createServer(),
  base: '',
  keys: [keyEntry(issuer, 'active'), keyEntry(retired, 'retired')] as unknown[],
  files: new Map<string, { serial: number; file: Buffer }[]>(),
  requests: [] as string[],
  proofs: new Map<string, string>(),
  sealTo: null as Uint8Array | null,
};

function challengeFor(code: string): string {
  const message = crypto.randomBytes(56);
  portal.proofs.set(code, message.toString('base64'));
  const eph = nacl.box.keyPair();
  const nonce = crypto.randomBytes(24);
  const box = nacl.box(message, nonce, portal.sealTo ?? parseInstallationCode(code).publicKey, eph.secretKey);
  return Buffer.concat([eph.publicKey, nonce, box]).toString('base64');
}

portal.server.on('request', (req, res) => {
  const url = new URL(req.url ?? '/', portal.base);
  portal.requests.push(`${url.pathname}${url.search}`);
  const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  if (url.pathname === '/.well-known/artisan-nd/keys.json') return send(200, { keys: portal.keys });
  const challenge = /^\/api\/v1\/installations\/([A-Z2-7]{55})\/challenge$/.exec(url.pathname);
  if (challenge && req.method === 'POST') return send(200, { challenge: challengeFor(challenge[1]!), expires_at: '2026-11-22T10:05:00Z' });
  const m = /^\/api\/v1\/installations\/([A-Z2-7]{55})\/keyfiles$/.exec(url.pathname);
  const list = m ? portal.files.get(m[1]!) : undefined;
  if (!list) return send(404, { error: 'not_found' });
  if (req.headers['x-installation-proof'] !== portal.proofs.get(m![1]!)) return send(401, { error: 'INSTALLATION_PROOF_INVALID' });
  const after = Number(url.searchParams.get('after_serial') ?? 0);
  send(200, { keyfiles: list.filter((f) => f.serial > after)
    .slice(0, 100)
    .map((f) => ({ serial: f.serial, id: `id-${f.serial}`, file: f.file.toString('base64') })) });
});

describe('keytool', function () {
  this.timeout(60000);
  let home: string;

  before(async () => {
    await new Promise<void>((resolve) => portal.server.listen(0, '127.0.0.1', resolve));
    portal.base = `http://127.0.0.1:${(portal.server.address() as AddressInfo).port}`;
  });
  const tmpDirs: string[] = [];
  after(async () => {
    await new Promise<void>((resolve) => portal.server.close(() => resolve()));
    for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    tmpDirs.push(fs.mkdtempSync(path.join(os.tmpdir(), 'keytool-')));
    home = path.join(tmpDirs.at(-1)!, 'home');
    portal.requests = [];
    portal.keys = [keyEntry(issuer, 'active'), keyEntry(retired, 'retired')];
    portal.sealTo = null;
  });

  /** init + trust in this process (fast); returns the compact code. */
  async function ready(): Promise<string> {
    expect((await keytoolAt(new Date(), 'init', '--home', home)).code).to.equal(0);
    expect((await keytoolAt(new Date(), 'trust', portal.base, '--home', home)).code).to.equal(0);
    return readState(home).installation;
  }

  function writeFile(name: string, bytes: Buffer): string {
    const file = path.join(path.dirname(home), name);
    fs.writeFileSync(file, bytes);
    return file;
  }

  it('init creates a 0700 home, a 0600 key and state, prints a valid code, and refuses to overwrite', async () => {
    const r = await keytool('init', '--home', home);
    expect(r.code, r.stderr).to.equal(0);
    const printed = CODE_TEXT.exec(r.stdout)![1]!;
    expect(modeOf(home)).to.equal(0o700);
    expect(modeOf(path.join(home, 'installation.key'))).to.equal(0o600);
    expect(modeOf(path.join(home, 'state.json'))).to.equal(0o600);
    const secret = Buffer.from(fs.readFileSync(path.join(home, 'installation.key'), 'utf8').trim(), 'hex');
    expect(secret).to.have.length(32);
    const code = installationCode(x25519PublicKey(secret));
    expect(parseInstallationCode(printed).code).to.equal(code);
    expect(readState(home)).to.deep.equal({ installation: code, quota: 0, applied: [], trusted_keys: [], applied_log: [] });

    const again = await keytool('init', '--home', home);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.match(/already holds an installation; refusing to overwrite/);
    expect(Buffer.from(fs.readFileSync(path.join(home, 'installation.key'), 'utf8').trim(), 'hex').equals(secret)).to.equal(true);
    expect((await keytool('code', '--home', home)).stdout.trim()).to.equal(printed);
  });

  it('trust stores the portal keys, active and retired, and refuses a key whose kid does not match', async () => {
    await keytoolAt(new Date(), 'init', '--home', home);
    const r = await keytool('trust', `${portal.base}/`, '--home', home);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal(`trusted 2 issuer key(s) from ${portal.base} (1 active, 1 retired)`);
    expect(readState(home).trusted_keys.map((k) => [k.kid, k.public_key, k.status])).to.deep.equal([
      [issuer.kid.toString('hex'), issuer.publicKey.toString('base64'), 'active'],
      [retired.kid.toString('hex'), retired.publicKey.toString('base64'), 'retired'],
    ]);
    portal.keys = [{ ...keyEntry(issuer, 'active'), kid: stranger.kid.toString('hex') }];
    const bad = await keytoolAt(new Date(), 'trust', portal.base, '--home', home);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.match(/key #1: kid does not match the public key/);
    expect(readState(home).trusted_keys).to.have.length(2);
  });

  it('apply says to run trust first when no key is trusted', async () => {
    await keytoolAt(new Date(), 'init', '--home', home);
    const code = readState(home).installation;
    const r = await keytoolAt(new Date(), 'apply', writeFile('a.bin', keyFile({ serial: 1, units: 5, code })), '--home', home);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/no trusted issuer key yet: run `keytool trust <portal-url>/);
  });

  it('apply adds the units exactly once; a replay prints ALREADY_APPLIED and leaves the quota alone', async () => {
    const code = await ready();
    const file = writeFile('r1.bin', keyFile({ serial: 1, units: 250, code }));
    const first = await keytool('apply', file, '--home', home);
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stdout.trim()).to.equal('+250 units (serial 1), quota now 250');
    const replay = await keytool('apply', file, '--home', home);
    expect(replay.code).to.equal(1);
    expect(replay.stderr).to.match(/^refused: ALREADY_APPLIED - this recharge was already applied/);
    const state = readState(home);
    expect([state.quota, state.applied, state.applied_log.length]).to.deep.equal([250, [1], 1]);
    expect(fs.readdirSync(home).sort()).to.deep.equal(['installation.key', 'state.json']);
    const status = await keytool('status', '--home', home);
    expect(status.stdout).to.include('Quota: 250 units\nApplied serials: 1\nTrusted issuer keys: 2');
  });

  it('refuses a tampered file, a file for another installation, an unknown issuer and an expired file, quota unchanged', async () => {
    const code = await ready();
    const other = installationCode(x25519PublicKey(Buffer.alloc(32, 3)));
    const tampered = keyFile({ serial: 1, units: 10, code });
    tampered[tampered.length - 1]! ^= 0x01;
    const cases: [Buffer, string][] = [
      [tampered, 'NOT_FOR_THIS_INSTALLATION'],
      [keyFile({ serial: 2, units: 10, code: other }), 'NOT_FOR_THIS_INSTALLATION'],
      [keyFile({ serial: 3, units: 10, code: other, to: parseInstallationCode(code).publicKey }), 'NOT_FOR_THIS_INSTALLATION'],
      [keyFile({ serial: 4, units: 10, code, by: stranger }), 'UNKNOWN_ISSUER_KEY'],
      [keyFile({ serial: 5, units: 10, code, expires: '2026-11-22T10:00:00Z' }), 'EXPIRED'],
      [Buffer.from('not a key file'), 'FORMAT'],
    ];
    for (const [bytes, reason] of cases) {
      const r = await keytoolAt(new Date('2026-11-22T10:00:00Z'), 'apply', writeFile('x.bin', bytes), '--home', home);
      expect([r.code, r.stderr.split(' ')[1]], r.stderr).to.deep.equal([1, reason]);
    }
    const tamperedCli = await keytool('apply', writeFile('t.bin', tampered), '--home', home);
    expect(tamperedCli.code).to.equal(1);
    expect(tamperedCli.stderr).to.match(/^refused: NOT_FOR_THIS_INSTALLATION - /);
    expect(readState(home)).to.include({ quota: 0 });
    const retiredOk = await keytoolAt(new Date(), 'apply', writeFile('r.bin', keyFile({ serial: 6, units: 1, code, by: retired })), '--home', home);
    expect(retiredOk.stdout).to.equal('+1 units (serial 6), quota now 1');
  });

  it('fetch applies the portal files once, and a second fetch applies nothing new', async () => {
    const code = await ready();
    portal.files.set(code, [keyFile({ serial: 1, units: 100, code }), keyFile({ serial: 2, units: 50, code })].map((file, i) => ({ serial: i + 1, file })));
    const first = await keytool('fetch', portal.base, '--home', home);
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stdout.trim()
      .split('\n')
      .slice(1)).to.deep.equal(['+100 units (serial 1), quota now 100', '+50 units (serial 2), quota now 150', '2 applied, 0 refused; quota now 150']);
    const second = await keytool('fetch', portal.base, '--home', home);
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stdout.trim().split('\n').slice(1)).to.deep.equal(['nothing new; quota 150']);
    expect(portal.requests.filter((u) => u.includes('/keyfiles'))).to.deep.equal([
      `/api/v1/installations/${code}/keyfiles?after_serial=0`, `/api/v1/installations/${code}/keyfiles?after_serial=2`,
    ]);
    expect(readState(home)).to.deep.include({ quota: 150, applied: [1, 2] });
  });

  it('fetch asks again from the first gap and skips applied files silently', async () => {
    const code = await ready();
    const files = [1, 2, 3].map((serial) => ({ serial, file: keyFile({ serial, units: serial * 10, code }) }));
    portal.files.set(code, files);
    await keytoolAt(new Date(), 'apply', writeFile('3.bin', files[2]!.file), '--home', home);
    const r = await keytoolAt(new Date(), 'fetch', portal.base, '--home', home);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.split('\n').slice(1)).to.deep.equal([
      '+10 units (serial 1), quota now 40', '+20 units (serial 2), quota now 60', '2 applied, 0 refused; quota now 60',
    ]);
    expect(portal.requests.at(-1)).to.equal(`/api/v1/installations/${code}/keyfiles?after_serial=0`);
  });

  it('fetch asks for the next page while the portal returns full pages', async () => {
    const code = await ready();
    portal.files.set(code, Array.from({ length: 101 }, (_, i) => ({ serial: i + 1, file: keyFile({ serial: i + 1, units: 1, code }) })));
    const r = await keytoolAt(new Date(), 'fetch', portal.base, '--home', home);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.split('\n').at(-1)).to.equal('101 applied, 0 refused; quota now 101');
    expect(portal.requests.filter((u) => u.includes('/keyfiles')).map((u) => u.split('=')[1])).to.deep.equal(['0', '100']);
  });

  it('fetch proves the installation holds its key: the challenge opened with it goes back with every page', async () => {
    const code = await ready();
    portal.files.set(code, Array.from({ length: 101 }, (_, i) => ({ serial: i + 1, file: keyFile({ serial: i + 1, units: 1, code }) })));
    const r = await keytoolAt(new Date(), 'fetch', portal.base, '--home', home);
    expect(r.code, r.stderr).to.equal(0);
    const api = `/api/v1/installations/${code}`;
    const asked = portal.requests.filter((u) => !u.includes('keys.json'));
    expect(asked).to.deep.equal([`${api}/challenge`, `${api}/keyfiles?after_serial=0`, `${api}/keyfiles?after_serial=100`]);

    // A challenge sealed to another key does not open: nothing is asked for, nothing applied.
    portal.sealTo = x25519PublicKey(Buffer.alloc(32, 5));
    portal.files.set(code, [{ serial: 102, file: keyFile({ serial: 102, units: 5, code }) }]);
    portal.requests = [];
    const refused = await keytoolAt(new Date(), 'fetch', portal.base, '--home', home);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.equal(`${portal.base}/api/v1/installations/${code}/challenge: the challenge does not open with this installation's key`);
    expect(portal.requests.filter((u) => u.includes('/keyfiles'))).to.deep.equal([]);
    expect(readState(home).quota).to.equal(101);
  });

  it('fetch exits 1 with the HTTP status when the portal refuses', async () => {
    const code = await ready();
    portal.files.delete(code);
    const r = await keytool('fetch', portal.base, '--home', home);
    expect(r.code).to.equal(1);
    expect(r.stderr.trim()).to.equal(`HTTP 404 Not Found from ${portal.base}/api/v1/installations/${code}/keyfiles?after_serial=0`);
  });

  it('refuses while another keytool holds the lock, and clears a stale lock', async () => {
    await ready();
    fs.writeFileSync(path.join(home, 'state.lock'), `${process.pid}\n`);
    const busy = await keytool('trust', portal.base, '--home', home);
    expect([busy.code, busy.stderr]).to.satisfy(([c, e]: [number, string]) => c === 1 && e.startsWith('another keytool is changing'));
    fs.writeFileSync(path.join(home, 'state.lock'), '2147483646\n');
    expect((await keytoolAt(new Date(), 'trust', portal.base, '--home', home)).code).to.equal(0);
    expect(fs.existsSync(path.join(home, 'state.lock'))).to.equal(false);
  });

  it('exits 2 on usage errors and 1 without an installation', async () => {
    expect((await keytool()).code).to.equal(2);
    expect((await keytoolAt(new Date(), 'apply', '--home', home)).stderr).to.equal('usage: keytool apply <file.bin> [--home <dir>]');
    expect((await keytoolAt(new Date(), 'status', '--bogus')).code).to.equal(2);
    expect((await keytoolAt(new Date(), 'fetch', 'ftp://x', '--home', home)).code).to.equal(2);
    const none = await keytoolAt(new Date(), 'status', '--home', home);
    expect([none.code, none.stderr]).to.deep.equal([1, `no installation in ${home}: run \`keytool init --home ${home}\` first`]);
  });

  it('formats serials as ranges and finds the first gap', () => {
    expect(formatSerials([1, 2, 3, 7, 9, 10])).to.equal('1-3, 7, 9-10');
    expect(formatSerials([])).to.equal('none');
    expect([contiguousSerial([]), contiguousSerial([2, 3]), contiguousSerial([1, 2, 4])]).to.deep.equal([0, 0, 2]);
  });
});
