/**
 * The server's time limits (src/http/http-server.ts), on a real server on
 * port 0 with shortened limits: a client that trickles its headers or a
 * form or JSON body is cut, an upload is not (it has its own, longer limit).
 */
import net from 'node:net';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createHttpServer } from '../../src/http/http-server.js';
import { createTestContext, type TestContext } from '../helpers/context.js';

const LIMITS = { headersTimeoutMs: 400, bodyTimeoutMs: 400, uploadTimeoutMs: 60_000, checkIntervalMs: 100 };

/** A raw connection that sends `head` and then nothing; resolves when the server closes it, with what it answered and how long it took. */
function slowClient(port: number, head: string): { socket: net.Socket; closed: Promise<{ ms: number; answer: string }> } {
  const socket = net.connect(port, '127.0.0.1');
  const start = Date.now();
  let answer = '';
  socket.on('data', (c: Buffer) => { answer += c.toString('latin1'); });
  socket.on('error', () => { /* a reset is a close too */ });
  socket.write(head);
  const closed = new Promise<{ ms: number; answer: string }>((resolve) => socket.once('close', () => resolve({ ms: Date.now() - start, answer })));
  return { socket, closed };
}

describe('server time limits', function () {
  this.timeout(30000);
  let ctx: TestContext;
  let server: Server;
  let port: number;
  before(async () => {
    ctx = await createTestContext();
    server = createHttpServer(ctx.app, LIMITS).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await ctx.close();
  });

  it('cuts a client that does not finish its headers', async () => {
    const { closed } = slowClient(port, 'GET / HTTP/1.1\r\nHost: portal.test\r\nX-Slow: ');
    const { ms, answer } = await closed;
    expect(ms).to.be.below(5000);
    expect(answer).to.match(/^HTTP\/1\.1 408 /);
  });

  it('cuts a form body and a JSON body that trickle in past the body limit', async () => {
    const form = slowClient(
      port,
      'POST /contact HTTP/1.1\r\nHost: portal.test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\nname=a',
    );
    const json = slowClient(
      port,
      'POST /api/v1/licenses/validate HTTP/1.1\r\nHost: portal.test\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"machine_id":',
    );
    for (const { ms } of await Promise.all([form.closed, json.closed])) {
      expect(ms).to.be.at.least(LIMITS.bodyTimeoutMs - 50);
      expect(ms).to.be.below(5000);
    }
  });

  it('lets an upload take longer than the body limit', async () => {
    const upload = slowClient(
      port,
      'POST /admin/releases HTTP/1.1\r\nHost: portal.test\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\n\r\n--x\r\n',
    );
    let uploadClosed = false;
    void upload.closed.then(() => { uploadClosed = true; });
    // A slow form sent after it is cut first: by then the upload has waited longer than the body limit.
    const form = slowClient(
      port,
      'POST /contact HTTP/1.1\r\nHost: portal.test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\nname=a',
    );
    await form.closed;
    expect(uploadClosed).to.equal(false);
    upload.socket.destroy();
    await upload.closed;
  });
});
