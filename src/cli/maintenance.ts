/**
 * `npm run maintenance -- on [--message TEXT]`, `npm run maintenance -- off`, `npm run maintenance -- status`:
 * turn maintenance mode on or off for every instance (the switch is in the database; each instance sees it within
 * MAINTENANCE_CACHE_SECONDS). While it is on, visitors, partners and customers get a 503 page with the message;
 * the license API, the login page and /admin for staff keep working. Exit codes: 0 done, 1 bad arguments.
 */
import { parseArgs } from 'node:util';
import { SYSTEM_ACTOR } from '../audit/index.js';
import { systemClock } from '../platform/clock.js';
import { MAINTENANCE_MESSAGE_MAX, MaintenanceService, type MaintenanceState } from '../ops/index.js';
import { openCli } from './context.js';

const USAGE = 'npm run maintenance -- on|off|status [--message TEXT]';

function args(): { action: 'on' | 'off' | 'status'; message: string | undefined } {
  try {
    const { values, positionals } = parseArgs({ args: process.argv.slice(2), options: { message: { type: 'string' } }, allowPositionals: true, strict: true });
    const [action, ...rest] = positionals;
    if ((action !== 'on' && action !== 'off' && action !== 'status') || rest.length) throw new Error('on, off or status, once');
    if (values.message !== undefined && action !== 'on') throw new Error('--message goes with on');
    if ((values.message?.length ?? 0) > MAINTENANCE_MESSAGE_MAX) throw new Error(`--message: at most ${MAINTENANCE_MESSAGE_MAX} characters`);
    return { action, message: values.message };
  } catch (err) {
    console.error(`${(err as Error).message}\nUsage: ${USAGE}`);
    process.exit(1);
  }
}

function describe(state: MaintenanceState): string {
  if (!state.enabled) return 'Maintenance mode is off.';
  return `Maintenance mode is on${state.message ? ` (message: ${state.message})` : ''}; every instance shows it within seconds.`;
}

const { action, message } = args();
const cli = await openCli();
try {
  const maintenance = new MaintenanceService({ db: cli.db, clock: systemClock, audit: cli.audit, logger: cli.logger, cacheSeconds: 0 });
  const state = action === 'status' ? await maintenance.state() : await maintenance.set(action === 'on', message ?? null, SYSTEM_ACTOR);
  console.log(describe(state));
} catch (err) {
  console.error(`Maintenance: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await cli.close();
}
