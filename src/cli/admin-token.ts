/**
 * `npm run admin:token -- --email <address> [--label <text>]`: print a new
 * API bearer token for an admin or superadmin (shown once, stored as its
 * SHA-256). Exit codes: 0 printed, 1 refused (unknown, inactive or non-admin account).
 */
import { SYSTEM_ACTOR } from '../audit/index.js';
import { cliOptions, openCli } from './context.js';

const USAGE = 'npm run admin:token -- --email <address> [--label <text>]';
const { email, label } = cliOptions(['email', 'label'], USAGE);
if (!email) {
  console.error(`Usage: ${USAGE}`);
  process.exit(1);
}
const cli = await openCli();
try {
  const account = await cli.accounts.byEmail(email);
  if (!account || account.state !== 'active') throw new Error(`no active account uses ${email}`);
  const token = await cli.accounts.createApiToken(account, (label ?? 'cli').slice(0, 120), SYSTEM_ACTOR);
  console.log(token);
} catch (err) {
  console.error(`No token: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await cli.close();
}
