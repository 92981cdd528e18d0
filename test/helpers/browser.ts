/**
 * Browser tests: the app served on a free port and Debian's chromium driven
 * by playwright-core (--headless --no-sandbox --disable-gpu
 * --disable-background-networking). Skipped when chromium is missing outside
 * CI; CI installs it (.ci/run) and must run it.
 */
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { createTestContext, REPO_ROOT, type ContextOptions, type TestContext } from './context.js';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
export const SCREENSHOTS = path.join(REPO_ROOT, 'test', 'e2e', 'screenshots');

export interface BrowserRig {
  ctx: TestContext;
  browser: Browser;
  /** `http://127.0.0.1:<port>` */
  base: string;
  close(): Promise<void>;
}

/** For a `before` hook: a test context listening on a free port and a launched chromium (or `this.skip()`). */
export async function startBrowserRig(test: Mocha.Context, opts: ContextOptions = {}): Promise<BrowserRig> {
  if (!CHROMIUM) {
    if (process.env.CI) throw new Error('chromium is required in CI (.ci/run installs it)');
    test.skip();
  }
  const ctx = await createTestContext(opts);
  const server: Server = createServer(ctx.app).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    ctx, browser, base,
    close: async () => {
      await browser.close();
      await new Promise((r) => server.close(r));
      await ctx.close();
    },
  };
}
