import { generateKeyPair, signToken } from '@finum-sync/client/node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AdminSessions } from '../../packages/server/src/admin/sessions.js';
import { backOfficeRig } from '../helpers/back-office.js';
import { hasChromium, withPage } from '../helpers/browser.js';
import { fetchParsed, startTestServer, type TestServer, testRecord } from '../helpers/server.js';

const ADMIN_TOKEN = 'web-test-admin-token-0123456789';
const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** Signs in over the API: the session cookie (name=value) and the CSRF token. */
async function signIn(url: string): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const r = await fetchParsed(`${url}/admin/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: ADMIN_TOKEN }),
  });
  expect(r.status).toBe(200);
  const setCookie = r.headers.get('set-cookie')!;
  return { cookie: setCookie.split(';')[0]!, csrf: r.body.csrfToken, setCookie };
}

describe.skipIf(!hasChromium).each(inject('dialects'))('/admin/ in Chromium (%s)', (dialect) => {
  const rig = backOfficeRig(dialect, { ADMIN_TOKEN, CALLBACK_RETRY_BASE_MS: '50' });

  it('signs in with the ADMIN_TOKEN into a session cookie, refuses wrong and consumer tokens, signs out', async () => {
    const consumer = await rig.server.addConsumer(`signin-${dialect}`);
    await withPage(rig.browser, rig.server.url, async (session, page) => {
      session.expectHttpError('/admin/api/session', 401);
      await session.goto('/admin/');
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await session.screenshot('admin-signin');
      const tokenField = page.getByLabel('Admin token');
      await tokenField.fill('not-the-admin-token');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('Wrong admin token.').waitFor();
      expect(await tokenField.getAttribute('aria-invalid')).toBe('true');
      await tokenField.fill(await consumer.token());
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('Consumer tokens are not accepted by the back office').waitFor();

      await tokenField.fill(ADMIN_TOKEN);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Applications' }).waitFor();
      const [cookie] = await session.context.cookies();
      expect(cookie).toMatchObject({ name: 'finum_admin_session', httpOnly: true, sameSite: 'Strict', path: '/admin' });
      // The script never sees the session: it is HttpOnly.
      expect(await page.evaluate(() => document.cookie)).toBe('');

      await page.reload();
      await page.getByRole('heading', { name: 'Applications' }).waitFor();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      expect(await session.context.cookies()).toEqual([]);
      // The old session is gone on the server too.
      const old = await fetchParsed(`${rig.server.url}/admin/api/session`, {
        headers: { cookie: `${cookie!.name}=${cookie!.value}` },
      });
      expect(old.status).toBe(401);
    });
  });

  it('manages consumers: disable, enable, add and remove a key, rotate the callback secret', async () => {
    const id = `acme-${dialect}`;
    const consumer = await rig.server.addConsumer(id);
    const auth = async (token: string) =>
      (await fetchParsed(`${rig.server.url}/v1/auth-status`, { headers: { authorization: `Bearer ${token}` } })).status;
    await withPage(rig.browser, rig.server.url, async (session, page) => {
      page.on('dialog', (dialog) => dialog.accept());
      await session.goto('/admin/');
      await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Applications' }).waitFor();
      await page.getByRole('link', { name: 'Consumers' }).click();
      const card = page.locator('article', { has: page.getByRole('heading', { name: id }) });
      await card.waitFor();

      await card.getByRole('button', { name: `Disable ${id}` }).click();
      await page.getByText(`${id} is disabled now.`).waitFor();
      expect(await auth(await consumer.token())).toBe(401);
      await card.getByRole('button', { name: `Enable ${id}` }).click();
      await page.getByText(`${id} is active now.`).waitFor();
      expect(await auth(await consumer.token())).toBe(200);

      // Key rotation: add a second key, then remove the first.
      const next = generateKeyPair('EdDSA');
      await card.getByText('Add a key (key rotation)').click();
      await card.getByLabel('Public key (PEM)').fill(next.publicKey);
      await card.getByRole('button', { name: 'Add key' }).click();
      await page.getByText(/^Added key .* \(EdDSA\) to /).waitFor();
      const keys = (await rig.server.store.loadAuthState()).keys.filter((k) => k.consumerId === id);
      const added = keys.find((k) => k.alg === 'EdDSA')!;
      const nextToken = await signToken({
        payload: { sub: id, aud: rig.server.config.publicUrl },
        privateKey: next.privateKey,
        kid: added.kid,
      });
      expect(await auth(nextToken)).toBe(200);
      const firstToken = await consumer.token();
      expect(await auth(firstToken)).toBe(200);
      await card.getByRole('button', { name: `Remove key ${consumer.kid} of ${id}` }).click();
      await page.getByText(`Removed key ${consumer.kid} of ${id}.`).waitFor();
      expect(await auth(firstToken)).toBe(401);
      expect(await auth(nextToken)).toBe(200);

      await card.getByRole('button', { name: 'Rotate callback secret' }).click();
      const secret = await page.locator('#new-callback-secret').inputValue();
      expect(secret).toMatch(/^whsec_/);
      expect(secret).not.toBe(consumer.callbackSecret);
      expect((await rig.server.store.consumer(id))?.callbackSecret).toBe(secret);
      await session.screenshot('admin-consumers');

      // A bad key is answered under its field.
      session.expectHttpError(`/admin/api/consumers/${id}/keys`, 400);
      await card.getByText('Add a key (key rotation)').click();
      await card.getByLabel('Public key (PEM)').fill(next.privateKey);
      await card.getByRole('button', { name: 'Add key' }).click();
      await card.locator(`[id="key-${id}-error"]`).filter({ hasText: 'This is a private key' }).waitFor();

      // What the page did is in the audit trail, newest first, with the session as its actor.
      await page.getByRole('link', { name: 'Audit trail' }).click();
      await page.getByLabel('Consumer, contract or application id').fill(id);
      await page.getByRole('button', { name: 'Show' }).click();
      const rows = page.locator('#audit-list tbody tr');
      await rows.first().waitFor();
      expect(await page.locator('#audit-list').getAttribute('aria-live')).toBe('polite');
      const actions = await rows.locator('td:nth-child(3)').allTextContents();
      expect(actions).toEqual([
        'consumer.callback-secret-rotated',
        'consumer.key-removed',
        'consumer.key-added',
        'consumer.enabled',
        'consumer.disabled',
        'consumer.added',
      ]);
      const who = await rows.locator('td:nth-child(2)').allTextContents();
      expect(who.slice(0, 5).every((text) => /^session [0-9a-f]{12}session$/.test(text))).toBe(true);
      await page.getByLabel('Action').selectOption('consumer.disabled');
      await page.getByRole('button', { name: 'Show' }).click();
      await expect.poll(() => rows.count()).toBe(1);
      await session.screenshot('admin-audit');
    });
  });

  it('shows callback deliveries with their attempts', async () => {
    const id = `hooks-${dialect}`;
    await rig.server.addConsumer(id);
    await rig.server.store.transaction(async (tx) => {
      await tx.putConsumer({ ...(await tx.getConsumer(id))!, callbackUrl: rig.receiver.url });
    });
    const contract = testRecord('contract', id, { status: 120 });
    await rig.server.putRecords([contract]);
    const changed = await fetchParsed(`${rig.server.url}/admin/api/contracts/${contract.id}/status`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 130 }),
    });
    expect(changed.status).toBe(200);
    await expect
      .poll(
        async () =>
          (await fetchParsed(`${rig.server.url}/admin/api/deliveries?contract-id=${contract.id}`, { headers: bearer }))
            .body[0]?.state,
      )
      .toBe('delivered');

    await withPage(rig.browser, rig.server.url, async (session, page) => {
      await session.goto('/admin/');
      await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Applications' }).waitFor();
      await page.getByRole('link', { name: 'Callback deliveries' }).click();
      await page.getByLabel('Consumer id').fill(id);
      await page.getByRole('button', { name: 'Show' }).click();
      const row = page.locator('tbody tr', { hasText: contract.id });
      await row.waitFor();
      expect(await row.textContent()).toContain('120 → 130');
      expect(await row.textContent()).toContain('delivered');
      await row.getByText('1 attempt').click();
      await row.getByText(/: 204 \(\d+ ms\)/).waitFor();
      await session.screenshot('admin-deliveries');
    });
  });
});

describe.each(inject('dialects'))('the back office API with sessions (%s)', (dialect) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { ADMIN_TOKEN } });
  });
  afterAll(async () => server?.close());

  const call = (path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) =>
    fetchParsed(`${server.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });

  it('sets a HttpOnly, SameSite=Strict, Secure (https PUBLIC_URL) session cookie with an expiry', async () => {
    const { setCookie } = await signIn(server.url);
    expect(setCookie).toMatch(/^finum_admin_session=[A-Za-z0-9_-]{43}; /);
    for (const attribute of ['Path=/admin', 'HttpOnly', 'SameSite=Strict', 'Secure', 'Max-Age=28800']) {
      expect(setCookie).toContain(attribute);
    }
  });

  it('refuses a state-changing request with the cookie but without the CSRF token (403 problem+json)', async () => {
    const { cookie, csrf } = await signIn(server.url);
    await server.addConsumer(`csrf-${dialect}`);
    const path = `/admin/api/consumers/csrf-${dialect}/status`;
    const body = { status: 'active' };
    const missing = await call(path, { method: 'POST', headers: { cookie }, body });
    expect(missing.status).toBe(403);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(missing.body).toMatchObject({ type: 'urn:finum-sync:problem:forbidden', status: 403 });
    expect(missing.body.detail).toContain('X-CSRF-Token');
    const wrong = await call(path, { method: 'POST', headers: { cookie, 'x-csrf-token': `${csrf}x` }, body });
    expect(wrong.status).toBe(403);
    const signOut = await call('/admin/api/session', { method: 'DELETE', headers: { cookie } });
    expect(signOut.status).toBe(403);

    const right = await call(path, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf }, body });
    expect(right.status).toBe(200);
    expect(right.headers.get('cache-control')).toBe('no-store');
    // Reading needs no CSRF token; the bearer token needs none at all.
    expect((await call('/admin/api/consumers', { headers: { cookie } })).status).toBe(200);
    expect((await call(path, { method: 'POST', headers: bearer, body })).status).toBe(200);
    const viaBearer = await call('/admin/api/session', { headers: bearer });
    expect(viaBearer.body).toEqual({ via: 'bearer', csrfToken: null, expiresAt: null });
  });

  it('refuses consumer tokens, on the API and at sign-in', async () => {
    const consumer = await server.addConsumer(`jwt-${dialect}`);
    const token = await consumer.token();
    for (const path of ['/admin/api/applications', '/admin/api/consumers', '/admin/api/deliveries']) {
      const r = await call(path, { headers: { authorization: `Bearer ${token}` } });
      expect(r.status, path).toBe(401);
      expect(r.body.detail).toBe('Consumer tokens are not accepted by the back office; use the ADMIN_TOKEN.');
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    const signInWithJwt = await call('/admin/api/session', { method: 'POST', body: { token } });
    expect(signInWithJwt.status).toBe(401);
    expect(signInWithJwt.headers.get('set-cookie')).toBeNull();
    expect((await call('/admin/api/consumers')).status).toBe(401);
  });

  it('keeps sessions in the database: a second server process knows them, and their sign-out', async () => {
    const other = await startTestServer({ db: server.db, env: { ADMIN_TOKEN } });
    try {
      const { cookie, csrf } = await signIn(server.url);
      const there = await fetchParsed(`${other.url}/admin/api/session`, { headers: { cookie } });
      expect(there.status).toBe(200);
      expect(there.body).toMatchObject({ via: 'cookie', csrfToken: csrf });
      const out = await fetchParsed(`${other.url}/admin/api/session`, {
        method: 'DELETE',
        headers: { cookie, 'x-csrf-token': csrf },
      });
      expect(out.status).toBe(204);
      expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
      expect((await call('/admin/api/session', { headers: { cookie } })).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('ends a session at its expiry', async () => {
    let now = Date.now();
    const sessions = new AdminSessions(server.store, { secure: false }, () => now);
    const { setCookie } = await sessions.open();
    const cookie = setCookie.split(';')[0]!;
    expect(await sessions.resolve(cookie)).toMatchObject({ csrfToken: expect.any(String) });
    now += 8 * 3_600_000 + 1;
    expect(await sessions.resolve(cookie)).toBe('expired');
    expect(await sessions.resolve('finum_admin_session=forged')).toBe('expired');
    expect(await sessions.resolve('other=1')).toBeUndefined();
  });

  it('answers bad requests of the console with problems', async () => {
    const consumer = await server.addConsumer(`problems-${dialect}`);
    const base = `/admin/api/consumers/${consumer.id}`;
    const cases: Array<[string, string, unknown, number]> = [
      ['POST', '/admin/api/applications/app_000000000000000000000000/approve', { consumerId: 'x' }, 404],
      ['POST', '/admin/api/applications/app_000000000000000000000000/approve', { consumerId: 'not valid!' }, 400],
      ['POST', '/admin/api/applications/app_000000000000000000000000/reject', { reason: '' }, 400],
      ['POST', `${base}/status`, { status: 'paused' }, 400],
      ['POST', '/admin/api/consumers/nobody/status', { status: 'active' }, 404],
      ['POST', `${base}/keys`, { publicKey: 'nope' }, 400],
      ['POST', `${base}/keys`, { publicKey: consumer.publicKey }, 409],
      ['DELETE', `${base}/keys/unknown-kid`, undefined, 404],
      ['POST', '/admin/api/consumers/nobody/callback-secret', undefined, 404],
    ];
    for (const [method, path, body, status] of cases) {
      const r = await call(path, { method, headers: bearer, body });
      expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    const bad = await call('/admin/api/applications?status=maybe', { headers: bearer });
    expect(bad.status).toBe(400);
  });
});

describe('the back office off, and sign-in attempts limited (sqlite)', () => {
  it('answers 403 without ADMIN_TOKEN', async () => {
    const server = await startTestServer();
    try {
      const r = await fetchParsed(`${server.url}/admin/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: 'whatever-long-enough' }),
      });
      expect(r.status).toBe(403);
      expect(r.body.detail).toContain('ADMIN_TOKEN');
    } finally {
      await server.close();
    }
  });

  it('limits sign-in attempts per client address', async () => {
    const server = await startTestServer({ env: { ADMIN_TOKEN, ADMIN_SIGNIN_RATE_LIMIT: '2' } });
    try {
      const attempt = (token: string) =>
        fetchParsed(`${server.url}/admin/api/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token }),
        });
      expect((await attempt('wrong-token-1234567')).status).toBe(401);
      expect((await attempt(ADMIN_TOKEN)).status).toBe(200);
      const limited = await attempt(ADMIN_TOKEN);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });
});
