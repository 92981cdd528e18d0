/**
 * The single-file archive: `artisan-nd-backup-<UTC timestamp>.tar.gz`, a gzip-compressed tar whose entries sit under
 * one folder `artisan-nd-backup-<UTC timestamp>/` (so `tar -xzf` gives back the directory archive of ./archive.ts)
 * with `manifest.json` as the last entry; or `….tar.gz.age`, the same bytes encrypted with age
 * (https://age-encryption.org/v1) to one X25519 recipient (`age1…`).
 *
 * Everything streams: a file is read once, its SHA-256 computed from the very bytes put in the tar, and at most a
 * few 64 KiB chunks are in memory (age's STREAM chunks are 64 KiB, each authenticated). Reading checks every entry
 * against the manifest the same way; a tampered age file fails on the first altered chunk, a truncated one at its end.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import zlib from 'node:zlib';
import { Decrypter, Encrypter } from 'age-encryption';
import tar from 'tar-stream';
import { ARCHIVE_NAME, MANIFEST, parseManifest, vanished, type Manifest, type ManifestFile } from './archive.js';

export const TAR_SUFFIX = '.tar.gz';
export const AGE_SUFFIX = '.tar.gz.age';
/** The first bytes of an age file, and of a gzip stream. */
const AGE_MAGIC = Buffer.from('age-encryption.org/v1\n');
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
/** A manifest is a few hundred bytes per file: 64 MiB is far beyond any real one, and bounds what is held in memory. */
const MANIFEST_MAX_BYTES = 64 << 20;

/** One file to put in the archive: its path inside the archive and where it is on disk. */
export interface TarSource { rel: string; file: string }

/** A refusal that names the problem (a missing or wrong identity, a damaged archive); never a stack trace. */
export class ArchiveProblem extends Error {}

/** Pipe `gzip` through age encryption to `recipient` when given. */
async function encryptedTail(gzip: zlib.Gzip, recipient: string | undefined): Promise<Duplex[]> {
  if (!recipient) return [gzip];
  const encrypter = new Encrypter();
  encrypter.addRecipient(recipient);
  const plain = new TransformStream<Uint8Array, Uint8Array>();
  const sealed = await encrypter.encrypt(plain.readable);
  return [gzip, Duplex.fromWeb({ writable: plain.writable, readable: sealed as unknown as WebReadableStream<Uint8Array> })];
}

/** Put `body` (small) as one entry; resolves once it is in the tar. */
function addSmall(pack: tar.Pack, header: tar.Header | { name: string; mode: number; size: number }, body: Buffer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // An error reaches the callback; the listener keeps it from also being an unhandled 'error' event.
    pack.entry(header, body, (err) => (err ? reject(err) : resolve())).on('error', () => undefined);
  });
}

/**
 * Add one file as a tar entry, hashing the bytes as they go in; exactly `size` bytes (fstat of the opened file) are
 * read. The file is opened first, so once it is open its deletion no longer matters; a file already gone (ENOENT)
 * adds nothing and answers null.
 */
async function addEntry(pack: tar.Pack, top: string, source: TarSource): Promise<ManifestFile | null> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(source.file, 'r');
  } catch (err) {
    if (vanished(err)) return null;
    throw err;
  }
  try {
    return await addOpened(pack, top, source, handle);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

async function addOpened(pack: tar.Pack, top: string, source: TarSource, handle: fs.promises.FileHandle): Promise<ManifestFile> {
  const stat = await handle.stat();
  const hash = crypto.createHash('sha256');
  const header = { name: `${top}/${source.rel}`, size: stat.size, mode: stat.mode & 0o777, mtime: stat.mtime, type: 'file' as const };
  if (stat.size === 0) {
    await addSmall(pack, header, Buffer.alloc(0));
    return { path: source.rel, size: 0, sha256: hash.digest('hex') };
  }
  let entry!: ReturnType<tar.Pack['entry']>;
  // The callback runs once the entry is complete in the tar, or failed (the output failed, or the file shrank meanwhile).
  const done = new Promise<void>((resolve, reject) => { entry = pack.entry(header, (err) => (err ? reject(err) : resolve())); });
  entry.on('error', () => undefined);
  done.catch(() => undefined); // awaited below; a failure while the file is read is not an unhandled rejection
  const input = handle.createReadStream({ start: 0, end: stat.size - 1, autoClose: false });
  try {
    for await (const chunk of input) {
      hash.update(chunk as Buffer);
      if (!entry.write(chunk)) await Promise.race([new Promise<void>((resolve) => entry.once('drain', () => resolve())), done]);
    }
  } finally {
    input.destroy();
  }
  (entry as unknown as { end(): void }).end();
  await done;
  return { path: source.rel, size: stat.size, sha256: hash.digest('hex') };
}

/** What writeTarArchive wrote: the manifest, and the sources left out because they were deleted before they could be read. */
export interface TarWritten { manifest: Manifest; skipped: string[] }

/**
 * Write `sources`, then the manifest `finish` builds from their entries, to `dest` (created, mode 0600, must not
 * exist) as a gzip tar, encrypted to the age X25519 `recipient` when given. A source deleted before it is opened is
 * left out of the tar and the manifest, and named in `skipped`. Returns the manifest written.
 */
export async function writeTarArchive(dest: string, top: string, sources: TarSource[], finish: (files: ManifestFile[]) => Manifest,
  recipient?: string): Promise<TarWritten> {
  const pack = tar.pack();
  const tail = await encryptedTail(zlib.createGzip({ level: 6 }), recipient);
  const written = pipeline([pack as unknown as Readable, ...tail, fs.createWriteStream(dest, { flags: 'wx', mode: 0o600 })]);
  // The output failing (a full disk) ends the writing of entries at once, whatever they wait for.
  const failed = written.then(() => new Promise<never>(() => undefined));
  failed.catch(() => undefined);
  const orFailed = <T>(work: Promise<T>): Promise<T> => {
    work.catch(() => undefined); // the loser of the race may fail later: not an unhandled rejection
    return Promise.race([work, failed]);
  };
  try {
    const files: ManifestFile[] = [];
    const skipped: string[] = [];
    for (const source of sources) {
      const added = await orFailed(addEntry(pack, top, source));
      if (added) files.push(added);
      else skipped.push(source.rel);
    }
    const manifest = finish(files);
    const body = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    await orFailed(addSmall(pack, { name: `${top}/${MANIFEST}`, mode: 0o600, size: body.length }, body));
    pack.finalize();
    await written;
    return { manifest, skipped };
  } catch (err) {
    pack.destroy(err as Error);
    await written.catch(() => undefined);
    throw err;
  }
}

/** The AGE-SECRET-KEY-1… line of an identity file (as `age-keygen` or `npm run backup:keygen` write it). */
export function readIdentity(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ArchiveProblem(`the identity file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l.startsWith('AGE-SECRET-KEY-1'));
  if (!line) throw new ArchiveProblem(`${file} holds no AGE-SECRET-KEY-1… line (an age X25519 identity)`);
  return line;
}

/** The archive's bytes as a gzip stream: decrypted with the identity in `identityFile` when the file is an age file. */
async function openArchive(file: string, identityFile: string | undefined): Promise<{ gzip: Readable; encrypted: boolean }> {
  const head = Buffer.alloc(AGE_MAGIC.length);
  const fd = fs.openSync(file, 'r');
  const n = (() => { try { return fs.readSync(fd, head); } finally { fs.closeSync(fd); } })();
  if (n >= GZIP_MAGIC.length && head.subarray(0, GZIP_MAGIC.length).equals(GZIP_MAGIC)) return { gzip: fs.createReadStream(file), encrypted: false };
  if (n < AGE_MAGIC.length || !head.equals(AGE_MAGIC)) throw new ArchiveProblem(`${file}: neither a .tar.gz nor an age-encrypted archive`);
  if (!identityFile) throw new ArchiveProblem('the archive is encrypted: give the identity file with --identity FILE (or BACKUP_IDENTITY_FILE)');
  const identity = readIdentity(identityFile);
  const decrypter = new Decrypter();
  try {
    decrypter.addIdentity(identity);
  } catch {
    throw new ArchiveProblem(`${identityFile}: the AGE-SECRET-KEY-1… line is not a valid key`);
  }
  const source = Readable.toWeb(fs.createReadStream(file)) as unknown as ReadableStream<Uint8Array>;
  let plain: ReadableStream<Uint8Array>;
  try {
    plain = await decrypter.decrypt(source);
  } catch (err) {
    const message = (err as Error).message;
    throw new ArchiveProblem(/no identity matched/.test(message) ? 'the identity does not open this archive (it was encrypted to another key)'
      : `the age header is damaged or was altered (${message})`);
  }
  return { gzip: Readable.fromWeb(plain as unknown as WebReadableStream<Uint8Array>), encrypted: true };
}

/** `top/rel` checked: one archive folder, a relative path that stays inside it ('' for the folder itself). */
function entryPath(name: string, tops: Set<string>): string {
  const [top, ...rest] = name.replace(/\/$/, '').split('/');
  const rel = rest.join('/');
  if (!top || !ARCHIVE_NAME.test(top) || (rel && (rel !== path.posix.normalize(rel) || rel.startsWith('../') || rel === '..' || rel.startsWith('/')))) {
    throw new ArchiveProblem(`${name}: an entry outside the archive folder`);
  }
  tops.add(top);
  if (tops.size > 1) throw new ArchiveProblem(`${name}: a second archive folder in the file`);
  return rel;
}

export interface ReadTarResult { manifest: Manifest; found: Map<string, ManifestFile> }

/**
 * Read every entry of the archive `file` (decrypted with the identity in `identityFile` when it is an age file),
 * hashing it; write it under `extractTo` when given, and always write the entries `keep` names (into `extractTo`, else
 * `scratch`). Checks the names and that each file appears once.
 * @throws ArchiveProblem naming what is wrong (encrypted without identity, wrong key, damaged, altered).
 */
export async function readTarArchive(file: string, opts: { identityFile?: string; extractTo?: string; scratch: string; keep: string[] })
  : Promise<ReadTarResult> {
  const { gzip, encrypted } = await openArchive(file, opts.identityFile);
  const extract = tar.extract();
  const piping = pipeline(gzip, zlib.createGunzip(), extract as unknown as NodeJS.WritableStream);
  piping.catch(() => undefined);
  const found = new Map<string, ManifestFile>();
  const tops = new Set<string>();
  let manifestText: string | undefined;
  try {
    for await (const entry of extract) {
      const rel = entryPath(entry.header.name, tops);
      // Folders carry nothing (`tar -czf` of a directory archive lists them); they are made as files need them.
      if (entry.header.type === 'directory') {
        entry.resume();
        continue;
      }
      if (!rel) throw new ArchiveProblem(`${entry.header.name}: the archive folder as a ${entry.header.type}`);
      if (entry.header.type !== 'file') throw new ArchiveProblem(`${rel}: a ${entry.header.type} entry (only files belong in an archive)`);
      if (found.has(rel) || (rel === MANIFEST && manifestText !== undefined)) throw new ArchiveProblem(`${rel}: twice in the archive`);
      if (rel === MANIFEST) {
        if (entry.header.size > MANIFEST_MAX_BYTES) throw new ArchiveProblem(`${MANIFEST}: ${entry.header.size} bytes, too large`);
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        manifestText = Buffer.concat(chunks).toString('utf8');
        continue;
      }
      const dir = opts.extractTo ?? (opts.keep.includes(rel) ? opts.scratch : undefined);
      found.set(rel, await consumeEntry(entry, rel, dir));
    }
    await piping;
  } catch (err) {
    if (err instanceof ArchiveProblem) throw err;
    throw new ArchiveProblem(`${encrypted ? 'the encrypted archive' : 'the archive'} cannot be read to its end, it is damaged or was altered `
      + `(${(err as Error).message})`);
  } finally {
    extract.destroy();
  }
  if (manifestText === undefined) throw new ArchiveProblem(`${MANIFEST} is missing in ${file}`);
  try {
    return { manifest: parseManifest(manifestText), found };
  } catch (err) {
    throw new ArchiveProblem((err as Error).message);
  }
}

/** Hash one entry's bytes, writing them to `dir/rel` when `dir` is given. */
async function consumeEntry(entry: AsyncIterable<unknown> & { header: tar.Header }, rel: string, dir: string | undefined): Promise<ManifestFile> {
  const hash = crypto.createHash('sha256');
  let size = 0;
  let out: fs.promises.FileHandle | undefined;
  // A write that fails (a full disk) is named as such, not as a damaged archive.
  const writing = async <T>(act: () => Promise<T>): Promise<T> => act().catch((err: Error) => {
    throw new ArchiveProblem(`${rel}: cannot be written under ${dir} (${err.message}); free room there for the archive's files`);
  });
  if (dir) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true, mode: 0o700 });
    out = await writing(() => fs.promises.open(path.join(dir, rel), 'wx', (entry.header.mode & 0o777) | 0o600));
  }
  try {
    for await (const chunk of entry) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (out) await writing(() => out.write(chunk as Buffer));
    }
  } finally {
    await out?.close();
  }
  return { path: rel, size, sha256: hash.digest('hex') };
}
