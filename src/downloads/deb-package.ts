/**
 * Reading an uploaded Debian binary package (deb(5)): is it really one, and
 * what are its Package, Version and Architecture? These come from the
 * package's own control file, never from a typed value or the upload's name.
 *
 * The outer container is an `ar` archive, parsed here (small and exact):
 * the global header `!<arch>\n`, then members of a 60-byte header (name 16,
 * mtime 12, uid 6, gid 6, mode 8, size 10 — decimal ASCII, padded with
 * spaces — and the magic "`\n") followed by the data, padded to an even
 * length. The first member must be `debian-binary` holding `2.<minor>\n`;
 * members whose name starts with `_` may follow (dpkg ignores them); then
 * `control.tar` (uncompressed, `.gz`, `.xz` or `.zst`), then `data.tar[.*]`.
 * Every member header is checked up to the end of the file, so a truncated
 * upload is refused even when the cut is in the data member.
 *
 * Decompression of the control tarball: gzip with node:zlib; xz and zstd
 * with the `xz` / `zstd` commands (Debian's xz-utils and zstd packages);
 * without the command the package is refused with `unsupported_compression`.
 * The tarball is read with tar-stream.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import zlib from 'node:zlib';
import tar from 'tar-stream';

/** Why an upload is not an acceptable package; the code is the i18n key suffix of the form error. */
export type DebErrorCode =
  | 'not_ar' | 'no_debian_binary' | 'bad_debian_binary' | 'truncated' | 'no_control' | 'no_data'
  | 'unsupported_compression' | 'bad_control' | 'duplicate_field' | 'missing_field' | 'bad_package' | 'bad_version' | 'bad_architecture';

export class DebError extends Error {
  constructor(readonly code: DebErrorCode, message: string) {
    super(message);
    this.name = 'DebError';
  }
}

/** The identity of a package, as its control file states it (validated). */
export interface DebInfo {
  /** Debian package name, e.g. `artisan-nd`. */
  package: string;
  /** Debian version, possibly with an epoch, e.g. `1:0.2.0-1`. */
  version: string;
  /** e.g. `all`, `amd64`. */
  architecture: string;
}

const AR_MAGIC = '!<arch>\n';
const HEADER = 60;
/** Largest control tarball accepted, compressed and uncompressed (bytes). */
const CONTROL_MAX = 8 * 1024 * 1024;
/** Largest control file accepted (bytes). */
const CONTROL_FILE_MAX = 256 * 1024;
/** Debian policy §5.6.1, §5.6.12, §5.6.8; lengths fit the releases table. */
const PACKAGE_RE = /^[a-z0-9][a-z0-9+.-]{1,63}$/;
const VERSION_RE = /^(?:[0-9]{1,9}:)?[0-9][A-Za-z0-9.+~-]{0,62}$/;
const ARCH_RE = /^[a-z0-9][a-z0-9-]{0,31}$/;

interface Member {
  name: string;
  offset: number;
  size: number;
}

/** Every member of the ar archive at `fh` (`fileSize` bytes), in order. @throws DebError */
async function arMembers(fh: fs.promises.FileHandle, fileSize: number): Promise<Member[]> {
  const magic = Buffer.alloc(8);
  const { bytesRead } = await fh.read(magic, 0, 8, 0);
  if (bytesRead < 8 || magic.toString('latin1') !== AR_MAGIC) throw new DebError('not_ar', 'not an ar archive');
  const members: Member[] = [];
  const header = Buffer.alloc(HEADER);
  let pos = 8;
  while (pos < fileSize) {
    const got = (await fh.read(header, 0, HEADER, pos)).bytesRead;
    if (got < HEADER) throw new DebError('truncated', 'ar member header cut short');
    if (header.toString('latin1', 58, 60) !== '`\n') throw new DebError('not_ar', 'bad ar member header');
    const sizeText = header.toString('latin1', 48, 58).trim();
    if (!/^\d{1,10}$/.test(sizeText)) throw new DebError('not_ar', 'bad ar member size');
    const size = Number(sizeText);
    const offset = pos + HEADER;
    if (offset + size > fileSize) throw new DebError('truncated', 'ar member runs past the end of the file');
    members.push({ name: header.toString('latin1', 0, 16).trim().replace(/\/$/, ''), offset, size });
    pos = offset + size + (size % 2);
    if (members.length > 64) throw new DebError('not_ar', 'too many ar members');
  }
  return members;
}

async function readMember(fh: fs.promises.FileHandle, m: Member): Promise<Buffer> {
  const buf = Buffer.alloc(m.size);
  const { bytesRead } = await fh.read(buf, 0, m.size, m.offset);
  if (bytesRead < m.size) throw new DebError('truncated', `member ${m.name} cut short`);
  return buf;
}

/** Decompress with an external command (`xz -dc`, `zstd -dc`), at most CONTROL_MAX bytes out. */
function viaCommand(command: string, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, ['-dc'], { stdio: ['pipe', 'pipe', 'ignore'], timeout: 20_000 });
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const fail = (err: DebError) => { if (!failed) { failed = true; child.kill(); reject(err); } };
    child.on('error', (err: NodeJS.ErrnoException) => fail(err.code === 'ENOENT'
      ? new DebError('unsupported_compression', `${command} is not installed on this server`)
      : new DebError('bad_control', `${command} failed`)));
    child.stdout.on('data', (c: Buffer) => {
      size += c.length;
      if (size > CONTROL_MAX) fail(new DebError('bad_control', 'control archive too large'));
      else chunks.push(c);
    });
    child.stdin.on('error', () => { /* the child exits early on bad input: its exit code tells */ });
    child.on('close', (code) => {
      if (failed) return;
      if (code !== 0) fail(new DebError('bad_control', `${command} could not decompress the control archive`));
      else resolve(Buffer.concat(chunks));
    });
    child.stdin.end(input);
  });
}

/** The uncompressed control tarball of member `name`. @throws DebError */
async function decompress(name: string, data: Buffer): Promise<Buffer> {
  try {
    if (name === 'control.tar') return data;
    if (name === 'control.tar.gz') return zlib.gunzipSync(data, { maxOutputLength: CONTROL_MAX });
  } catch {
    throw new DebError('bad_control', 'the control archive is damaged');
  }
  if (name === 'control.tar.xz') return viaCommand('xz', data);
  if (name === 'control.tar.zst') return viaCommand('zstd', data);
  throw new DebError('unsupported_compression', `unsupported control member ${name}`);
}

/** The `control` file of an uncompressed control tarball. @throws DebError */
async function controlFile(tarball: Buffer): Promise<string> {
  const extract = tar.extract();
  let found: string | null = null;
  const done = (async () => {
    for await (const entry of extract) {
      const name = entry.header.name.replace(/^\.\//, '');
      if (name === 'control' && entry.header.type === 'file' && found === null) {
        if (entry.header.size > CONTROL_FILE_MAX) throw new DebError('bad_control', 'control file too large');
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        found = Buffer.concat(chunks).toString('utf8');
      } else {
        entry.resume();
      }
    }
  })();
  extract.end(tarball);
  try {
    await done;
  } catch (err) {
    if (err instanceof DebError) throw err;
    throw new DebError('bad_control', 'the control archive is not a valid tar file');
  }
  if (found === null) throw new DebError('no_control', 'no control file in the control archive');
  return found;
}

/**
 * The fields of the first paragraph of a control file (deb822): names
 * lower-cased; continuation lines joined with `\n` (so a multi-line value
 * is refused by the single-line checks).
 * @throws DebError `duplicate_field` when a field appears twice (names compare
 *   without case, as dpkg does: it refuses such a package, "duplicate value
 *   for field"), `bad_control` for a malformed line.
 */
export function parseControl(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last: string | null = null;
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    if (line.trim() === '') { if (fields.size > 0) break; continue; }
    if (line.startsWith('#')) continue;
    if (/^[ \t]/.test(line)) {
      if (last === null) throw new DebError('bad_control', 'continuation line without a field');
      fields.set(last, `${fields.get(last) ?? ''}\n${line.trim()}`);
      continue;
    }
    const m = /^([!-9;-~][!-9;-~]*):(.*)$/.exec(line);
    if (!m) throw new DebError('bad_control', 'malformed control line');
    last = m[1]!.toLowerCase();
    if (fields.has(last)) throw new DebError('duplicate_field', `the field ${m[1]!} appears twice in the control file`);
    fields.set(last, m[2]!.trim());
  }
  return fields;
}

/** Validate the identity fields against Debian policy's character sets. @throws DebError */
export function debInfoOf(fields: Map<string, string>): DebInfo {
  const pkg = fields.get('package');
  const version = fields.get('version');
  const architecture = fields.get('architecture');
  if (!pkg || !version || !architecture) throw new DebError('missing_field', 'Package, Version or Architecture missing');
  if (!PACKAGE_RE.test(pkg)) throw new DebError('bad_package', 'invalid Package field');
  if (!VERSION_RE.test(version)) throw new DebError('bad_version', 'invalid Version field');
  if (!ARCH_RE.test(architecture)) throw new DebError('bad_architecture', 'invalid Architecture field');
  return { package: pkg, version, architecture };
}

/**
 * Check that `file` is a Debian binary package and read its identity.
 * @throws DebError (see {@link DebErrorCode}) when it is not one.
 */
export async function readDebInfo(file: string): Promise<DebInfo> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const { size } = await fh.stat();
    const members = await arMembers(fh, size);
    const [first, ...rest] = members;
    if (first?.name !== 'debian-binary') throw new DebError('no_debian_binary', 'debian-binary is not the first member');
    const format = first.size <= 16 ? (await readMember(fh, first)).toString('latin1') : '';
    if (!/^2\.\d+\n$/.test(format)) throw new DebError('bad_debian_binary', 'not a format 2.x package');
    const parts = rest.filter((m) => !m.name.startsWith('_'));
    const control = parts[0];
    if (!control?.name.startsWith('control.tar')) throw new DebError('no_control', 'no control archive after debian-binary');
    if (!parts[1]?.name.startsWith('data.tar')) throw new DebError('no_data', 'no data archive after the control archive');
    if (control.size > CONTROL_MAX) throw new DebError('bad_control', 'control archive too large');
    const tarball = await decompress(control.name, await readMember(fh, control));
    return debInfoOf(parseControl(await controlFile(tarball)));
  } finally {
    await fh.close();
  }
}

/** Debian's file name of a package: `<package>_<version without epoch>_<arch>.deb`. */
export function debFilename(info: DebInfo): string {
  return `${info.package}_${info.version.replace(/^\d+:/, '')}_${info.architecture}.deb`;
}

/**
 * The portal's product of a package: its name with `-` turned into `_`
 * (Debian names cannot hold `_`; the portal's products are named like
 * `artisan_nd`, so package `artisan-nd` is product `artisan_nd`).
 */
export function productOf(packageName: string): string {
  return packageName.replace(/-/g, '_');
}

/** Package and architecture read back from a stored file name (`<package>_<version>_<arch>.deb`), or nulls. */
export function nameParts(filename: string): { package: string | null; architecture: string | null } {
  const m = /^([^_]+)_[^_]+_([^_]+)\.deb$/.exec(filename);
  return { package: m?.[1] ?? null, architecture: m?.[2] ?? null };
}
