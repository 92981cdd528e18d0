/**
 * Copies of key files under subscription/encrypted_keys/<id>.bin. The
 * database holds the record; a missing or altered copy is rebuilt from it.
 * Writes are atomic (temporary file, fsync, rename), files mode 0600.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export class KeyFileStore {
  constructor(private readonly dir: string) {}

  private file(id: string): string {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new TypeError('not a recharge id');
    return path.join(this.dir, `${id}.bin`);
  }

  async write(id: string, bytes: Buffer): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const target = this.file(id);
    const tmp = `${target}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    const handle = await fs.open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, target);
  }

  /** Rename the copy of a revoked recharge to `<id>.bin.revoked` (kept for the record, never served). No copy: nothing to do. */
  async markRevoked(id: string): Promise<void> {
    const target = this.file(id);
    await fs.rename(target, `${target}.revoked`).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  /** The copy when it matches `sha256` (hex), else `fromDb()` written back. */
  async read(id: string, sha256: string, fromDb: () => Promise<Buffer>): Promise<Buffer> {
    const copy = await fs.readFile(this.file(id)).catch(() => null);
    if (copy && crypto.createHash('sha256').update(copy).digest('hex') === sha256) return copy;
    const bytes = await fromDb();
    await this.write(id, bytes);
    return bytes;
  }
}
