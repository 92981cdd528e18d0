/**
 * `npm run partner:credit -- --email <e> --units <n> --reason <text>`:
 * credit a partner's balance (a ledger row and an audit row, one
 * transaction). Exit codes: 0 done, 1 refused.
 */
import { SYSTEM_ACTOR } from '../audit/index.js';
import { LedgerService } from '../recharge/index.js';
import { systemClock } from '../platform/clock.js';
import { cliOptions, openCli } from './context.js';

const USAGE = 'npm run partner:credit -- --email <address> --units <whole number >= 1> --reason <text>';
const opts = cliOptions(['email', 'units', 'reason'], USAGE);
const { email, reason } = opts;
const units = Number(opts.units);
if (!email || !Number.isInteger(units) || units < 1 || !reason?.trim()) {
  console.error(`Usage: ${USAGE}`);
  process.exit(1);
}
const cli = await openCli();
try {
  const account = await cli.accounts.byEmail(email);
  if (!account || account.role !== 'partner') throw new Error(`no partner account uses ${email}`);
  const balance = await new LedgerService(cli.db, systemClock, cli.audit).change(account.id, 'credit', units, reason, SYSTEM_ACTOR);
  console.log(`Credited ${units} units to ${account.email} (${account.publicRef}); balance now ${balance}.`);
} catch (err) {
  console.error(`Not credited: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await cli.close();
}
