/**
 * `npm run admin:create -- --email <address>`: create the first superadmin.
 * The password is read from standard input: prompted twice (not echoed) on
 * a terminal, else the first line of the input (for scripts:
 * `printf '%s\n' "$PW" | npm run admin:create -- --email a@b.c`).
 * Exit codes: 0 created, 1 refused (bad address or password, address taken).
 * On success it prints where to log in: BASE_URL's login page, or
 * http://localhost:PORT/subscription/login when BASE_URL is not set (HOST
 * is the listening address, often 0.0.0.0, which a browser cannot open).
 */
import { passwordProblem } from '../accounts/index.js';
import { SYSTEM_ACTOR } from '../audit/index.js';
import type { Config } from '../config/index.js';
import { createI18n } from '../http/i18n.js';
import { emailField } from '../http/text-fields.js';
import { cliOptions, openCli } from './context.js';
import { readHidden } from './prompt.js';

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const first = await readHidden('Password (12 to 128 characters): ');
    const again = await readHidden('Password again: ');
    if (first !== again) throw new Error('the two passwords differ');
    return first;
  }
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  return input.split(/\r?\n/)[0] ?? '';
}

/** The login page's address: from BASE_URL, else on localhost at PORT (the config derives baseUrl from HOST:PORT then). */
function loginUrl(config: Pick<Config, 'baseUrl' | 'host' | 'port'>): string {
  const derived = config.baseUrl === `http://${config.host}:${config.port}`;
  return `${derived ? `http://localhost:${config.port}` : config.baseUrl}/subscription/login`;
}

const USAGE = 'npm run admin:create -- --email <address>   (password on standard input)';
const { email } = cliOptions(['email'], USAGE);
const parsedEmail = emailField({ required: 'missing', invalid: 'invalid' }).safeParse(email ?? '');
if (!parsedEmail.success) {
  console.error(`Usage: ${USAGE}`);
  process.exit(1);
}
const t = createI18n('en', false).t.en;
try {
  const password = await readPassword();
  const problem = passwordProblem(password);
  if (problem) throw new Error(t(problem));
  const cli = await openCli();
  try {
    const account = await cli.accounts.createStaff(parsedEmail.data, password, 'superadmin', SYSTEM_ACTOR);
    console.log(`Created superadmin #${account.id} <${account.email}>.\nLog in at ${loginUrl(cli.config)}`);
  } finally {
    await cli.close();
  }
} catch (err) {
  console.error(`Not created: ${(err as Error).message}`);
  process.exitCode = 1;
}
