/**
 * `npm run keys:rotate`: create a new active issuer key in
 * subscription/keys/ and retire the old one (it still verifies). Restart the
 * running instances so they sign with the new key. Exit codes: 0 done, 1 refused.
 */
import { IssuerKeys } from '../../keys/index.js';
import { systemClock } from '../clock.js';
import { openCli } from './context.js';

const cli = await openCli();
try {
  const keys = new IssuerKeys(cli.db, systemClock, cli.config.paths.keys, cli.config.issuerKeyFile);
  await keys.init();
  const before = keys.active.kid.toString('hex');
  const kid = await keys.rotate();
  await cli.audit.record({ id: null, email: null, ip: null, userAgent: 'cli' }, 'issuer_key.rotated', { type: 'issuer_key', id: kid }, `retired ${before}`);
  console.log(`New active issuer key ${kid}; ${before} is retired (still verifies). Restart the portal's instances.`);
} catch (err) {
  console.error(`Not rotated: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await cli.close();
}
