/**
 * Writing a client package: a zip (yazl) holding the product's release
 * (.deb, stored as it is: already compressed), `.env` (API_KEY, PORTAL_URL),
 * `API_KEY.txt`, `README.md` (French and English) and `SHA256SUMS`
 * (`sha256sum -c` format) of those four files.
 *
 * The .deb is streamed from files/downloads and hashed on the way (one
 * read); SHA256SUMS is added last (yazl's lazy stream), once that hash is
 * known. A release whose bytes do not match its recorded SHA-256 fails the
 * build. The zip is written to a temporary name beside its target (mode
 * 0600) and renamed when complete, so a half-written package is never
 * served; its own SHA-256 and size come back.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

export interface PackageFiles {
  /** Absolute path of the release file and its name in the zip. */
  debPath: string;
  debName: string;
  /** The release's recorded SHA-256 (hex), checked against the streamed bytes. */
  debSha256: string;
  apiKey: string;
  portalUrl: string;
  readme: string;
  /** Entries' modification time. */
  mtime: Date;
}

export interface WrittenZip {
  bytes: number;
  sha256: string;
  /** SHA-256 of each entry, by name (what SHA256SUMS lists). */
  sums: Record<string, string>;
}

const sha256 = (b: Buffer | string): string => crypto.createHash('sha256').update(b).digest('hex');

/** A pass-through stream that shows each chunk to `seen` (hashing on the way, keeping back-pressure). */
function hashing(seen: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen(chunk);
      done(null, chunk);
    },
  });
}

/** The SHA256SUMS text of `sums`: `<hex>  <name>` lines, in the order given. */
export function sumsText(sums: Record<string, string>): string {
  return Object.entries(sums).map(([name, hex]) => `${hex}  ${name}\n`).join('');
}

/** Write the package zip to `target` (its folder must exist). @throws Error (missing release, hash mismatch, disk). */
export async function writePackageZip(target: string, f: PackageFiles): Promise<WrittenZip> {
  const env = Buffer.from(`API_KEY=${f.apiKey}\nPORTAL_URL=${f.portalUrl}\n`, 'utf8');
  const keyTxt = Buffer.from(`${f.apiKey}\n`, 'utf8');
  const readme = Buffer.from(f.readme, 'utf8');
  const size = (await fs.promises.stat(f.debPath)).size;
  const zip = new yazl.ZipFile();
  const debHash = crypto.createHash('sha256');
  const sums: Record<string, string> = {};
  zip.addReadStreamLazy(f.debName, { compress: false, size, mtime: f.mtime, mode: 0o100644 }, (cb) => {
    const through = hashing((chunk) => debHash.update(chunk));
    fs.createReadStream(f.debPath, { highWaterMark: 1 << 20 }).on('error', (err) => through.destroy(err)).pipe(through);
    cb(null, through);
  });
  zip.addBuffer(env, '.env', { compress: true, mtime: f.mtime, mode: 0o100600 });
  zip.addBuffer(keyTxt, 'API_KEY.txt', { compress: true, mtime: f.mtime, mode: 0o100600 });
  zip.addBuffer(readme, 'README.md', { compress: true, mtime: f.mtime, mode: 0o100644 });
  zip.addReadStreamLazy('SHA256SUMS', { compress: true, mtime: f.mtime, mode: 0o100644 }, (cb) => {
    sums[f.debName] = debHash.digest('hex');
    if (sums[f.debName] !== f.debSha256) {
      cb(new Error(`${f.debName} does not match its recorded SHA-256`), Readable.from([]));
      return;
    }
    Object.assign(sums, { '.env': sha256(env), 'API_KEY.txt': sha256(keyTxt), 'README.md': sha256(readme) });
    cb(null, Readable.from([Buffer.from(sumsText(sums), 'utf8')]));
  });
  zip.end();
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  const zipHash = crypto.createHash('sha256');
  let bytes = 0;
  const count = hashing((chunk) => { zipHash.update(chunk); bytes += chunk.length; });
  const failed = new Promise<never>((_, reject) => zip.on('error', reject));
  try {
    await Promise.race([pipeline(zip.outputStream, count, fs.createWriteStream(tmp, { mode: 0o600 })), failed]);
    await fs.promises.rename(tmp, target);
  } catch (err) {
    (zip.outputStream as unknown as Readable).destroy();
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
  return { bytes, sha256: zipHash.digest('hex'), sums };
}
