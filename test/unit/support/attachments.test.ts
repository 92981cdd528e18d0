/** Attachment checks of support messages: the type read from the first bytes, the name taken as it is or refused. */
import { expect } from 'chai';
import { checkFile, detectType, isPlainName } from '../../../src/support/attachments.js';

describe('support attachments', () => {
  describe('detectType', () => {
    it('reads PNG, JPEG, GIF, WebP and PDF from their signatures', () => {
      expect(detectType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).to.equal('image/png');
      expect(detectType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).to.equal('image/jpeg');
      expect(detectType(Buffer.from('GIF89a...'))).to.equal('image/gif');
      expect(detectType(Buffer.from('GIF87a...'))).to.equal('image/gif');
      expect(detectType(Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1'))).to.equal('image/webp');
      expect(detectType(Buffer.from('%PDF-1.4\n'))).to.equal('application/pdf');
    });

    it('refuses what only looks close: a WAVE in RIFF, a cut PNG signature, HTML, SVG, an empty file', () => {
      expect(detectType(Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt ', 'latin1'))).to.equal(null);
      expect(detectType(Buffer.from([0x89, 0x50, 0x4e, 0x47]))).to.equal(null);
      expect(detectType(Buffer.from('<html><body>%PDF-</body></html>'))).to.equal(null);
      expect(detectType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'))).to.equal(null);
      expect(detectType(Buffer.alloc(0))).to.equal(null);
    });
  });

  describe('isPlainName', () => {
    it('takes ordinary names, accents and spaces included', () => {
      for (const n of ['capture.png', 'Facture n° 12 (copie).pdf', 'écran.jpeg', 'a.b.c.gif']) expect(isPlainName(n), n).to.equal(true);
    });

    it('refuses folders, parents, control, bidi and reserved characters, empty and long names', () => {
      for (const n of ['../x.png', 'a/b.png', 'C:\\x.png', '..', '.', '', ' x.png', 'x\u0000.png', 'x\n.png', 'a\u202egnp.exe', 'x|y.pdf', 'x'.repeat(201)]) {
        expect(isPlainName(n), JSON.stringify(n)).to.equal(false);
      }
    });
  });

  it('checkFile gives the detected type, never the name\'s', () => {
    const checked = checkFile({ originalname: 'photo.pdf', buffer: Buffer.from('GIF89a...') });
    expect(checked).to.deep.include({ name: 'photo.pdf', mime: 'image/gif' });
    expect(checkFile({ originalname: 'vide.png', buffer: Buffer.alloc(0) })).to.equal('support:errors.attachment_empty');
  });
});
