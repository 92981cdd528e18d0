import { expect } from 'chai';
import { DownloadLinks } from '../../../src/downloads/index.js';

describe('DownloadLinks (signed, expiring download links)', () => {
  const links = new DownloadLinks('a-session-secret-of-some-length', 15);
  const now = new Date('2026-12-05T10:00:00Z');

  it('accepts its own link until its expiry and names the release and the account', () => {
    const token = links.sign(7, 42, now);
    expect(links.verify(token, new Date(now.getTime() + 15 * 60_000), '203.0.113.5'))
      .to.deep.equal({ ok: true, claims: { releaseId: 7, accountId: 42, expiresAt: now.getTime() / 1000 + 900, ip: null } });
    expect(links.verify(token, new Date(now.getTime() + 15 * 60_000 + 1000), '203.0.113.5')).to.deep.equal({ ok: false, reason: 'expired' });
  });

  it('refuses a link locked to another address, altered claims, another secret and garbage', () => {
    const locked = links.sign(7, 42, now, '198.51.100.1');
    expect(links.verify(locked, now, '198.51.100.1').ok).to.equal(true);
    expect(links.verify(locked, now, '198.51.100.2')).to.deep.equal({ ok: false, reason: 'other_ip' });
    const [payload, mac] = links.sign(7, 42, now).split('.') as [string, string];
    const forged = Buffer.from(Buffer.from(payload, 'base64url').toString().replace('|7|', '|8|')).toString('base64url');
    expect(links.verify(`${forged}.${mac}`, now, '')).to.deep.equal({ ok: false, reason: 'invalid' });
    expect(new DownloadLinks('another-secret-entirely', 15).verify(`${payload}.${mac}`, now, '')).to.deep.equal({ ok: false, reason: 'invalid' });
    for (const junk of ['', 'abc', `${payload}.`, `${payload}.${'A'.repeat(43)}`, '../../etc/passwd']) {
      expect(links.verify(junk, now, '').ok).to.equal(false);
    }
  });
});
