/**
 * Browser tests: the app served on a free port and Debian's chromium driven
 * by playwright-core (--headless --no-sandbox --disable-gpu --disable-quic
 * --no-first-run --disable-background-networking --disable-component-update
 * --disable-sync). Skipped when chromium is missing outside CI; CI installs it
 * (.ci/run) and must run it.
 *
 * Also: `shoot` (full-page screenshots at a phone's and a laptop's width into
 * test/e2e/screenshots/, git-ignored) and `axeViolations` (axe-core run in the
 * page, WCAG 2.x A/AA rules and best practices).
 */
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PASSWORD } from './accounts.js';
import { createTestContext, REPO_ROOT, type ContextOptions, type TestContext } from './context.js';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
export const SCREENSHOTS = path.join(REPO_ROOT, 'test', 'e2e', 'screenshots');
/** The widths every page is looked at: a small phone and a common laptop. */
export const WIDTHS = [375, 1366] as const;

export interface BrowserRig {
  ctx: TestContext;
  browser: Browser;
  /** `http://127.0.0.1:<port>` */
  base: string;
  close(): Promise<void>;
}

/**
 * For a `before` hook: skip the test where browser tests do not run (module comment of startBrowserRig), else
 * launch chromium headless. @throws Error in CI without chromium.
 */
export async function launchBrowser(test: Mocha.Context): Promise<Browser> {
  // The browser tests judge what pages look like; the database behind them is the HTTP tests' business, which run on
  // both. Run once, on SQLite: CI runs the two suites side by side, and two Chromiums at once on a small machine
  // made the whole run twice as long.
  if (process.env.TEST_DATABASE_URL && !process.env.BROWSER_TESTS_ON_PG) test.skip();
  if (!CHROMIUM) {
    if (process.env.CI) throw new Error('chromium is required in CI (.ci/run installs it)');
    test.skip();
  }
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** For a `before` hook: a test context listening on a free port and a launched chromium (or `this.skip()`). */
export async function startBrowserRig(test: Mocha.Context, opts: ContextOptions = {}): Promise<BrowserRig> {
  const browser = await launchBrowser(test);
  const ctx = await createTestContext(opts);
  const server: Server = createServer(ctx.app).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    ctx, browser, base,
    close: async () => {
      await browser.close();
      await new Promise((r) => server.close(r));
      await ctx.close();
    },
  };
}

/**
 * Let the page lay itself out again after a resize: two frames, then the
 * charts (Chart.js redraws on a resize observer) back inside their boxes. A
 * chart that never fits is left for the layout checks to report.
 */
export async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  await page.waitForFunction(
    () => [...document.querySelectorAll('canvas')].every((c) => !c.parentElement || c.getBoundingClientRect().width <= c.parentElement.clientWidth + 1),
    undefined, { timeout: 2000 },
  )
    .catch(() => undefined);
}

/**
 * Full-page screenshots of the current page at each width of WIDTHS, as
 * `<name>-<width>.png`; the viewport is left at the last width.
 */
export async function shoot(page: Page, name: string): Promise<void> {
  // A full-page screenshot does not scroll: lazy images below the fold are asked for now, and awaited.
  await page.evaluate(() => Promise.all([...document.images].map((img) => {
    img.loading = 'eager';
    return img.complete ? null : new Promise((resolve) => { img.addEventListener('load', resolve); img.addEventListener('error', resolve); });
  })));
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width < 600 ? 812 : 768 });
    await settle(page);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
  }
}

/**
 * axe-core's browser bundle: the devDependency, or (while it is not installed)
 * the file named by AXE_CORE_PATH.
 */
export function axeSource(): string {
  try {
    return createRequire(import.meta.url).resolve('axe-core/axe.min.js');
  } catch {
    const fallback = process.env.AXE_CORE_PATH;
    if (fallback && fs.existsSync(fallback)) return fallback;
    throw new Error('axe-core is missing: it is a devDependency (npm ci), or set AXE_CORE_PATH to an axe.min.js');
  }
}

/**
 * Run axe-core in the page (injected as a script file: the CSP allows no
 * inline script, and page.addScriptTag with a path adds its text inline, so
 * axe is evaluated in the page's context instead). Returns one line per
 * violation: rule id, impact, the selectors of the nodes concerned.
 */
let axeScript: string | undefined;

export async function axeViolations(page: Page): Promise<string[]> {
  axeScript ??= fs.readFileSync(axeSource(), 'utf8');
  await page.evaluate(axeScript);
  const violations = await page.evaluate(async () => {
    type Violation = { id: string; impact: string | null; nodes: { target: unknown[] }[] };
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: Violation[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.map(String).join(' ')) }));
  });
  return violations.map((v) => `${v.id} (${v.impact ?? 'n/a'}): ${v.nodes.slice(0, 8).join(' | ')}${v.nodes.length > 8 ? ` … (${v.nodes.length} nodes)` : ''}`);
}

/** A new page of `context`, logged in through the login form as `email` (test password); it is on the landing page. */
export async function login(context: BrowserContext, base: string, email: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${base}/subscription/login`);
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('/login')), page.click('form.form button[type="submit"]')]);
  return page;
}

/** Press the submit button `selector` and wait until the page that answers (after its redirect, if any) has loaded. */
export async function submit(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForEvent('load'), page.click(selector)]);
}
