import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (or `CHROMIUM_PATH`): the pages are tested in a real browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Whether the browser tests can run. Without Chromium they are skipped locally; with
 * `CI=true` a missing Chromium fails the run (never a quiet skip).
 */
export const hasChromium = existsSync(CHROMIUM_PATH);
if (!hasChromium && process.env.CI) {
  throw new Error(`CI=true: Chromium not found at ${CHROMIUM_PATH} (install chromium or set CHROMIUM_PATH)`);
}

export const SCREENSHOT_DIR = 'test-results/screenshots';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/**
 * A page in a context of its own (cookies, storage, downloads) that records every
 * console error, uncaught exception and CSP violation. {@link check} fails the test on
 * any of them, except HTTP error answers the test said it expects.
 */
export class BrowserSession {
  readonly errors: string[] = [];
  private readonly expected: Array<{ path: string; status: number }> = [];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly baseUrl: string,
  ) {
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const text = message.text();
      const status = /status of (\d{3})/.exec(text)?.[1];
      const url = message.location().url;
      const allowed = status && this.expected.some((e) => url.includes(e.path) && e.status === Number(status));
      if (!allowed) this.errors.push(`console error: ${text} (${url})`);
    });
    page.on('pageerror', (error) => this.errors.push(`uncaught: ${error.message}`));
  }

  static async open(browser: Browser, baseUrl: string): Promise<BrowserSession> {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(baseUrl).origin });
    const page = await context.newPage();
    // CSP violations also reach the console; this names the directive.
    await page.addInitScript(() =>
      document.addEventListener('securitypolicyviolation', (e) =>
        console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
      ),
    );
    return new BrowserSession(context, page, baseUrl);
  }

  /** An HTTP error answer the test provokes on purpose (the browser logs those as console errors). */
  expectHttpError(path: string, status: number): void {
    this.expected.push({ path, status });
  }

  goto(path: string) {
    return this.page.goto(`${this.baseUrl}${path}`);
  }

  /** Saves a full-page screenshot as `test-results/screenshots/<name>.png`. */
  async screenshot(name: string): Promise<void> {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await this.page.screenshot({ path: `${SCREENSHOT_DIR}/${name}.png`, fullPage: true });
  }

  /** Closes the context; throws when the browser reported an error. */
  async close(): Promise<void> {
    await this.context.close();
    if (this.errors.length > 0) throw new Error(`The browser reported errors:\n${this.errors.join('\n')}`);
  }
}

/** Runs `work` on a fresh page and fails on any error the browser reported. */
export async function withPage(
  browser: Browser,
  baseUrl: string,
  work: (session: BrowserSession, page: Page) => Promise<void>,
): Promise<void> {
  const session = await BrowserSession.open(browser, baseUrl);
  try {
    await work(session, session.page);
  } catch (error) {
    await session.context.close().catch(() => {});
    if (session.errors.length > 0) {
      (error as Error).message += `\nThe browser reported errors:\n${session.errors.join('\n')}`;
    }
    throw error;
  }
  await session.close();
}
