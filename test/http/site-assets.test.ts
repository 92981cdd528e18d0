/** What browsers and robots ask for at the root, and the home page's illustrations. */
import { expect } from 'chai';
import request from 'supertest';
import { parseInstallationCode } from '../../src/crypto/index.js';
import { createAccount, loginAgent } from '../helpers/accounts.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { credit, prepare } from '../helpers/recharge.js';

/** Buffer a binary answer (supertest leaves unknown types unparsed). */
function bytes(res: request.Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

describe('root files and illustrations', () => {
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext(); });
  after(async () => { await ctx.close(); });

  it('GET /favicon.ico answers an icon (ICO with 16, 32 and 48 px images), not a 404', async () => {
    const res = await request(ctx.app).get('/favicon.ico').buffer(true).parse(bytes).expect(200);
    expect(res.headers['content-type']).to.match(/^image\/(x-icon|vnd\.microsoft\.icon)/);
    const ico = res.body as Buffer;
    expect(ico.readUInt16LE(0)).to.equal(0);
    expect(ico.readUInt16LE(2), 'type 1: icon').to.equal(1);
    const sizes = Array.from({ length: ico.readUInt16LE(4) }, (_, i) => ico.readUInt8(6 + 16 * i));
    expect(sizes).to.deep.equal([16, 32, 48]);
  });

  it('GET /robots.txt lets robots read the public site but not the partner area, the admin, the API or the package files', async () => {
    const res = await request(ctx.app).get('/robots.txt').expect(200).expect('Content-Type', /text\/plain/);
    const rules = res.text.split('\n').filter((l) => /^(Allow|Disallow):/.test(l));
    expect(rules).to.include.members(['Allow: /', 'Disallow: /admin', 'Disallow: /subscription/', 'Disallow: /api/', 'Disallow: /download/files/']);
    expect(rules, 'the partner program page stays public').not.to.include('Disallow: /subscription');
  });

  /** Recharge `code` through the partner pages and download its key file: the file name from Content-Disposition. */
  const names = new Map<string, string>();
  async function keyFileName(code: string): Promise<string> {
    if (names.has(code)) return names.get(code)!;
    const email = `shot${names.size}@example.fr`;
    await credit(ctx, await createAccount(ctx, email), 10);
    const agent = await loginAgent(ctx, email);
    const p = await prepare(agent, { installation_code: code, units: '1' });
    const done = await agent.post('/subscription/recharge/confirm').type('form').send(p.confirm).expect(303);
    const file = await agent.get(`${String(done.headers.location)}/key.bin`).buffer(true).parse(bytes).expect(200);
    const name = /filename="?([^";]+)"?/.exec(String(file.headers['content-disposition']))?.[1];
    expect(name, String(file.headers['content-disposition'])).to.be.a('string');
    names.set(code, name!);
    return name!;
  }

  for (const lang of ['fr', 'en']) {
    it(`shows on the home page (${lang}) a real 55-character Installation Code and the key-file name the portal gives it`, async () => {
      const home = await request(ctx.app).get('/').set('Accept-Language', lang).expect(200);
      const shot = /src="(\/img\/screenshot-recharge[^"]*\.svg)"/.exec(home.text)?.[1];
      expect(shot).to.be.a('string');
      const svg = (await request(ctx.app).get(shot!).buffer(true).parse(bytes).expect(200)).body.toString();
      const codeText = /<text[^>]*class="installation-code"[^>]*>([\s\S]*?)<\/text>/.exec(svg)?.[1] ?? '';
      const shown = codeText.replace(/<[^>]+>/g, '-').replace(/^-+|-+$/g, '').replace(/-+/g, '-');
      expect(shown).to.match(/^([A-Z2-7]{5}-){10}[A-Z2-7]{5}$/);
      const { code } = parseInstallationCode(shown); // throws on a wrong length, character or checksum
      expect(code).to.have.length(55);
      // The name the portal gives a key file for this code, serial aside.
      const named = (await keyFileName(shown)).replace(/-\d+\.bin$/, '');
      expect(svg).to.match(new RegExp(`>${named}-\\d+\\.bin<`));
    });
  }
});
