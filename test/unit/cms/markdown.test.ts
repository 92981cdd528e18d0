/**
 * The rich text of page sections and the SVG uploads: what reaches the page
 * is only the allowed markup (src/cms/markdown.ts, src/cms/images.ts), and a
 * plain text turned into rich text (the shipped defaults) reads as typed.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { escapeMarkdown, renderMarkdown, sanitizeSvg } from '../../../src/cms/index.js';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

describe('cms rich text', () => {
  it('renders the subset (emphasis, links, lists, code) and nothing else', () => {
    const html = renderMarkdown('Un *mot* et **gras**, [lien](https://artisan-nd.fr) et [site](/download)\n\n- a\n- b\n\n```\nsudo apt install ./x.deb\n```');
    expect(html).to.equal('<p>Un <em>mot</em> et <strong>gras</strong>, <a href="https://artisan-nd.fr">lien</a> et <a href="/download">site</a></p>\n'
      + '<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<pre class="code"><code>sudo apt install ./x.deb</code></pre>');
  });

  it('never lets a tag, an event handler or a javascript: link through', () => {
    for (const hostile of ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '[x](javascript:alert(1))', '[x](data:text/html,<b>)',
      '<a href="javascript:alert(1)">x</a>', '# <iframe src=//evil>', '![i](https://evil/x.png)']) {
      const html = renderMarkdown(hostile);
      expect(html, hostile).not.to.match(/<(script|img|iframe|a href="(javascript|data))/i);
    }
  });

  it('shows any plain text exactly as typed once escaped (the shipped defaults)', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', 'é', ' ', '_', '*', '`', '[', ']', '(', ')', '<', '>', '\\', '-', '1', '.', '#', '!', '&') }),
      (text) => {
        const t = text.trim();
        fc.pre(t.length > 0);
        const html = renderMarkdown(escapeMarkdown(t));
        expect(html).to.equal(`<p>${escapeHtml(t).replace(/"/g, '&quot;')}</p>`);
      }), { numRuns: 300 });
  });
});

describe('cms SVG uploads', () => {
  it('keeps the drawing and drops scripts, handlers, foreign objects and outside references', () => {
    const svg = sanitizeSvg('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4" onload="alert(1)"><script>alert(1)</script>'
      + '<foreignObject><div>x</div></foreignObject><style>@import url(https://evil/x.css)</style><rect width="4" height="4" fill="url(https://evil/p)"/>'
      + '<use href="https://evil/x.svg#a"/><use href="#r"/><a href="javascript:alert(1)"><circle r="1"/></a></svg>')!;
    expect(svg).to.include('viewBox="0 0 4 4"').and.include('<rect width="4" height="4">').and.include('<use href="#r">');
    expect(svg).not.to.match(/script|onload|foreignObject|style|evil|javascript/i);
  });

  it('refuses what is not an SVG document', () => {
    expect(sanitizeSvg('<html><body>no</body></html>')).to.equal(null);
    expect(sanitizeSvg('plain text')).to.equal(null);
  });
});
