/**
 * Mocha root hooks:
 * - beforeAll: prepare the PostgreSQL schema once when the run targets PostgreSQL;
 * - afterAll: the OpenAPI conformance check — every JSON answer under /api
 *   recorded during the run (test/helpers/openapi.ts) must match a documented
 *   operation, status, body schema and required headers of
 *   src/api-docs/openapi.ts; the run fails listing every mismatch. Single-file
 *   runs check what they recorded. Set OPENAPI_COVERAGE=1 to print the
 *   documented (operation, status) pairs the run never exercised.
 */
import { PG_URL, resetPgSchema } from './db.js';
import { apiRecorder, conformanceReport, uncoveredOperations } from './openapi.js';

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(60000);
    if (PG_URL) await resetPgSchema();
  },
  afterAll(this: Mocha.Context): void {
    if (process.env.OPENAPI_COVERAGE) {
      // An opt-in report, written to stderr so that a machine-readable reporter's stdout stays clean.
      const missing = uncoveredOperations().map((m) => `  ${m}\n`).join('') || '  (none)\n';
      process.stderr.write(`OpenAPI coverage: ${apiRecorder.exchanges.length} answers recorded; never exercised:\n${missing}`);
    }
    const report = conformanceReport();
    if (report) throw new Error(report);
  },
};
