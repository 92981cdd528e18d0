/**
 * The type of an uploaded lesson file, read from its first bytes (never from
 * its name or the browser's Content-Type): MP4 (an ISO BMFF `ftyp` box at
 * offset 4), WebM (the EBML magic 1A 45 DF A3 with DocType `webm` in the
 * header), PDF (`%PDF-`). Anything else is refused.
 */
export type LessonKind = 'video' | 'pdf';
export type LessonMime = 'video/mp4' | 'video/webm' | 'application/pdf';

/** How many leading bytes {@link sniffMedia} needs. */
export const SNIFF_BYTES = 64;

export function sniffMedia(head: Buffer): { mime: LessonMime; kind: LessonKind; ext: string } | null {
  if (head.length >= 12 && head.subarray(4, 8).toString('latin1') === 'ftyp') return { mime: 'video/mp4', kind: 'video', ext: 'mp4' };
  if (head.length >= 8 && head.readUInt32BE(0) === 0x1a45dfa3 && head.includes('webm', 4, 'latin1')) return { mime: 'video/webm', kind: 'video', ext: 'webm' };
  if (head.subarray(0, 5).toString('latin1') === '%PDF-') return { mime: 'application/pdf', kind: 'pdf', ext: 'pdf' };
  return null;
}
