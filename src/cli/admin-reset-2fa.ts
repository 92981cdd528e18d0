/**
 * `npm run admin:reset-2fa -- --email <address>`: remove an account's
 * two-step login (its TOTP secret and recovery codes), with an audit row
 * `totp.reset`, for an owner who lost both phone and recovery codes. The
 * owner logs in with the password alone, then enrols again (staff must,
 * when STAFF_2FA_REQUIRED is on). Exit codes: 0 removed, 1 refused (no such
 * account, or two-step login was not on).
 */
import { SYSTEM_ACTOR } from '../audit/index.js';
import { emailField } from '../http/text-fields.js';
import { cliOptions, openCli } from './context.js';

const USAGE = 'npm run admin:reset-2fa -- --email <address>';
const { email } = cliOptions(['email'], USAGE);
const parsedEmail = emailField({ required: 'missing', invalid: 'invalid' }).safeParse(email ?? '');
if (!parsedEmail.success) {
  console.error(`Usage: ${USAGE}`);
  process.exit(1);
}
const cli = await openCli();
try {
  const account = await cli.accounts.byEmail(parsedEmail.data);
  if (!account) {
    console.error(`No account uses ${parsedEmail.data}.`);
    process.exitCode = 1;
  } else if (await cli.totp.reset(account, SYSTEM_ACTOR)) {
    console.log(`Two-step login removed for #${account.id} <${account.email}>: the password alone logs in until it is enabled again.`);
  } else {
    console.error(`Two-step login was not on for #${account.id} <${account.email}>: nothing removed.`);
    process.exitCode = 1;
  }
} finally {
  await cli.close();
}
