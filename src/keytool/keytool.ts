/**
 * keytool: the reference client that plays the artisan_nd desktop program's
 * part in a recharge (subscription/keyfile-v1.md): it holds an installation
 * key, shows the Installation Code, trusts the portal's issuer keys and
 * applies recharge key files to a local quota. See subscription/README.md.
 *
 *   npm run keytool -- <init|code|trust|apply|fetch|status> [argument] [--home <dir>]
 *
 * Relative paths are taken from the folder npm was started in (INIT_CWD),
 * else the current folder. Exit codes: 0 ok, 1 refused or error, 2 usage.
 */
import { run } from './cli.js';

const io = {
  out: (line: string) => process.stdout.write(`${line}\n`),
  err: (line: string) => process.stderr.write(`${line}\n`),
  now: () => new Date(),
  fetch: globalThis.fetch,
};

process.exitCode = await run(process.argv.slice(2), io, process.env.INIT_CWD ?? process.cwd());
