/**
 * Lesson files on disk: `<FILES_DIR>/courses/<course id>/<uuid>.<ext>`,
 * outside public/, served only through the signed media route. The row is
 * the record; the file is written (moved from the upload's temporary file,
 * same filesystem) before the row commits and removed if it does not, and
 * a deleted lesson's file is removed after its deletion commits.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SNIFF_BYTES } from './media-type.js';

export class LessonFiles {
  constructor(private readonly dir: string) {}

  /** The absolute path of a lesson's file. */
  pathOf(courseId: number, fileName: string): string {
    return path.join(this.dir, String(courseId), path.basename(fileName));
  }

  /** A new file name with `ext`. */
  newName(ext: string): string {
    return `${randomUUID()}.${ext}`;
  }

  /** The first bytes of a file and its size. */
  async head(file: string): Promise<{ head: Buffer; size: number }> {
    const fh = await fs.promises.open(file, 'r');
    try {
      const buf = Buffer.alloc(SNIFF_BYTES);
      const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
      return { head: buf.subarray(0, bytesRead), size: (await fh.stat()).size };
    } finally {
      await fh.close();
    }
  }

  /** Move an uploaded temporary file to its place; returns that path. */
  async place(tempFile: string, courseId: number, fileName: string): Promise<string> {
    const target = this.pathOf(courseId, fileName);
    await fs.promises.mkdir(path.dirname(target), { recursive: true, mode: 0o750 });
    await fs.promises.rename(tempFile, target);
    return target;
  }

  async remove(file: string): Promise<void> {
    await fs.promises.rm(file, { force: true });
  }
}
