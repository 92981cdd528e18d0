/**
 * Benchmark reference server: a bare Express 5 application with a single
 * `GET /` route answering "hello" (default Express settings, no middleware).
 * Listens on 127.0.0.1:$PORT. Started by test/bench/run.ts as a child
 * process; not part of the application.
 */
import express from 'express';

const port = Number(process.env.PORT);
const app = express();

app.get('/', (_req, res) => {
  res.send('hello');
});

app.listen(port, '127.0.0.1');
