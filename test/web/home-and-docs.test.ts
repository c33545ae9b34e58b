import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hasChromium, launchBrowser, withPage } from '../helpers/browser.js';
import { fetchParsed, startTestServer, type TestServer } from '../helpers/server.js';

/** Generates a JWT on `/` with what is in the form; returns it. */
async function generateJwt(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Generate JWT' }).click();
  await page.locator('#jwt-result').waitFor();
  return page.locator('#jwt').inputValue();
}

describe.skipIf(!hasChromium).each(inject('dialects'))('"/" and /v1/docs/ in Chromium (%s)', (dialect) => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer({ dialect, demo: true }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('has what the public description has: implement your own, the two common flows, the FAQ; no link outside', async () => {
    await withPage(browser, server.url, async (session, page) => {
      await session.goto('/');
      for (const heading of [
        '3. Implement your own',
        'Going live',
        'Validation',
        'Connecting with us',
        '4. Common flows',
        'Syncing data from the provider to your database',
        'Creating new contracts with a provider',
        'FAQ',
      ]) {
        await expect
          .poll(() => page.getByRole('heading', { name: heading, exact: true }).count(), { message: heading })
          .toBe(1);
      }
      const faq = (await page.locator('details summary').allTextContents()).join('\n');
      for (const topic of [/fields of its own/, /terminated/i, /pagination/, /matched/]) expect(faq).toMatch(topic);
      const text = (await page.locator('main').textContent()) ?? '';
      for (const point of ['_hasEverBeenInDebt', 'foreignId', '50,000', 'contract-id-list-updated', 'status 230']) {
        expect(text).toContain(point);
      }
      const hrefs = await page
        .locator('a[href]')
        .evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).href));
      expect(hrefs.filter((href) => new URL(href).origin !== new URL(server.url).origin)).toEqual([]);
    });
  });

  it('Test it: a JWT signed in the browser, copied, authorized in the docs, survives a reload, auth-status 200', async () => {
    await withPage(browser, server.url, async (session, page) => {
      const signingRequests: string[] = [];
      page.on('request', (r) => signingRequests.push(`${r.method()} ${new URL(r.url()).pathname}`));
      await session.goto('/');
      await expect.poll(() => page.locator('#privateKey').inputValue()).toContain('BEGIN PRIVATE KEY');
      expect(JSON.parse(await page.locator('#payload').inputValue())).toEqual({
        sub: 'demo',
        aud: server.config.publicUrl,
      });
      await expect
        .poll(() => page.locator('#algorithm-detected').textContent())
        .toBe('EC P-256 key: signs with ES256.');
      expect(await page.locator('#lifetime').inputValue()).toBe('3600');

      signingRequests.length = 0;
      const jwt = await generateJwt(page);
      // Signed here: generating sent nothing to the server.
      expect(signingRequests).toEqual([]);
      const [header, claims] = jwt
        .split('.')
        .slice(0, 2)
        .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
      expect(header).toEqual({ alg: 'ES256', typ: 'JWT' });
      expect(claims.exp - claims.iat).toBe(3600);
      await session.screenshot('home');

      await page.getByRole('button', { name: 'Copy the JWT' }).click();
      await page.getByText('Copied to the clipboard.').waitFor();
      const copied = await page.evaluate(() => navigator.clipboard.readText());
      expect(copied).toBe(jwt);

      // 1b: open the docs from the page: already authorized with the token (Authorize shows it).
      await page.getByRole('link', { name: 'Open the API docs, authorized' }).click();
      // The token travelled in the fragment and leaves the address bar at once.
      await expect.poll(() => page.url()).toMatch(/\/v1\/docs\/$/);
      await page.locator('.btn.authorize.locked').first().waitFor();

      // The token survives a reload (persistAuthorization).
      await page.reload();
      const authStatus = page.locator('#operations-auth-authStatus');
      await authStatus.locator('.opblock-summary').click();
      await authStatus.getByRole('button', { name: 'Try it out' }).click();
      const answer = page.waitForResponse((r) => r.url().endsWith('/v1/auth-status'));
      await authStatus.getByRole('button', { name: 'Execute' }).click();
      const response = await answer;
      expect(response.status()).toBe(200);
      expect(response.request().headers().authorization).toBe(`Bearer ${jwt}`);
      await authStatus.locator('.live-responses-table .response .response-col_status', { hasText: '200' }).waitFor();
      expect(await authStatus.locator('.live-responses-table .microlight').first().textContent()).toContain(
        '"consumerId": "demo"',
      );
      await session.screenshot('docs');
    });
  });

  it('Authorize → Try it out → Execute works on a list endpoint too', async () => {
    await withPage(browser, server.url, async (session, page) => {
      await session.goto('/');
      await expect.poll(() => page.locator('#privateKey').inputValue()).toContain('BEGIN PRIVATE KEY');
      const jwt = await generateJwt(page);
      await session.goto('/v1/docs/');
      await page.getByRole('button', { name: 'Authorize' }).click();
      await page.locator('.modal-ux input#auth-bearer-value').fill(jwt);
      await page.locator('.modal-ux button.authorize').click();
      await page.locator('.modal-ux button.btn-done').click();
      const op = page.locator('#operations-products-productIdListUpdated');
      await op.locator('.opblock-summary').click();
      await op.getByRole('button', { name: 'Try it out' }).click();
      const answer = page.waitForResponse((r) => r.url().includes('/v1/product-id-list-updated'));
      await op.getByRole('button', { name: 'Execute' }).click();
      expect((await answer).status()).toBe(200);
    });
  });

  it('says exactly what is wrong with a payload or a key', async () => {
    await withPage(browser, server.url, async (session, page) => {
      await session.goto('/');
      await expect.poll(() => page.locator('#privateKey').inputValue()).toContain('BEGIN PRIVATE KEY');
      const demoKey = await page.locator('#privateKey').inputValue();
      const errorOf = async (field: 'payload' | 'privateKey') => {
        await page.getByRole('button', { name: 'Generate JWT' }).click();
        const slot = page.locator(`#${field}-error`);
        await slot.filter({ hasText: /./ }).waitFor();
        expect(await page.locator(`#${field}`).getAttribute('aria-invalid')).toBe('true');
        expect(await page.locator('#jwt-result').isHidden()).toBe(true);
        return slot.textContent();
      };

      await page.locator('#payload').fill('{"sub": "demo",');
      expect(await errorOf('payload')).toMatch(/^The payload is not JSON: /);
      await page.locator('#payload').fill('["demo"]');
      expect(await errorOf('payload')).toMatch(/^The payload must be a JSON object/);
      await page.locator('#payload').fill('{"sub": "demo"}');
      expect(await errorOf('payload')).toBe('The payload needs sub and aud (missing: aud).');

      await page.locator('#payload').fill(`{"sub": "demo", "aud": "${server.config.publicUrl}"}`);
      await page.locator('#privateKey').fill('hello');
      expect(await errorOf('privateKey')).toMatch(/^Not a PKCS#8 private key: expected -----BEGIN PRIVATE KEY-----/);
      await page.locator('#privateKey').fill('-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----');
      expect(await errorOf('privateKey')).toMatch(/^Not a PKCS#8 private key \(this is SEC1\)/);
      await page.locator('#privateKey').fill('-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----');
      expect(await errorOf('privateKey')).toMatch(/^This is a public key/);
      await page.locator('#privateKey').fill('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----');
      expect(await errorOf('privateKey')).toBe('Not a PKCS#8 private key: its contents cannot be read.');
      await session.screenshot('home-errors');

      // Fixed input clears the messages.
      await page.locator('#privateKey').fill(demoKey);
      await generateJwt(page);
      expect(await page.locator('#privateKey-error').textContent()).toBe('');
    });
  });

  it('detects the algorithm from the key; tokens of all four algorithms pass auth-status', async () => {
    await withPage(browser, server.url, async (session, page) => {
      await session.goto('/');
      await expect.poll(() => page.locator('#privateKey').inputValue()).toContain('BEGIN PRIVATE KEY');
      const shown = {
        RS256: 'RSA key: choose RS256 or PS256.',
        PS256: 'RSA key: choose RS256 or PS256.',
        ES256: 'EC P-256 key: signs with ES256.',
        EdDSA: 'Ed25519 key: signs with EdDSA.',
      };
      for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA'] as const) {
        const consumer = await server.addConsumer(`web-${dialect}-${alg}`, alg);
        await page.locator('#payload').fill(JSON.stringify({ sub: consumer.id, aud: server.config.publicUrl }));
        await page.locator('#privateKey').fill(consumer.privateKey);
        await expect.poll(() => page.locator('#algorithm-detected').textContent()).toBe(shown[alg]);
        expect(await page.locator('#alg').isVisible()).toBe(alg.startsWith('RS') || alg.startsWith('PS'));
        if (alg.startsWith('PS')) await page.locator('#alg').selectOption(alg);
        const jwt = await generateJwt(page);
        expect(JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()).alg).toBe(alg);
        const status = await fetchParsed(`${server.url}/v1/auth-status`, {
          headers: { authorization: `Bearer ${jwt}` },
        });
        expect(status.status, alg).toBe(200);
        expect(status.body.consumerId).toBe(consumer.id);
      }
    });
  });

  it('serves the docs without inline script, with a CSP that says so', async () => {
    const docs = await fetchParsed(`${server.url}/v1/docs/`);
    expect(docs.status).toBe(200);
    const csp = docs.headers.get('content-security-policy') ?? '';
    const directive = (name: string) =>
      csp
        .split(';')
        .find((d) => d.trim().startsWith(`${name} `))
        ?.trim();
    expect(directive('script-src')).toBe("script-src 'self'");
    expect(directive('frame-ancestors')).toBe("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https:|http:/);
    // Every <script> has a src: nothing inline.
    const scripts = docs.text.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toMatch(/\bsrc="/);
    expect(docs.text).not.toMatch(/\son[a-z]+=/i);
    const initializer = await fetchParsed(`${server.url}/v1/docs/static/swagger-initializer.js`);
    expect(initializer.headers.get('content-security-policy')).toBe(csp);
    expect(initializer.text).toContain('"persistAuthorization":true');
  });

  it('gives every page the security headers and no inline script', async () => {
    for (const path of ['/', '/onboarding/', '/onboarding/status', '/admin/']) {
      const page = await fetchParsed(`${server.url}${path}`);
      expect(page.status, path).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain('unsafe');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      for (const tag of page.text.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/ src="\/assets\/[a-z-]+\.js"/);
      // Nothing from another origin.
      expect(page.text).not.toMatch(/(src|href)="(https?:)?\/\//);
    }
    const css = await fetchParsed(`${server.url}/assets/site.css`);
    expect(css.status).toBe(200);
    expect(css.text).not.toMatch(/@import|url\(\s*['"]?(https?:)?\/\//);
    // The consumer SDK's browser bundle, which "Test it" signs with, from this origin.
    const sdk = await fetchParsed(`${server.url}/assets/finum-sync-client.js`);
    expect(sdk.status).toBe(200);
    expect(sdk.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(sdk.text).toMatch(/export\{[^}]*\bsignToken\b/);
    expect((await fetchParsed(`${server.url}/assets/nope.js`)).headers.get('content-type')).toMatch(
      /^application\/problem\+json/,
    );
  });
});

describe.skipIf(!hasChromium)('"/" when the demo is off (sqlite)', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startTestServer({ demo: false, env: { MAX_TOKEN_LIFETIME: '900' } }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('says so, leaves the fields empty and never offers a lifetime over the maximum', async () => {
    await withPage(browser, server.url, async (session, page) => {
      await session.goto('/');
      await page.getByText('The demo is off on this provider').waitFor();
      expect(await page.locator('#payload').inputValue()).toBe('');
      expect(await page.locator('#privateKey').inputValue()).toBe('');
      const lifetimes = await page
        .locator('#lifetime option')
        .evaluateAll((options) => options.map((o) => Number((o as HTMLOptionElement).value)));
      expect(lifetimes).toEqual([300, 900]);
      expect(await page.locator('#lifetime').inputValue()).toBe('900');
      await session.screenshot('home-demo-off');
    });
  });

  it('fits a phone-sized screen without sideways scrolling', async () => {
    await withPage(browser, server.url, async (session, page) => {
      await page.setViewportSize({ width: 375, height: 740 });
      for (const [path, name] of [
        ['/', 'home-mobile'],
        ['/onboarding/', 'onboarding-mobile'],
        ['/admin/', 'admin-mobile'],
      ] as const) {
        await session.goto(path);
        await page.locator('main h1').waitFor();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, path).toBeLessThanOrEqual(0);
        await session.screenshot(name);
      }
    });
  });

  it('works with the keyboard: skip link first, every form control in order, the spam trap never', async () => {
    await withPage(browser, server.url, async (session, page) => {
      await session.goto('/onboarding/');
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
      await page.keyboard.press('Enter');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
      const visited: string[] = [];
      for (let i = 0; i < 40 && !visited.includes('submit'); i++) {
        await page.keyboard.press('Tab');
        visited.push(await page.evaluate(() => document.activeElement?.id ?? ''));
      }
      const fields = ['company', 'website', 'contactName', 'email', 'phone', 'intendedUse', 'callbackUrl'];
      expect(visited.filter((id) => fields.includes(id))).toEqual(fields);
      expect(visited).toContain('generate-pair');
      expect(visited.at(-1)).toBe('submit');
      expect(visited).not.toContain('homepage');
      // Every control has a label.
      const unlabelled = await page.evaluate(() =>
        Array.from(document.querySelectorAll('input, select, textarea'))
          .filter((c) => (c as HTMLInputElement).labels?.length === 0 && !c.getAttribute('aria-label'))
          .map((c) => c.id),
      );
      expect(unlabelled).toEqual([]);
      // Keyboard-only: Space on a focused button works.
      await page.locator('#generate-pair').focus();
      await page.keyboard.press('Space');
      await page.getByRole('button', { name: 'Download the private key' }).waitFor();
    });
  });
});
