import path from 'node:path';
import { expect } from 'chai';
import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { createErrorHandler, isApiPath, pathOfTarget } from '../../../src/http/error-handler.js';
import { ConflictError, RateLimitedError } from '../../../src/errors/index.js';
import { createI18n } from '../../../src/http/i18n.js';
import { REPO_ROOT } from '../../helpers/context.js';

function appThrowing(err: unknown): express.Express {
  const app = express();
  app.set('view engine', 'ejs');
  app.set('views', path.join(REPO_ROOT, 'views'));
  app.use(createI18n('fr', false).middleware);
  app.get('/{*rest}', () => { throw err; });
  app.use(createErrorHandler(pino({ level: 'silent' })));
  return app;
}

describe('http: error handler', () => {
  it('shows an unexpected error as a plain 500 page in the visitor language, without details', async () => {
    const app = appThrowing(new Error('secret stack detail'));
    const fr = await request(app).get('/page').expect(500);
    expect(fr.text).to.contain('Erreur du serveur').and.not.contain('secret stack detail');
    const en = await request(app).get('/page').set('Accept-Language', 'en').expect(500);
    expect(en.text).to.contain('Server error');
  });

  it('answers the documented JSON error under /api', async () => {
    const res = await request(appThrowing(new ConflictError('Trial exists', 'TRIAL_ALREADY_EXISTS', { days: 3 }))).get('/api/v1/x')
      .set('X-Request-Id', 'req-12345678')
      .expect(409);
    expect(res.body).to.include({ success: false, error: 'TRIAL_ALREADY_EXISTS', message: 'Trial exists', request_id: '' });
    expect(res.body.details).to.deep.equal({ days: 3 });
    expect(Date.parse(res.body.timestamp)).to.be.a('number').and.not.NaN;
  });

  it('hides unexpected errors under /api as SERVER_ERROR', async () => {
    const res = await request(appThrowing(new TypeError('x is undefined'))).get('/api/v1/x').expect(500);
    expect(res.body).to.include({ success: false, error: 'SERVER_ERROR', message: 'Internal server error' });
  });

  it('sets Retry-After and retry_after for rate limits', async () => {
    const res = await request(appThrowing(new RateLimitedError(42))).get('/api/v1/x').expect(429);
    expect(res.headers['retry-after']).to.equal('42');
    expect(res.body).to.include({ error: 'RATE_LIMIT_EXCEEDED', retry_after: 42 });
  });
});

describe('http: pathOfTarget and isApiPath', () => {
  it('take the path as Express routes it: no query or fragment, the absolute form without scheme and host, dot segments kept', () => {
    expect(pathOfTarget('/api/v1/licenses/validate?x=1#y')).to.equal('/api/v1/licenses/validate');
    expect(pathOfTarget('/a#b?c')).to.equal('/a');
    expect(pathOfTarget('http://portal.example:8080/api/v1/x?y')).to.equal('/api/v1/x');
    expect(pathOfTarget('HTTPS://portal.example')).to.equal('/');
    expect(pathOfTarget('http://h/a/../b')).to.equal('/a/../b');
    expect(isApiPath('http://h/API/v1/x')).to.equal(true);
    expect(isApiPath('/apis')).to.equal(false);
    expect(isApiPath('/download?next=/api/')).to.equal(false);
  });
});
