import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchBrowser } from './browser.js';
import { CallbackReceiver } from './callback-receiver.js';
import { type DialectName, startTestServer, type TestServer } from './server.js';

/** What the back office's browser tests drive: the server, a Chromium, a receiver of callbacks. */
export interface BackOfficeRig {
  server: TestServer;
  browser: Browser;
  receiver: CallbackReceiver;
}

/**
 * For a describe block of back-office tests in Chromium: a server process with `env`, a
 * Chromium and a callback receiver, started before the block's tests and stopped after
 * them. The returned object's fields are set once the block's `beforeAll` has run.
 */
export function backOfficeRig(dialect: DialectName, env: Record<string, string>): BackOfficeRig {
  const rig = {} as BackOfficeRig;
  beforeAll(async () => {
    [rig.server, rig.browser, rig.receiver] = await Promise.all([
      startTestServer({ dialect, env }),
      launchBrowser(),
      new CallbackReceiver().start(),
    ]);
  });
  afterAll(async () => {
    await rig.browser?.close();
    await rig.server?.close();
    await rig.receiver?.stop();
  });
  return rig;
}
