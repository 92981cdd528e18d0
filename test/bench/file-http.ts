/**
 * Benchmark reference server: bare node:http answering every request with
 * the whole file $BENCH_FILE through `fs.createReadStream(...).pipe(res)`
 * (Content-Length set, default stream options). Listens on 127.0.0.1:$PORT.
 * Started by test/bench/run.ts as a child process; not part of the
 * application.
 */
import fs from 'node:fs';
import http from 'node:http';

const port = Number(process.env.PORT);
const file = process.env.BENCH_FILE;
if (!file) throw new Error('BENCH_FILE is not set');
const size = fs.statSync(file).size;

http
  .createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': size });
    const stream = fs.createReadStream(file);
    stream.on('error', () => res.destroy());
    res.on('close', () => stream.destroy());
    stream.pipe(res);
  })
  .listen(port, '127.0.0.1');
