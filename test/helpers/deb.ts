/**
 * Test packages: real ones built by `dpkg-deb --build`, and fakes assembled
 * here (an ar archive of chosen members, a control tarball with a chosen
 * control text) for what dpkg-deb refuses to build.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import tar from 'tar-stream';

export interface DebSpec {
  package?: string;
  version?: string;
  architecture?: string;
  /** dpkg-deb -Z: gzip, xz, zstd or none (default gzip). */
  compression?: 'gzip' | 'xz' | 'zstd' | 'none';
  /** Bytes of the one file installed (under /usr/share/<package>/payload), to control the size. */
  payloadBytes?: number;
}

/** Build a real package with dpkg-deb in a temporary folder; returns its bytes. */
export function buildDeb(spec: DebSpec = {}): Buffer {
  const pkg = spec.package ?? 'artisan-nd';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deb-build-'));
  try {
    const root = path.join(dir, 'root');
    fs.mkdirSync(path.join(root, 'DEBIAN'), { recursive: true });
    fs.writeFileSync(path.join(root, 'DEBIAN', 'control'), [
      `Package: ${pkg}`, `Version: ${spec.version ?? '0.2.0'}`, `Architecture: ${spec.architecture ?? 'all'}`,
      'Maintainer: artisan_nd <contact@artisan-nd.example>', 'Description: test package', ' built by the tests.', '',
    ].join('\n'));
    const share = path.join(root, 'usr', 'share', pkg);
    fs.mkdirSync(share, { recursive: true });
    fs.writeFileSync(path.join(share, 'payload'), crypto.randomBytes(spec.payloadBytes ?? 64)); // random: the package size follows it
    const out = path.join(dir, 'out.deb');
    execFileSync('dpkg-deb', ['--root-owner-group', `-Z${spec.compression ?? 'gzip'}`, '--build', root, out], { stdio: 'ignore' });
    return fs.readFileSync(out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** An ar archive of `members` (name, bytes), as dpkg-deb writes one. */
export function arArchive(members: { name: string; data: Buffer }[]): Buffer {
  const parts: Buffer[] = [Buffer.from('!<arch>\n', 'latin1')];
  for (const m of members) {
    const header = m.name.padEnd(16) + '0'.padEnd(12) + '0'.padEnd(6) + '0'.padEnd(6) + '100644'.padEnd(8) + String(m.data.length).padEnd(10) + '`\n';
    parts.push(Buffer.from(header, 'latin1'), m.data);
    if (m.data.length % 2) parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

/** A gzip'd tarball holding `files` (name → text). */
export async function tarGz(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, text] of Object.entries(files)) pack.entry({ name, mode: 0o644 }, Buffer.from(text));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  return zlib.gzipSync(Buffer.concat(chunks));
}

/** A fake package whose control file is `control` (members debian-binary, control.tar.gz, data.tar.gz). */
export async function fakeDeb(control: string): Promise<Buffer> {
  return arArchive([
    { name: 'debian-binary', data: Buffer.from('2.0\n') },
    { name: 'control.tar.gz', data: await tarGz({ './control': control }) },
    { name: 'data.tar.gz', data: await tarGz({ './usr/share/doc/x': 'x' }) },
  ]);
}

/** A control text with these identity fields. */
export function controlText(pkg: string, version: string, arch = 'all'): string {
  return `Package: ${pkg}\nVersion: ${version}\nArchitecture: ${arch}\nMaintainer: x <x@example.org>\nDescription: fake\n`;
}
