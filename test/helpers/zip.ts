/**
 * A small zip reader for the tests (an independent reading of what yazl wrote, APPNOTE 6.3: the end of central
 * directory record, the central directory, each local header): entry name → bytes (inflated when deflated), its
 * compression method (0 stored, 8 deflated) and its Unix mode. No zip64 (the test archives are small).
 */
import zlib from 'node:zlib';

export interface ZipEntry {
  data: Buffer;
  method: number;
  /** The Unix mode (file type and permissions) from the external attributes. */
  mode: number;
}

export function readZip(buf: Buffer): Map<string, ZipEntry> {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('not a zip: no end of central directory record');
  const count = buf.readUInt16LE(eocd + 10);
  let off = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, ZipEntry>();
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(off) !== 0x02014b50) throw new Error('bad central directory entry');
    const method = buf.readUInt16LE(off + 10);
    const size = buf.readUInt32LE(off + 20);
    const nameLen = buf.readUInt16LE(off + 28);
    const extraLen = buf.readUInt16LE(off + 30);
    const commentLen = buf.readUInt16LE(off + 32);
    const mode = buf.readUInt32LE(off + 38) >>> 16;
    const local = buf.readUInt32LE(off + 42);
    const name = buf.toString('utf8', off + 46, off + 46 + nameLen);
    if (buf.readUInt32LE(local) !== 0x04034b50) throw new Error(`bad local header of ${name}`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + size);
    out.set(name, { data: method === 8 ? zlib.inflateRawSync(raw) : Buffer.from(raw), method, mode });
    off += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}
