/**
 * `npm run billing:verify`: walk the hash chain of finalised invoices and
 * credit notes (chain_seq order), recompute every link and PDF hash, and
 * name the first broken link. Exit codes: 0 intact, 1 broken (or cannot run).
 */
import { createBilling } from '../billing/index.js';
import { systemClock } from '../platform/clock.js';
import { openCli } from './context.js';

const REASONS = {
  sequence: 'a document is missing before it in the chain (chain_seq gap)',
  prev_hash: "its prev_hash is not the previous document's hash",
  pdf: 'its stored PDF does not match its pdf_sha256',
  hash: 'its content (snapshot or lines) does not match its hash',
} as const;

const cli = await openCli();
try {
  const { invoices } = createBilling({ db: cli.db, clock: systemClock, audit: cli.audit, billing: cli.config.billing });
  const report = await invoices.verifyChain();
  if (report.ok) {
    console.log(`Chain intact: ${report.checked} documents checked.`);
  } else {
    console.error(`Chain broken at ${report.number ?? '(no number)'} (chain_seq ${report.chainSeq}): ${REASONS[report.reason]}. `
      + `${report.checked} documents before it are intact.`);
    process.exitCode = 1;
  }
} catch (err) {
  console.error(`Not verified: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await cli.close();
}
