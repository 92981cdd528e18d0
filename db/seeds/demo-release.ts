/**
 * Seed: register the demo package shipped in the repository
 * (files/downloads/artisan-nd_0.1.0_all.deb, built by `npm run deb:demo`)
 * as the published latest release of artisan_nd, so a fresh start offers a
 * download. Idempotent: does nothing once any artisan_nd release exists or
 * when the file is absent.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { ReleasesRepository, type Release } from '../../src/downloads/index.js';

export const DEMO_FILENAME = 'artisan-nd_0.1.0_all.deb';

/** SHA-256 of a file, as 64 lower-case hex characters (streamed). */
export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function seedDemoRelease(db: Knex, downloadsDir: string, now: Date): Promise<Release | null> {
  const repo = new ReleasesRepository(db);
  const existing = await db('releases').where({ product: 'artisan_nd' }).first('id');
  if (existing) return null;
  const file = path.join(downloadsDir, DEMO_FILENAME);
  const stat = await fs.promises.stat(file).catch(() => null);
  if (!stat) return null;
  return repo.insert({
    product: 'artisan_nd',
    version: '0.1.0',
    filename: DEMO_FILENAME,
    sizeBytes: stat.size,
    sha256: await sha256File(file),
    changelog: 'Première version de démonstration : numérotation automatique des carnets de factures.\nFirst demo release: automatic numbering of invoice books.',
    publishedAt: now,
    isLatest: true,
  }, now);
}
