import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * SPEC §9 `/v1/docs/` in a real Chromium: a user takes the demo credentials, signs a
 * token, authorizes in the docs (Authorize at the top right) and runs **Try it out →
 * Execute** on `auth-status` — and on every documented operation with its own examples,
 * writes included, at desktop and at phone width (on the first dialect of the run): every one
 * answers 2xx against the demo.
 */

const dialects = inject('dialects');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CLI = join(process.cwd(), 'packages/cli/dist/bin.js');
const hasChromium = existsSync(CHROMIUM);
const PDF = Buffer.from('%PDF-1.4\n% uploaded from the interactive docs\n%%EOF\n');
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

/** The console errors and uncaught exceptions of a page, as they come. */
function recordErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

interface DocumentedOperation {
  operationId: string;
  tag: string;
  method: string;
  path: string;
}

/** Every operation of the served document (not the webhooks: nothing to execute there). */
async function documentedOperations(server: TestServer): Promise<DocumentedOperation[]> {
  const document = (await (await fetch(`${server.url}/v1/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { operationId: string; tags: string[] }>>;
  };
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ operationId: op.operationId, tag: op.tags[0]!, method, path })),
  );
}

/** Authorize (at the top right, as the public description says) with the token. */
async function authorize(page: Page, token: string, width: number): Promise<void> {
  const button = page.getByRole('button', { name: 'Authorize' }).first();
  await button.waitFor();
  const box = (await button.boundingBox())!;
  // Top right of the page: in the first screen, in the right half.
  expect(box.y + box.height).toBeLessThan(260);
  expect(box.x + box.width).toBeGreaterThan(width * 0.6);
  await button.click();
  const scheme = page.locator('.modal-ux .auth-container', { hasText: 'bearerAuth' });
  await scheme.getByRole('textbox').fill(token);
  await scheme.locator('button', { hasText: /^Authorize$/ }).click();
  await scheme.locator('button', { hasText: /^Logout$/ }).waitFor();
  await scheme.locator('button', { hasText: /^Close$/ }).click();
}

/** Try it out → Execute with what the docs fill in; the status code the docs show. */
async function execute(page: Page, operation: DocumentedOperation): Promise<string> {
  const block = page.locator(`#operations-${operation.tag}-${operation.operationId}`);
  await block.locator('.opblock-summary').first().click();
  await block.getByRole('button', { name: 'Try it out' }).click();
  // A file cannot be an example: the one thing a user picks is the document to upload.
  const fileInput = block.locator('tr[data-property-name="file"] input[type="file"]');
  if ((await fileInput.count()) > 0) {
    await fileInput.setInputFiles({ name: 'letter.pdf', mimeType: 'application/pdf', buffer: PDF });
  }
  await block.getByRole('button', { name: 'Execute' }).click();
  const status = block.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor();
  const code = (await status.textContent())?.trim() ?? '';
  const body =
    (await block.locator('.live-responses-table .response .response-col_description pre').first().textContent()) ?? '';
  // Closed again: the page stays as light as a user's who looks at one operation at a time.
  await block.locator('.opblock-summary').first().click();
  return /^2\d\d$/.test(code) ? code : `${code} ${body.slice(0, 300)}`;
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
      const consoleErrors = recordErrors(page);
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

    // Every operation through the page, at both widths, on the first dialect: what this file
    // proves is the page (its examples, Authorize, the upload field, the layout), which does not
    // change with the database; every operation's answers on each dialect are the fuzz and
    // contract suites' (test/fuzz, test/contract). The other dialects keep the tests around it.
    const widths: [string, number][] = [
      ['desktop', 1280],
      ['phone', 375],
    ];
    if (dialect === dialects[0])
      it.each(widths)(
        'Try it out → Execute on every documented operation with its examples answers 2xx (%s, %i px)',
        async (_name, width) => {
          const operations = await documentedOperations(server);
          // The operations of SPEC §6–7 and the public ones, writes included.
          expect(operations.map((o) => o.operationId)).toEqual(
            expect.arrayContaining(['authStatus', 'contractList', 'contractCreate', 'contractUpdate', 'fileUpload']),
          );
          expect(operations.length).toBeGreaterThanOrEqual(20);
          const token = await demoToken(server);
          const context = await browser.newContext({
            viewport: { width, height: 900 },
            ...(width < 500 ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
          });
          const page = await context.newPage();
          const consoleErrors = recordErrors(page);
          try {
            await page.goto(`${server.url}/v1/docs/`);
            // At phone width the page is laid out for the phone, not zoomed out from a desktop width.
            expect(await page.evaluate(() => document.documentElement.clientWidth)).toBe(width);
            await authorize(page, token, width);
            const answers: Record<string, string> = {};
            for (const operation of operations) answers[operation.operationId] = await execute(page, operation);
            const failed = Object.entries(answers).filter(([, answer]) => !/^2\d\d$/.test(answer));
            expect(failed).toEqual([]);
            // Writes did write: a new client and contract (201), the changes (200), the upload (201).
            expect(answers).toMatchObject({ clientCreate: '201', contractCreate: '201', fileUpload: '201' });
            mkdirSync('test-results', { recursive: true });
            await page.screenshot({ path: `test-results/docs-every-operation-${width}-${dialect}.png` });
            expect(consoleErrors).toEqual([]);
          } finally {
            await context.close();
          }
        },
        // Two dozen operations, each a click-through in a real browser, on a shared machine.
        300_000,
      );

    it('opens already authorized from the link the home page gives (/v1/docs/#authorize=<JWT>)', async () => {
      const token = await demoToken(server);
      const context = await browser.newContext();
      const page = await context.newPage();
      try {
        await page.goto(`${server.url}/v1/docs/#authorize=${token}`);
        // The token leaves the address bar at once.
        expect(new URL(page.url()).hash).toBe('');
        const answer = await execute(page, { operationId: 'authStatus', tag: 'auth', method: 'get', path: '' });
        expect(answer).toBe('200');
      } finally {
        await context.close();
      }
    });
  });
});
