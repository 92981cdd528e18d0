/**
 * The rich text of page sections: a small Markdown subset rendered on the
 * server by markdown-it (the `zero` preset with only paragraphs, line breaks,
 * emphasis, links, lists, inline code and code blocks; raw HTML off), then
 * sanitised by sanitize-html with an allow-list of the tags that subset
 * produces, so nothing else (a script, an event handler, a `javascript:`
 * link) can reach the page whatever markdown-it does.
 */
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

const md = new MarkdownIt('zero', { html: false, linkify: false, typographer: false, breaks: false })
  .enable(['paragraph', 'newline', 'emphasis', 'link', 'list', 'backticks', 'fence', 'code', 'escape', 'text_join']);

// Code blocks look like the site's other command lines (`<pre class="code">`).
md.renderer.rules.fence = (tokens, idx) => `<pre class="code"><code>${md.utils.escapeHtml(tokens[idx]!.content.replace(/\n$/, ''))}</code></pre>\n`;
md.renderer.rules.code_block = md.renderer.rules.fence;

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'em', 'strong', 'a', 'ul', 'ol', 'li', 'code', 'pre'],
  allowedAttributes: { a: ['href'], pre: ['class'], ol: ['start'] },
  allowedClasses: { pre: ['code'] },
  allowedSchemes: ['https', 'mailto'],
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'escape',
};

/** The HTML of `text` (the Markdown subset above), sanitised; '' for blank text. */
export function renderMarkdown(text: string): string {
  if (!text.trim()) return '';
  return sanitizeHtml(md.render(text), SANITIZE).trim();
}

/**
 * `text` written so that renderMarkdown shows it as it is (a plain text
 * turned into rich text: the shipped defaults): the characters the subset
 * reads as markup are escaped with a backslash.
 */
export function escapeMarkdown(text: string): string {
  // `_` inside a word (artisan_nd) is never emphasis: left as typed.
  return text.replace(/[\\`*[\]<>]|(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu, (c) => `\\${c}`).replace(/^(\s*)([-+]|\d+)([.)]?)(\s|$)/gm,
    (m, a: string, b: string, p: string, c: string) => (/\d/.test(b) ? (p ? `${a}${b}\\${p}${c}` : m) : `${a}\\${b}${p}${c}`));
}
