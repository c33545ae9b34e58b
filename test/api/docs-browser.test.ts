import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * SPEC §9 `/v1/docs/` in a real Chromium: a user takes the demo credentials, signs a
 * token, authorizes in the docs and runs `auth-status` with **Try it out → Execute**.
 */

const dialects = inject('dialects');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CLI = join(process.cwd(), 'packages/cli/dist/bin.js');
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI) throw new Error(`CI=true: Chromium is needed at ${CHROMIUM}`);

/** A token for the demo consumer, made from `GET /demo/credentials` with `finum-sync token`, as a user would. */
async function demoToken(server: TestServer): Promise<string> {
  const credentials = (await (await fetch(`${server.url}/demo/credentials`)).json()) as {
    payload: Record<string, unknown>;
    privateKey: string;
  };
  const dir = mkdtempSync(join(tmpdir(), 'finum-docs-'));
  try {
    const keyFile = join(dir, 'demo.pem');
    writeFileSync(keyFile, credentials.privateKey);
    return execFileSync(
      process.execPath,
      [CLI, 'token', '--payload', JSON.stringify(credentials.payload), '--key', keyFile],
      { encoding: 'utf8' },
    ).trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!hasChromium)('docs in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(() => browser?.close());

  describe.each(dialects)('%s', (dialect) => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer({ dialect, demo: true });
    });
    afterAll(() => server?.close());

    it('Authorize with a demo token, then auth-status: Try it out → Execute answers 200, authenticated', async () => {
      const token = await demoToken(server);
      expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      const context = await browser.newContext();
      const page = await context.newPage();
      const consoleErrors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => consoleErrors.push(error.message));
      try {
        await page.goto(`${server.url}/v1/docs/`);

        await page.getByRole('button', { name: 'Authorize' }).first().click();
        const dialog = page.locator('.modal-ux');
        const scheme = dialog.locator('.auth-container', { hasText: 'bearerAuth' });
        await scheme.getByRole('textbox').fill(token);
        await scheme.locator('button', { hasText: /^Authorize$/ }).click();
        await scheme.locator('button', { hasText: /^Logout$/ }).waitFor();
        await scheme.locator('button', { hasText: /^Close$/ }).click();

        const operation = page.locator('#operations-auth-authStatus');
        await operation.locator('.opblock-summary').click();
        await operation.getByRole('button', { name: 'Try it out' }).click();
        await operation.getByRole('button', { name: 'Execute' }).click();

        const response = operation.locator('.live-responses-table .response').first();
        await response.waitFor();
        expect((await response.locator('.response-col_status').textContent())?.trim()).toBe('200');
        const body = await response.locator('.response-col_description pre').first().textContent();
        expect(JSON.parse(body ?? '')).toMatchObject({ authenticated: true, consumerId: 'demo' });

        mkdirSync('test-results', { recursive: true });
        await operation.screenshot({
          path: `test-results/docs-auth-status${dialect === dialects[0] ? '' : `-${dialect}`}.png`,
        });
        expect(consoleErrors).toEqual([]);
      } finally {
        await context.close();
      }
    });
  });
});
