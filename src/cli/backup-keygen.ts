/**
 * `npm run backup:keygen [-- --out FILE]`: a new age X25519 key pair for
 * encrypting backups, as `age-keygen` makes one. The identity (the
 * AGE-SECRET-KEY-1… line, with the public key in a comment) goes to FILE
 * (created with mode 0600, never overwritten) or to standard output; the
 * public key (age1…), to put in BACKUP_RECIPIENT on the server, is printed on
 * standard error. Run it on the machine that will keep the identity, not on
 * the server. Exit codes: 0 made, 1 not.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { cliOptions } from './context.js';

const { out } = cliOptions(['out'], 'npm run backup:keygen [-- --out FILE]');
const identity = await generateX25519Identity();
const recipient = await identityToRecipient(identity);
const text = `# created: ${new Date().toISOString()}\n# public key: ${recipient}\n${identity}\n`;
try {
  if (out) fs.writeFileSync(path.resolve(out), text, { mode: 0o600, flag: 'wx' });
  else process.stdout.write(text);
  console.error(`Public key: ${recipient}\nOn the server, set BACKUP_RECIPIENT=${recipient}\n`
    + `Keep the identity${out ? ` (${path.resolve(out)})` : ' (the AGE-SECRET-KEY-1… line above)'} off the server, in two safe places: `
    + 'without it no encrypted backup can be restored.');
} catch (err) {
  console.error(`No key written: ${(err as NodeJS.ErrnoException).code === 'EEXIST' ? `${out} already exists` : (err as Error).message}`);
  process.exitCode = 1;
}
