/**
 * Backup keys read with the others in ./index.ts: the archive form (BACKUP_FORMAT) and the age X25519 public key the
 * archive is encrypted to (BACKUP_RECIPIENT); and `backupIdentityFile`, the one key backup:verify reads (it reads no
 * other configuration, so it runs on a machine that holds only the archive and the identity).
 */
import path from 'node:path';
import { Encrypter } from 'age-encryption';

/** `tar.gz`: one gzip-compressed tar file (encrypted to `.tar.gz.age` with a recipient); `dir`: a folder of plain files. */
export const BACKUP_FORMATS = ['tar.gz', 'dir'] as const;
export type BackupFormat = (typeof BACKUP_FORMATS)[number];

/** An age X25519 recipient as `age-keygen` prints it: `age1` and 58 bech32 characters that decode (age's own parser). */
export function isAgeX25519Recipient(value: string): boolean {
  if (!/^age1[02-9ac-hj-np-z]{58}$/.test(value)) return false;
  try {
    new Encrypter().addRecipient(value);
    return true;
  } catch {
    return false;
  }
}

/** BACKUP_IDENTITY_FILE of `env`, resolved from `root` (the project root, as loadConfig resolves it); undefined when not set. */
export function backupIdentityFile(env: Record<string, string | undefined>, root: string): string | undefined {
  const file = env.BACKUP_IDENTITY_FILE?.trim();
  return file ? path.resolve(root, file) : undefined;
}
