/**
 * `npm run package:create -- --client SLUG --plan PLAN --email EMAIL [--product CODE]`: a new client package
 * (src/packages): a new API key `sk_<plan>_…` (only its SHA-256 is stored) and the zip
 * files/packages/<id>/<product>-client-<slug>.zip holding the product's current release, `.env`, `API_KEY.txt`,
 * README.md and SHA256SUMS. The product defaults to artisan_nd. Prints the zip's path and the key (shown once),
 * one per line. Audit row `client_package.created` (actor: the command line). Exit codes: 0 written, 1 refused
 * (the reasons on stderr).
 */
import path from 'node:path';
import { SYSTEM_ACTOR } from '../audit/index.js';
import { DownloadsService } from '../downloads/index.js';
import { ValidationError } from '../errors/index.js';
import { ProductsService } from '../licenses/index.js';
import { buildPackagesService } from '../packages/index.js';
import { systemClock } from '../platform/clock.js';
import { cliOptions, openCli } from './context.js';

const USAGE = 'npm run package:create -- --client SLUG --plan PLAN --email EMAIL [--product CODE]';
const { client, plan, email, product } = cliOptions(['client', 'plan', 'email', 'product'], USAGE);
if (!client || !plan || !email) {
  console.error(`Usage: ${USAGE}`);
  process.exit(1);
}
const cli = await openCli();
try {
  const clock = systemClock;
  const downloads = new DownloadsService({ db: cli.db, config: cli.config, clock, logger: cli.logger });
  const packages = buildPackagesService({ db: cli.db, clock, audit: cli.audit, config: cli.config, logger: cli.logger, downloads,
    products: new ProductsService({ db: cli.db, clock, audit: cli.audit }) });
  const { pkg, key } = await packages.create({ client, plan, email, product: product ?? 'artisan_nd' }, SYSTEM_ACTOR);
  console.log(path.join(cli.config.packages.dir, String(pkg.id), pkg.zipName));
  console.log(key);
} catch (err) {
  if (err instanceof ValidationError) {
    for (const [field, key] of Object.entries(err.fields)) console.error(`${field}: ${cli.t.en(key)}`);
  } else {
    console.error(`No package: ${(err as Error).message}`);
  }
  process.exitCode = 1;
} finally {
  await cli.close();
}
