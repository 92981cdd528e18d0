/**
 * A page's content as stable, readable plain text, one `path: value` line per
 * field (multi-line values continue on lines indented by two spaces), and the
 * plain-text diff of two such texts (unified format, the `diff` package), for
 * comparing two versions in /admin/pages.
 */
import { createTwoFilesPatch } from 'diff';
import type { PageContent } from './content.js';

function flatten(value: unknown, path: string, out: string[]): void {
  if (Array.isArray(value)) {
    if (value.length === 0) out.push(`${path}: []`);
    value.forEach((v, i) => flatten(v, `${path}[${i}]`, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flatten(v, path ? `${path}.${k}` : k, out);
  } else {
    const text = String(value);
    out.push(`${path}: ${text.split('\n').join('\n  ')}`);
  }
}

/** The text of `content`: the SEO fields, then each section headed by its number, type and anchor. */
export function contentText(content: PageContent): string {
  const out: string[] = [];
  flatten(content.seo, 'seo', out);
  content.sections.forEach((s, i) => {
    out.push('', `# section ${i + 1}: ${s.type} (${s.anchor})`);
    const { type: _type, anchor: _anchor, ...rest } = s;
    flatten(rest, `sections[${i + 1}]`, out);
  });
  return `${out.join('\n')}\n`;
}

/** The unified diff from `a` to `b` (texts of contentText), labelled with their names; '' when they are the same. */
export function contentDiff(aName: string, a: PageContent, bName: string, b: PageContent): string {
  const ta = contentText(a);
  const tb = contentText(b);
  if (ta === tb) return '';
  // Without the `====` rule the package puts above the file names.
  return createTwoFilesPatch(aName, bName, ta, tb, undefined, undefined, { context: 2 }).replace(/^=+\n/, '');
}
