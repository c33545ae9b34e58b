import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateKeyPair, signToken } from '@finum-sync/client/node';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type BrowserSession, hasChromium, launchBrowser, withPage } from '../helpers/browser.js';
import { CLI } from '../helpers/serve-process.js';
import { fetchParsed, startTestServer, type TestServer } from '../helpers/server.js';

const ADMIN_TOKEN = 'web-test-admin-token-0123456789';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

const FORM = {
  company: 'Acme Broker GmbH',
  contactName: 'Anna Huber',
  email: 'anna.huber@acme-broker.example',
  phone: '+43 1 234 5678',
  website: 'https://acme-broker.example',
  intendedUse: 'Our broker CRM syncs the contracts of about 2,000 clients every night.',
  callbackUrl: 'http://127.0.0.1:9/finum/callbacks',
};

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let counter = 0;
/** A company name no other test uses (the admin pages list every application). */
const uniqueCompany = (what: string) => `${what} ${process.pid}-${++counter} GmbH`;

async function fillForm(page: Page, fields: Partial<typeof FORM>) {
  for (const [name, value] of Object.entries(fields)) await page.locator(`#${name}`).fill(value);
}

/** Submits the form on the page and returns the status link's token. */
async function submitForm(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Submit application' }).click();
  await page.getByRole('heading', { name: 'Application received' }).waitFor();
  const link = await page.locator('#status-link').getAttribute('href');
  expect(link).toMatch(/\/onboarding\/status#[A-Za-z0-9_-]{43}$/);
  expect(await page.locator('#status-url').inputValue()).toBe(link);
  return new URL(link!).hash.slice(1);
}

async function signInAsAdmin(session: BrowserSession) {
  await session.goto('/admin/');
  await session.page.getByLabel('Admin token').fill(ADMIN_TOKEN);
  await session.page.getByRole('button', { name: 'Sign in' }).click();
  await session.page.getByRole('heading', { name: 'Applications' }).waitFor();
}

/** The card of an application on /admin/. */
const applicationCard = (page: Page, company: string) =>
  page.locator('article', { has: page.getByRole('heading', { name: company }) });

describe.skipIf(!hasChromium).each(inject('dialects'))('/onboarding/ in Chromium (%s)', (dialect) => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startTestServer({ dialect, env: { ADMIN_TOKEN, ONBOARDING_RATE_LIMIT: '1000' } }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const api = (path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
    fetchParsed(`${server.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  const pendingId = async (company: string) =>
    (await api('/admin/api/applications?status=pending', { headers: admin })).body.find(
      (a: { company: string }) => a.company === company,
    ).id as string;
  const authStatus = async (payload: Record<string, unknown>, privateKey: string) =>
    api('/v1/auth-status', { headers: { authorization: `Bearer ${await signToken({ payload, privateKey })}` } });

  it('a key pair generated in the browser, approved in /admin/, authenticates against the API', async () => {
    const company = uniqueCompany('Browser Key');
    const consumerId = `browser-key-${dialect}`;
    await withPage(browser, server.url, async (session, page) => {
      const sent: string[] = [];
      page.on('request', (r) => sent.push(`${r.url()}\n${r.postData() ?? ''}`));
      await session.goto('/onboarding/');
      await fillForm(page, { ...FORM, company });
      expect(await page.locator('#key-browser').isChecked()).toBe(true);
      await page.getByRole('button', { name: 'Generate key pair' }).click();
      await expect.poll(() => page.locator('#publicKey').inputValue()).toContain('-----BEGIN PUBLIC KEY-----');
      const download = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Download the private key' }).click();
      const file = await download;
      expect(file.suggestedFilename()).toBe('finum-sync-private-key.pem');
      const privateKey = await readFile((await file.path())!, 'utf8');
      expect(privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      await session.screenshot('onboarding');

      const token = await submitForm(page);
      await session.screenshot('onboarding-received');
      // The private key never left the browser.
      expect(sent.join('\n')).not.toContain('PRIVATE KEY');
      const submitted = sent.find((r) => r.includes('/onboarding/api/applications'))!;
      expect(submitted).toContain('"keySource":"browser"');
      expect(submitted).toContain('BEGIN PUBLIC KEY');

      await session.goto(`/onboarding/status#${token}`);
      await page.getByText('Your application is waiting for review').waitFor();
      await session.screenshot('status-pending');

      // An administrator approves it in /admin/.
      await signInAsAdmin(session);
      const card = applicationCard(page, company);
      await card.getByLabel('Consumer id').fill(consumerId);
      await session.screenshot('admin-applications');
      await card.getByRole('button', { name: 'Approve' }).click();
      await page.getByText(`Approved: consumer ${consumerId} is registered.`).waitFor();

      await session.goto(`/onboarding/status#${token}`);
      await page.getByText('Your application was approved').waitFor();
      const payload = JSON.parse(await page.locator('#jwt-payload').inputValue());
      expect(payload).toEqual({ sub: consumerId, aud: server.config.publicUrl });
      expect(await page.locator('#callback-secret').inputValue()).toMatch(/^whsec_/);
      await page.getByText('Sign your tokens with the private key you downloaded').waitFor();
      expect(await page.locator('#private-key').count()).toBe(0);
      await session.screenshot('status-approved');

      const status = await authStatus(payload, privateKey);
      expect(status.status).toBe(200);
      expect(status.body.consumerId).toBe(consumerId);

      // The status page's commands run as shown (the CLI of this checkout for `npx finum-sync`),
      // beside the key file the page downloaded, and the first call answers for this consumer.
      const snippet = await page.locator('#first-call').inputValue();
      expect(snippet).toContain(`--payload '${JSON.stringify(payload)}'`);
      expect(snippet).toContain(`${server.url}/v1/auth-status`);
      expect(await page.getByRole('link', { name: `${server.url}/v1/docs/` }).getAttribute('href')).toBe('/v1/docs/');
      const cwd = mkdtempSync(join(tmpdir(), 'finum-first-call-'));
      try {
        writeFileSync(join(cwd, 'finum-sync-private-key.pem'), privateKey);
        // Not execFileSync: the server answering the curl runs in this process.
        const { stdout: firstCall } = await promisify(execFile)(
          'bash',
          ['-euo', 'pipefail', '-c', snippet.replaceAll('npx finum-sync', `node ${CLI}`)],
          { cwd, encoding: 'utf8', timeout: 60_000 },
        );
        expect(JSON.parse(firstCall)).toMatchObject({ authenticated: true, consumerId });
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
      // The standing callback URL of the form is the consumer's.
      expect((await server.store.consumer(consumerId))?.callbackUrl).toBe(FORM.callbackUrl);
    });
  });

  it('a status link that is cut short or unknown: the page says so in plain words', async () => {
    await withPage(browser, server.url, async (session, page) => {
      session.expectHttpError('/onboarding/api/application-status', 400);
      session.expectHttpError('/onboarding/api/application-status', 404);
      for (const hash of ['abc', 'x'.repeat(43)]) {
        await session.goto(`/onboarding/status#${hash}`);
        const message = page.locator('#status-message');
        await expect.poll(() => message.textContent()).toContain('This status link is not complete or not known');
        expect(await message.textContent()).not.toMatch(/43-character|token|body|field/i);
      }
    });
  });

  it('no consumer page links to the back office', async () => {
    await withPage(browser, server.url, async (session, page) => {
      session.expectHttpError('/onboarding/api/application-status', 400);
      for (const path of ['/', '/onboarding/', '/onboarding/status#abc', '/v1/docs/']) {
        await session.goto(path);
        await page.locator('footer, .finum-docs-header').first().waitFor();
        expect(await page.locator('a[href*="/admin"]').count(), path).toBe(0);
      }
    });
  });

  it('a key pair left to the provider: the status page shows the private key once, a reload no more', async () => {
    const company = uniqueCompany('Provider Key');
    const consumerId = `provider-key-${dialect}`;
    await withPage(browser, server.url, async (session, page) => {
      await session.goto('/onboarding/');
      await fillForm(page, { ...FORM, company, callbackUrl: '' });
      await page.getByLabel('Let the provider generate the pair').check();
      expect(await page.locator('#publicKey').isVisible()).toBe(false);

      // Double submission: the button is disabled while the first request runs, and the
      // request carries an idempotency key.
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const submissions: Array<Record<string, string>> = [];
      await page.route('**/onboarding/api/applications', async (route) => {
        submissions.push(route.request().headers());
        await held;
        await route.continue();
      });
      await page.getByRole('button', { name: 'Submit application' }).click();
      await expect.poll(() => submissions.length).toBe(1);
      expect(await page.locator('#submit').isDisabled()).toBe(true);
      await page.locator('#application-form').evaluate((form: HTMLFormElement) => form.requestSubmit());
      release();
      await page.getByRole('heading', { name: 'Application received' }).waitFor();
      expect(submissions).toHaveLength(1);
      expect(submissions[0]!['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
      const token = new URL((await page.locator('#status-link').getAttribute('href'))!).hash.slice(1);

      const approved = await api(`/admin/api/applications/${await pendingId(company)}/approve`, {
        method: 'POST',
        headers: admin,
        body: { consumerId },
      });
      expect(approved.status).toBe(200);
      expect(approved.body.credentials.payload).toEqual({ sub: consumerId, aud: server.config.publicUrl });

      await session.goto(`/onboarding/status#${token}`);
      await page.getByRole('heading', { name: 'Your private key — shown only this once' }).waitFor();
      await page.getByText('It has now been deleted from the provider’s database.').waitFor();
      const privateKey = await page.locator('#private-key').inputValue();
      expect(privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      const download = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Download the private key' }).click();
      expect(await readFile((await (await download).path())!, 'utf8')).toBe(privateKey);
      await session.screenshot('status-private-key');
      const payload = JSON.parse(await page.locator('#jwt-payload').inputValue());
      expect((await authStatus(payload, privateKey)).status).toBe(200);
      const stored = await server.store.findApplication({ statusTokenHash: sha256(token) });
      expect(stored?.privateKey).toBeNull();
      expect(stored?.privateKeyShownMs).toEqual(expect.any(Number));

      await page.reload();
      await page.locator('#private-key-gone').waitFor();
      expect(await page.locator('#private-key').count()).toBe(0);
      expect(await page.locator('#private-key-gone').textContent()).toContain('cannot be shown again');
      await session.screenshot('status-private-key-gone');
    });
  });

  it('a rejected application shows the reason on its status page', async () => {
    const company = uniqueCompany('Rejected');
    const reason = 'We work only with brokers licensed in Austria; please send us your licence number.';
    const submitted = await api('/onboarding/api/applications', {
      method: 'POST',
      body: { ...FORM, company, keySource: 'pasted', publicKey: generateKeyPair('EdDSA').publicKey },
    });
    expect(submitted.status).toBe(201);
    await withPage(browser, server.url, async (session, page) => {
      await signInAsAdmin(session);
      const card = applicationCard(page, company);
      await card.getByLabel('Reason for rejecting').fill(reason);
      await card.getByRole('button', { name: 'Reject' }).click();
      await page.getByText(`Rejected the application of ${company}.`).waitFor();

      await session.goto(`/onboarding/status#${submitted.body.statusToken}`);
      await page.getByText('Your application was rejected.').waitFor();
      expect(await page.locator('#rejection-reason').textContent()).toBe(reason);
      await session.screenshot('status-rejected');
    });
    // Decided once: approving it now is a conflict.
    const again = await api(`/admin/api/applications/${submitted.body.applicationId}/approve`, {
      method: 'POST',
      headers: admin,
      body: { consumerId: 'too-late' },
    });
    expect(again.status).toBe(409);
  });

  it('shows a message per bad field, and the server refuses the same input with the same messages', async () => {
    const bad = {
      company: 'Acme',
      contactName: 'Anna Huber',
      email: 'anna.huber',
      phone: 'call me',
      website: 'acme',
      intendedUse: 'CRM sync',
      callbackUrl: 'ftp://crm.example/callbacks',
    };
    await withPage(browser, server.url, async (session, page) => {
      await session.goto('/onboarding/');
      await page.getByRole('button', { name: 'Submit application' }).click();
      const messageOf = (field: string) => page.locator(`#${field}-error`).textContent();
      await page.locator('#company-error').filter({ hasText: /./ }).waitFor();
      expect(await messageOf('company')).toBe('Company is required.');
      expect(await messageOf('email')).toBe('Email is required.');
      expect(await messageOf('intendedUse')).toBe('Intended use is required.');
      expect(await messageOf('website')).toBe('');
      expect(await messageOf('publicKey')).toBe('Public key is missing: click “Generate key pair” first.');
      // The first invalid field has the focus.
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('company');

      await fillForm(page, bad);
      await page.getByLabel('Paste my own public key').check();
      await page.locator('#publicKey').fill(generateKeyPair('ES256').privateKey);
      await page.getByRole('button', { name: 'Submit application' }).click();
      await page.locator('#email-error').filter({ hasText: /./ }).waitFor();
      const shown: Record<string, string> = {};
      for (const field of ['email', 'phone', 'website', 'intendedUse', 'callbackUrl', 'publicKey']) {
        shown[field] = (await messageOf(field))!;
        expect(await page.locator(`#${field}`).getAttribute('aria-invalid'), field).toBe('true');
      }
      expect(await messageOf('company')).toBe('');
      expect(shown).toEqual({
        email: 'Email must be an email address such as name@example.com.',
        phone: 'Phone must be a phone number such as +43 1 234 5678.',
        website: 'Website must be a web address such as https://example.com.',
        intendedUse: 'Intended use must be at least 20 characters.',
        callbackUrl: 'Standing callback URL must be an https URL.',
        publicKey: 'Public key must be the public key: never paste your private key.',
      });
      await session.screenshot('onboarding-errors');

      // The server checks every field too, with the same messages.
      const refused = await api('/onboarding/api/applications', {
        method: 'POST',
        body: { ...bad, keySource: 'pasted', publicKey: generateKeyPair('ES256').privateKey },
      });
      expect(refused.status).toBe(400);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(refused.body.type).toBe('urn:finum-sync:problem:invalid-body');
      const labels: Record<string, string> = {
        email: 'Email',
        phone: 'Phone',
        website: 'Website',
        intendedUse: 'Intended use',
        callbackUrl: 'Standing callback URL',
      };
      const serverSaid = Object.fromEntries(
        refused.body.errors.map((e: { field: string; message: string }) => [e.field, e.message]),
      );
      for (const [field, label] of Object.entries(labels)) {
        expect(`${label} ${serverSaid[field]}.`, field).toBe(shown[field]);
      }
      expect(serverSaid.publicKey).toMatch(/private key/i);

      // What only the server can tell (the callback URL's address, the key itself) appears under its field.
      session.expectHttpError('/onboarding/api/applications', 400);
      await fillForm(page, { ...FORM, callbackUrl: 'http://169.254.169.254/latest/meta-data' });
      const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
      await page.locator('#publicKey').fill(weak.publicKey.export({ type: 'spki', format: 'pem' }).toString());
      await page.getByRole('button', { name: 'Submit application' }).click();
      await page.locator('#callbackUrl-error').filter({ hasText: /./ }).waitFor();
      expect(await messageOf('callbackUrl')).toBe(
        'Standing callback URL 169.254.169.254 is a link-local, unspecified or reserved address.',
      );
      expect(await messageOf('publicKey')).toBe('Public key RSA keys need at least 2048 bits; this one has 1024.');
      expect(await page.locator('#submit').isEnabled()).toBe(true);
    });
  });
});

describe.each(inject('dialects'))('the onboarding API (%s)', (dialect) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { ADMIN_TOKEN, ONBOARDING_RATE_LIMIT: '1000' } });
  });
  afterAll(async () => server?.close());

  const submit = (body: unknown, headers: Record<string, string> = {}) =>
    fetchParsed(`${server.url}/onboarding/api/applications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const status = (token: unknown) =>
    fetchParsed(`${server.url}/onboarding/api/application-status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
  const form = () => ({ ...FORM, company: uniqueCompany('API'), keySource: 'provider' });

  it('keeps only the hash of the status token, and never caches the answers', async () => {
    const receipt = await submit(form());
    expect(receipt.status).toBe(201);
    expect(receipt.body).toMatchObject({
      status: 'pending',
      applicationId: expect.stringMatching(/^app_[a-f0-9]{24}$/),
    });
    expect(receipt.body.statusUrl).toBe(`${server.config.publicUrl}/onboarding/status#${receipt.body.statusToken}`);
    expect(Buffer.from(receipt.body.statusToken, 'base64url')).toHaveLength(32);
    expect(receipt.headers.get('cache-control')).toBe('no-store');
    const stored = (await server.store.findApplication({ id: receipt.body.applicationId }))!;
    expect(stored.statusTokenHash).toBe(sha256(receipt.body.statusToken));
    expect(JSON.stringify(stored)).not.toContain(receipt.body.statusToken);

    const seen = await status(receipt.body.statusToken);
    expect(seen.status).toBe(200);
    expect(seen.headers.get('cache-control')).toBe('no-store');
    expect(seen.body).toMatchObject({ status: 'pending', credentials: null, privateKey: null });
    expect((await status('A'.repeat(43))).status).toBe(404);
    const malformed = await status('short');
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors).toEqual([{ field: 'token', message: expect.any(String) }]);
  });

  it('refuses a filled-in honeypot and unknown fields', async () => {
    const spam = await submit({ ...form(), homepage: 'https://cheap-pills.example' });
    expect(spam.status).toBe(400);
    expect(spam.body.errors).toEqual([{ field: 'homepage', message: 'must be left empty' }]);
    const unknown = await submit({ ...form(), fax: '123' });
    expect(unknown.body.errors).toEqual([{ field: 'fax', message: 'is not a known field' }]);
    const noKey = await submit({ ...form(), keySource: 'pasted' });
    expect(noKey.body.errors).toEqual([{ field: 'publicKey', message: expect.stringMatching(/^is required/) }]);
  });

  it('answers a repeated submission with the first receipt (same link); another form with the key is a 422', async () => {
    const body = form();
    const key = { 'idempotency-key': `form-${dialect}-${Date.now()}` };
    const first = await submit(body, key);
    const again = await submit(body, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await status(first.body.statusToken)).status).toBe(200);
    const other = await submit({ ...body, contactName: 'Someone Else' }, key);
    expect(other.status).toBe(422);
    const all = await fetchParsed(`${server.url}/admin/api/applications`, { headers: admin });
    expect(all.body.filter((a: { company: string }) => a.company === body.company)).toHaveLength(1);
  });
});

describe('onboarding spam protection (sqlite)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { ONBOARDING_RATE_LIMIT: '2' } });
  });
  afterAll(async () => server?.close());

  it('limits submissions per client address, refused ones included', async () => {
    const post = (body: unknown) =>
      fetchParsed(`${server.url}/onboarding/api/applications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post({ company: '' })).status).toBe(400);
    expect((await post({ ...FORM, keySource: 'provider' })).status).toBe(201);
    const limited = await post({ ...FORM, keySource: 'provider' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
