/**
 * keytool's command line: `keytool <command> [argument] [--home <dir>]`.
 * Exit codes: 0 ok, 1 refused or error, 2 usage.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cmdApply, cmdCode, cmdFetch, cmdInit, cmdStatus, cmdTrust, type KeytoolIo } from './commands.js';
import { KeytoolError } from './state.js';

export const DEFAULT_HOME = '.artisan-nd-keytool';

export const USAGE = `usage: keytool <command> [argument] [--home <dir>]   (default home: ./${DEFAULT_HOME})

  init                create this installation's key pair; prints the Installation Code
  code                print the Installation Code (give it to the partner)
  trust <base-url>    fetch and store the portal's issuer keys (/.well-known/artisan-nd/keys.json)
  apply <file.bin>    verify a recharge key file and add its units to the quota
  fetch <base-url>    refresh the keys, download this installation's key files and apply the new ones
  status              print the code, the quota, the applied serials and the trusted keys

exit codes: 0 ok, 1 refused or error, 2 usage`;

type Command = (home: string, arg: string, io: KeytoolIo) => Promise<number>;

/** Each command with the name of its one argument, or null when it takes none. */
const COMMANDS: Record<string, { arg: string | null; run: Command }> = {
  init: { arg: null, run: (home, _arg, io) => cmdInit(home, io) },
  code: { arg: null, run: (home, _arg, io) => cmdCode(home, io) },
  status: { arg: null, run: (home, _arg, io) => cmdStatus(home, io) },
  trust: { arg: '<base-url>', run: cmdTrust },
  apply: { arg: '<file.bin>', run: cmdApply },
  fetch: { arg: '<base-url>', run: cmdFetch },
};

/** node:util parseArgs, strict. @throws KeytoolError (exit 2) for an unknown option or a missing value. */
function parseRaw(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: { home: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new KeytoolError(`${(err as Error).message}\n${USAGE}`, 2);
  }
}

/** The command line parsed: the command, its argument, the home (absolute). @throws KeytoolError (exit 2). */
function parse(argv: string[], cwd: string): { name: string; arg: string; home: string } | 'help' {
  const parsed = parseRaw(argv);
  const [name, ...rest] = parsed.positionals;
  if (parsed.values.help || name === 'help') return 'help';
  const spec = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!name || !spec) throw new KeytoolError(`${name ? `unknown command: ${name}\n` : ''}${USAGE}`, 2);
  if (rest.length !== (spec.arg ? 1 : 0)) throw new KeytoolError(`usage: keytool ${name}${spec.arg ? ` ${spec.arg}` : ''} [--home <dir>]`, 2);
  if (parsed.values.home === '') throw new KeytoolError('--home needs a folder', 2);
  const arg = rest[0] === undefined ? '' : rest[0];
  return { name, arg: name === 'apply' ? path.resolve(cwd, arg) : arg, home: path.resolve(cwd, parsed.values.home ?? DEFAULT_HOME) };
}

/**
 * Run one keytool command line (`argv` without node and the script).
 * Relative paths (--home, the .bin) are taken from `cwd`.
 * @returns the exit code; every error is printed through `io.err`, never thrown.
 */
export async function run(argv: string[], io: KeytoolIo, cwd: string): Promise<number> {
  try {
    const parsed = parse(argv, cwd);
    if (parsed === 'help') {
      io.out(USAGE);
      return 0;
    }
    return await COMMANDS[parsed.name]!.run(parsed.home, parsed.arg, io);
  } catch (err) {
    if (err instanceof KeytoolError) {
      io.err(err.message);
      return err.exitCode;
    }
    io.err(`error: ${(err as Error).message}`);
    return 1;
  }
}
