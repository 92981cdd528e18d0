import { expect } from 'chai';
import { sniffFileType } from '../../../src/platform/file-type.js';

describe('sniffFileType (first bytes, never the name)', () => {
  const bytes = (...parts: (number[] | string)[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

  it('recognises PNG, JPEG, GIF, WebP and PDF with their extension', () => {
    expect(sniffFileType(bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'IHDR'))).to.deep.equal({ mime: 'image/png', ext: 'png' });
    expect(sniffFileType(bytes([0xff, 0xd8, 0xff, 0xe0], 'JFIF'))).to.deep.equal({ mime: 'image/jpeg', ext: 'jpg' });
    expect(sniffFileType(bytes('GIF89a', [1, 0, 1, 0]))).to.deep.equal({ mime: 'image/gif', ext: 'gif' });
    expect(sniffFileType(bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 '))).to.deep.equal({ mime: 'image/webp', ext: 'webp' });
    expect(sniffFileType(bytes('%PDF-1.7\n'))).to.deep.equal({ mime: 'application/pdf', ext: 'pdf' });
  });

  it('refuses anything else, a cut signature and an SVG or HTML page dressed as an image', () => {
    for (const head of [bytes('<svg xmlns="http://www.w3.org/2000/svg">'), bytes('<!doctype html><script>'), bytes([0x89, 0x50, 0x4e, 0x47]),
      bytes('RIFF', [0, 0, 0, 0], 'WAVE'), bytes('MZ'), Buffer.alloc(0)]) {
      expect(sniffFileType(head), head.toString('latin1')).to.equal(null);
    }
  });
});
