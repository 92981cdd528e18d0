/**
 * `npm run keys:rotate`: create a new active issuer key in
 * subscription/keys/ and retire the old one (it still verifies), with its
 * audit row in the same transaction. Running instances on this host re-read
 * the keys within 30 s (IssuerKeys.refreshIfStale); instances on other hosts
 * need the key file copied and a restart. Exit codes: 0 done, 1 refused.
 */
import { SYSTEM_ACTOR } from '../audit/index.js';
import { IssuerKeys, IssuerKeysService } from '../keys/index.js';
import { systemClock } from '../platform/clock.js';
import { openCli } from './context.js';

const cli = await openCli();
try {
  const keys = new IssuerKeys(cli.db, systemClock, cli.config.paths.keys, cli.config.issuerKeyFile);
  await keys.init();
  const { before, after } = await new IssuerKeysService({ db: cli.db, keys, audit: cli.audit }).rotate(SYSTEM_ACTOR);
  console.log(
    `New active issuer key ${after}; ${before} is retired (still verifies). Instances on this host pick it up within 30 s; ` +
      'on other hosts copy the key file into their subscription/keys/ and restart them.',
  );
} catch (err) {
  console.error(`Not rotated: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await cli.close();
}
