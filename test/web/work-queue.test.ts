import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { adminApi, consumerApi, fileForm, seedBasics } from '../helpers/api.js';
import { backOfficeRig } from '../helpers/back-office.js';
import { hasChromium, withPage } from '../helpers/browser.js';
import { CallbackReceiver } from '../helpers/callback-receiver.js';
import { verifiedPayload } from '../helpers/callbacks.js';
import { sha256, uniquePdf } from '../helpers/documents.js';

/**
 * Issue 15 item 4: the back office page for daily work — the queue of contracts waiting for the
 * provider (answered with a status, a note and the document), the record view, redelivery of
 * a failed callback — driven in a real Chromium against a real server process, by keyboard and
 * by the accessible names a screen reader announces.
 */

const ADMIN_TOKEN = 'web-queue-admin-token-0123456789';

async function signIn(page: Page) {
  await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Applications' }).waitFor();
}

describe.skipIf(!hasChromium).each(inject('dialects'))('/admin/ for daily work in Chromium (%s)', (dialect) => {
  const rig = backOfficeRig(dialect, { ADMIN_TOKEN, CALLBACK_RETRY_BASE_MS: '50', USAGE_FLUSH_MS: '50' });

  it('answers a proposal request from the queue: status, note and PDF; the record changed and the consumer was called back', async () => {
    const consumer = await rig.server.addConsumer(`queue-${dialect}`);
    const api = consumerApi(rig.server, consumer);
    const basics = await seedBasics(rig.server, consumer);
    const created = await api.post('/v1/contract', {
      holderId: basics.clientId,
      productId: basics.productId,
      status: 120,
      callbackUrl: rig.receiver.url,
    });
    expect(created.status, created.text).toBe(201);
    const contractId = created.body.id as string;
    const pdf = uniquePdf();

    await withPage(rig.browser, rig.server.url, async (session, page) => {
      await session.goto('/admin/');
      await signIn(page);
      await page.getByRole('link', { name: 'Work queue' }).click();
      const card = page.getByRole('article', { name: new RegExp(contractId) });
      await card.waitFor();
      const form = card.getByRole('form', { name: `Answer contract ${contractId}` });
      expect(await form.getByLabel('Next status').inputValue()).toBe('130');
      await form.getByLabel('Note to the consumer').fill('Your proposal, valid for 30 days.');
      await form.getByLabel('Proposal document (PDF)').setInputFiles({
        name: 'proposal.pdf',
        mimeType: 'application/pdf',
        buffer: Buffer.from(pdf),
      });
      // By keyboard: focus the answer button and press Enter.
      await form.getByRole('button', { name: `Answer ${contractId}` }).focus();
      await page.keyboard.press('Enter');
      await page.getByText(`Contract ${contractId} is at 130 now`).waitFor();
      // The answered contract leaves the queue; the result is announced where focus went.
      await card.waitFor({ state: 'detached' });
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('admin-message');
      await session.screenshot('admin-work-queue');
    });

    // The record changed, as the consumer sees it.
    const contract = (await api.get(`/v1/contract-list?id-list=${contractId}`)).body[0];
    expect(contract).toMatchObject({ status: 130, statusNote: 'Your proposal, valid for 30 days.' });
    expect(contract.fileIdList).toHaveLength(1);
    expect(contract.proposalFileId).toBe(contract.fileIdList[0]);
    const file = (await api.get(`/v1/file-list?id-list=${contract.proposalFileId}`)).body[0];
    expect(file).toMatchObject({ category: 'proposal', mimeType: 'application/pdf', sha256: sha256(pdf) });
    const download = await fetch(`${rig.server.url}/v1/file-download?id=${file.id}`, {
      headers: await consumer.headers(),
    });
    expect(sha256(new Uint8Array(await download.arrayBuffer()))).toBe(sha256(pdf));

    // The consumer's one-shot callback fired, signed.
    const callback = await rig.receiver.next();
    expect(verifiedPayload(callback, consumer.callbackSecret)).toMatchObject({
      contractId,
      status: 130,
      previousStatus: 120,
      changedBy: 'provider',
    });

    // Both actions are in the audit trail, by the page's session.
    const audit = await adminApi(rig.server, ADMIN_TOKEN).get(`/admin/api/audit?target-id=${contractId}`);
    expect(audit.body.map((e: { action: string; actor: { kind: string } }) => [e.action, e.actor.kind])).toEqual([
      ['contract.status-set', 'session'],
      ['contract.file-attached', 'session'],
    ]);
  });

  it('shows a record by id and a client by its externalId, with a contract’s files', async () => {
    const consumer = await rig.server.addConsumer(`lookup-${dialect}`);
    const api = consumerApi(rig.server, consumer);
    const client = await api.post('/v1/client', { type: 'person', lastName: 'Lookup', externalId: 'CRM-77' });
    expect(client.status, client.text).toBe(201);
    const basics = await seedBasics(rig.server, consumer);
    const contractId = (await api.post('/v1/contract', { holderId: basics.clientId, productId: basics.productId })).body
      .id as string;
    const attached = await adminApi(rig.server, ADMIN_TOKEN).send('POST', `/admin/api/contracts/${contractId}/files`, {
      body: fileForm({ bytes: uniquePdf(), type: 'application/pdf', name: 'policy.pdf' }, { category: 'policy' }),
    });
    expect(attached.status, attached.text).toBe(201);
    const fileId = attached.body.file.id as string;

    await withPage(rig.browser, rig.server.url, async (session, page) => {
      await session.goto('/admin/');
      await signIn(page);
      await page.getByRole('link', { name: 'Find a record' }).click();
      // Nothing typed: the form says what is missing, on the field.
      await page.getByRole('button', { name: 'Show record' }).click();
      await page.getByText('Record id is required.').waitFor();
      expect(await page.getByLabel('Record id').getAttribute('aria-invalid')).toBe('true');

      await page.getByLabel('Owning consumer').fill(consumer.id);
      await page.getByLabel('Client externalId').fill('CRM-77');
      await page.getByLabel('Client externalId').press('Enter');
      const heading = page.getByRole('heading', { name: `Client ${client.body.id}` });
      await heading.waitFor();
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(`Client ${client.body.id}`);
      await page.getByText(`"lastName": "Lookup"`).waitFor();

      await page.getByLabel('Type').selectOption('contract');
      await page.getByLabel('Record id').fill(contractId);
      await page.getByLabel('Record id').press('Enter');
      await page.getByRole('heading', { name: `Contract ${contractId}` }).waitFor();
      await page.getByRole('heading', { name: 'Files' }).waitFor();
      await page.getByText(`${fileId} policy.pdf (policy,`).waitFor();

      session.expectHttpError('/admin/api/records/client/no-such-client', 404);
      await page.getByLabel('Type').selectOption('client');
      await page.getByLabel('Record id').fill('no-such-client');
      await page.getByLabel('Record id').press('Enter');
      await page.getByText("No client 'no-such-client'.").waitFor();
    });
  });

  it('delivers a failed callback again from the deliveries view; the redelivery is audited', async () => {
    const consumer = await rig.server.addConsumer(`redeliver-${dialect}`);
    const api = consumerApi(rig.server, consumer);
    const basics = await seedBasics(rig.server, consumer);
    const admin = adminApi(rig.server, ADMIN_TOKEN);
    // A receiver that answers 410: the delivery is `gone` after one attempt.
    const gone = await new CallbackReceiver().start();
    gone.status = 410;
    try {
      const created = await api.post('/v1/contract', {
        holderId: basics.clientId,
        productId: basics.productId,
        status: 120,
        callbackUrl: gone.url,
      });
      const contractId = created.body.id as string;
      expect((await admin.post(`/admin/api/contracts/${contractId}/status`, { status: 130 })).status).toBe(200);
      await gone.next();
      const deliveries = async () => (await admin.get(`/admin/api/deliveries?contract-id=${contractId}`)).body;
      await expect.poll(async () => (await deliveries())[0]?.state).toBe('gone');
      const { webhookId } = (await deliveries())[0];
      gone.status = 204;

      await withPage(rig.browser, rig.server.url, async (session, page) => {
        await session.goto('/admin/');
        await signIn(page);
        await page.getByRole('link', { name: 'Callback deliveries' }).click();
        await page.getByLabel('Consumer id').fill(consumer.id);
        await page.getByRole('button', { name: 'Show' }).click();
        await page.getByRole('button', { name: `Deliver ${webhookId} again` }).click();
        await page.getByText(`Delivery ${webhookId} is queued again`).waitFor();
      });
      // The same webhook-id arrives again, and this time it is delivered.
      const again = await gone.next();
      expect(again.headers['webhook-id']).toBe(webhookId);
      await expect.poll(async () => (await deliveries())[0]?.state).toBe('delivered');
      const audit = await admin.get(`/admin/api/audit?target-id=${webhookId}`);
      expect(audit.body).toMatchObject([{ action: 'delivery.redelivered', detail: { stateBefore: 'gone' } }]);
      // Only a finished delivery is delivered again.
      const refused = await admin.post(`/admin/api/deliveries/${webhookId}/redeliver`);
      expect(refused.status).toBe(409);
    } finally {
      await gone.stop();
    }
  });

  it('shows each consumer’s usage: requests, error answers, last seen', async () => {
    const consumer = await rig.server.addConsumer(`usage-${dialect}`);
    const api = consumerApi(rig.server, consumer);
    for (let i = 0; i < 3; i++) expect((await api.get('/v1/auth-status')).status).toBe(200);
    expect((await api.get('/v1/contract-list?id-list=%20')).status).toBe(400);
    const admin = adminApi(rig.server, ADMIN_TOKEN);
    const usage = async () =>
      (await admin.get('/admin/api/consumers')).body.find((c: { id: string }) => c.id === consumer.id)?.usage;
    // Each process adds its counts every USAGE_FLUSH_MS (50 ms here).
    await expect.poll(usage).toMatchObject({ requests: 4, errors: 1 });
    expect(Date.parse((await usage()).lastSeenAt)).toBeGreaterThan(Date.now() - 60_000);

    await withPage(rig.browser, rig.server.url, async (session, page) => {
      await session.goto('/admin/');
      await signIn(page);
      await page.getByRole('link', { name: 'Consumers' }).click();
      const card = page.getByRole('article', { name: new RegExp(consumer.id) });
      await card.getByText('4 (1 answered with an error)').waitFor();
    });
  });
});
