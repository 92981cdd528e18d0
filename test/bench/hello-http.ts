/**
 * Benchmark reference server: bare node:http answering every request with a
 * 5-byte "hello" (text/plain). Listens on 127.0.0.1:$PORT. Started by
 * test/bench/run.ts as a child process; not part of the application.
 */
import http from 'node:http';

const port = Number(process.env.PORT);
const body = Buffer.from('hello');

http
  .createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
    res.end(body);
  })
  .listen(port, '127.0.0.1');
