/**
 * Images uploaded for pages: PNG, JPEG or WebP recognised by their first
 * bytes (never by name or announced type), or SVG, which is rebuilt through
 * an allow-list (sanitize-html: shapes, paths, gradients, text; no script,
 * no event handler, no foreignObject, no style element, no reference to
 * anything outside the file). Stored as `<FILES_DIR>/uploads/<sha256>.<ext>`
 * (the same image twice is one file; FILES_DIR because the service may write
 * only its data folders, public/ being part of the installed code) and served
 * at `/uploads/<sha256>.<ext>` by a static handler of that folder (src/app.ts).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sanitizeHtml from 'sanitize-html';
import { sniffFileType } from '../platform/file-type.js';

/** Largest image accepted (bytes), raster or SVG. */
export const IMAGE_MAX_BYTES = 2 * 1024 * 1024;

export type ImageExt = 'png' | 'jpg' | 'webp' | 'svg';

/** The type of raster image `bytes` start with (src/platform/file-type.ts), or null. */
export function rasterType(bytes: Buffer): 'png' | 'jpg' | 'webp' | null {
  const type = sniffFileType(bytes.subarray(0, 12));
  return type && (type.ext === 'png' || type.ext === 'jpg' || type.ext === 'webp') ? type.ext : null;
}

const SVG_TAGS = ['svg', 'g', 'path', 'rect', 'circle', 'ellipse', 'line', 'polyline', 'polygon', 'text', 'tspan', 'title', 'desc', 'defs',
  'linearGradient', 'radialGradient', 'stop', 'clipPath', 'mask', 'symbol', 'use'];
const SVG_ATTRS = ['id', 'class', 'viewBox', 'width', 'height', 'x', 'y', 'x1', 'x2', 'y1', 'y2', 'cx', 'cy', 'r', 'rx', 'ry', 'd', 'points', 'fill',
  'fill-opacity', 'fill-rule', 'clip-rule', 'stroke', 'stroke-width', 'stroke-linecap', 'stroke-linejoin', 'stroke-opacity', 'stroke-dasharray',
  'opacity', 'transform', 'offset', 'stop-color', 'stop-opacity', 'gradientUnits', 'gradientTransform', 'clip-path', 'mask', 'font-family',
  'font-size', 'font-weight', 'text-anchor', 'dominant-baseline', 'xmlns', 'preserveAspectRatio', 'role', 'aria-label', 'aria-hidden', 'href',
  'xlink:href', 'xmlns:xlink', 'version'];

// Presentation attributes may hold url(#local) only: an external url() would fetch from elsewhere.
const EXTERNAL_URL = /url\(\s*['"]?(?!#)/i;

/** `text` rebuilt with the SVG allow-list, or null when it is not an SVG document. */
export function sanitizeSvg(text: string): string | null {
  if (!/<svg[\s>]/i.test(text)) return null;
  const clean = sanitizeHtml(text, {
    allowedTags: SVG_TAGS, allowedAttributes: { '*': SVG_ATTRS }, parser: { lowerCaseTags: false, lowerCaseAttributeNames: false, xmlMode: true },
    allowedSchemes: [], allowedSchemesByTag: {}, allowProtocolRelative: false, disallowedTagsMode: 'discard', nonTextTags: ['script', 'style', 'foreignObject'],
    exclusiveFilter: (frame) => frame.tag === 'foreignObject',
    transformTags: {
      '*': (tagName, attribs) => {
        const kept: Record<string, string> = {};
        for (const [k, v] of Object.entries(attribs)) {
          const name = k.toLowerCase();
          if (name.startsWith('on') || EXTERNAL_URL.test(v)) continue;
          // Links and <use> may point inside the file only.
          if ((name === 'href' || name === 'xlink:href') && !v.startsWith('#')) continue;
          kept[k] = v;
        }
        return { tagName, attribs: kept };
      },
    },
  }).trim();
  return /^<svg[\s>]/i.test(clean) ? clean : null;
}

/** What an upload became: its public path, or the i18n key of the refusal. */
export type StoredImage = { ok: true; path: string; bytes: number } | { ok: false; error: string };

/** The folder of uploaded page images under FILES_DIR. */
export const uploadsDir = (filesDir: string): string => path.join(filesDir, 'uploads');

/** Check `bytes` and store them in `dir` (uploadsDir); the same image gives the same path. */
export async function storeImage(dir: string, bytes: Buffer): Promise<StoredImage> {
  if (bytes.length === 0) return { ok: false, error: 'admin-pages:errors.image_type' };
  if (bytes.length > IMAGE_MAX_BYTES) return { ok: false, error: 'admin-pages:errors.image_too_big' };
  let ext: ImageExt | null = rasterType(bytes);
  let data = bytes;
  if (!ext) {
    const svg = sanitizeSvg(bytes.toString('utf8'));
    if (!svg) return { ok: false, error: 'admin-pages:errors.image_type' };
    ext = 'svg';
    data = Buffer.from(svg, 'utf8');
  }
  const name = `${crypto.createHash('sha256').update(data).digest('hex')}.${ext}`;
  await fs.promises.mkdir(dir, { recursive: true });
  const target = path.join(dir, name);
  // Written beside, then renamed: a visitor never gets half a file.
  const temp = path.join(dir, `.${name}.${crypto.randomUUID()}.part`);
  await fs.promises.writeFile(temp, data, { mode: 0o644 });
  await fs.promises.rename(temp, target);
  return { ok: true, path: `/uploads/${name}`, bytes: data.length };
}
