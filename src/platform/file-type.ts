/**
 * The type of a file by its first bytes (magic numbers), never by its name or
 * the MIME type a browser sent: PNG (89 50 4E 47 0D 0A 1A 0A), JPEG (FF D8 FF),
 * GIF (`GIF87a`/`GIF89a`), WebP (`RIFF` at 0, `WEBP` at 8) and PDF (`%PDF-`).
 * Twelve bytes are enough. Uploads of images (shop thumbnails, editable pages)
 * and support attachments use it; video lessons have src/courses/media-type.ts.
 */

/** A recognised type: its MIME type and the extension files of it are stored under. */
export interface SniffedType {
  mime: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp' | 'application/pdf';
  ext: 'png' | 'jpg' | 'gif' | 'webp' | 'pdf';
}

/** The type of the file starting with `head` (at least its first 12 bytes), or null when it is none of {@link SniffedType}. */
export function sniffFileType(head: Buffer): SniffedType | null {
  const starts = (sig: number[], at = 0): boolean => head.length >= at + sig.length && sig.every((b, i) => head[at + i] === b);
  const text = (from: number, to: number) => head.subarray(from, to).toString('latin1');
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { mime: 'image/png', ext: 'png' };
  if (starts([0xff, 0xd8, 0xff])) return { mime: 'image/jpeg', ext: 'jpg' };
  if (text(0, 6) === 'GIF87a' || text(0, 6) === 'GIF89a') return { mime: 'image/gif', ext: 'gif' };
  if (text(0, 4) === 'RIFF' && text(8, 12) === 'WEBP') return { mime: 'image/webp', ext: 'webp' };
  if (text(0, 5) === '%PDF-') return { mime: 'application/pdf', ext: 'pdf' };
  return null;
}
