import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiCaller, adminApi, consumerApi, expectProblem, TEST_ADMIN_TOKEN } from '../helpers/api.js';
import { CallbackReceiver } from '../helpers/callback-receiver.js';
import { deliveriesOf, verifiedPayload } from '../helpers/callbacks.js';
import { refusedWithoutTrace } from '../helpers/db-dump.js';
import { startTestServer, type TestConsumer, type TestServer } from '../helpers/server.js';

/**
 * The provider's NDJSON import (`POST /admin/api/records`): counts, merges, tombstones,
 * callbacks for changed statuses, line-numbered errors with nothing half-applied, and
 * its throughput.
 */
type Line = Record<string, unknown>;
const ndjson = (lines: Line[]) => `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;

describe.each(inject('dialects'))('records import (%s)', (dialect) => {
  let server: TestServer;
  let admin: ApiCaller;
  let acme: TestConsumer;
  let api: ApiCaller;
  let receiver: CallbackReceiver;

  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { ADMIN_TOKEN: TEST_ADMIN_TOKEN, CALLBACK_RETRY_BASE_MS: '20' } });
    admin = adminApi(server);
    acme = await server.addConsumer('acme');
    api = consumerApi(server, acme);
    await server.addConsumer('other');
    receiver = await new CallbackReceiver().start();
    await server.store.transaction(async (tx) => {
      const row = (await tx.getConsumer('acme'))!;
      await tx.putConsumer({ ...row, callbackUrl: receiver.url });
    });
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.stop();
  });

  const importLines = (lines: Line[] | string) =>
    admin.send('POST', '/admin/api/records', {
      body: typeof lines === 'string' ? lines : ndjson(lines),
      headers: { 'content-type': 'application/x-ndjson' },
    });
  const record = async (type: string, id: string) => (await api.get(`/v1/${type}-list?id-list=${id}`)).body[0];

  const product = {
    recordType: 'product',
    id: 'p-imp',
    name: 'Hausrat Plus',
    category: 'property',
    requiredFields: [],
  };
  const clientLine = {
    recordType: 'client',
    id: 'cl-imp',
    consumerId: 'acme',
    type: 'person',
    lastName: 'Import',
    city: 'Graz',
  };
  const userLine = { recordType: 'user', id: 'u-imp', consumerId: 'acme', lastName: 'Berater', role: 'advisor' };
  const contractLine = {
    recordType: 'contract',
    id: 'ct-imp',
    consumerId: 'acme',
    holderId: 'cl-imp',
    productId: 'p-imp',
    status: 320,
    contractNumber: 'POL-1',
  };

  it('creates, updates, keeps unchanged records and deletes, and says how many', async () => {
    const created = await importLines([product, clientLine, userLine, contractLine]);
    expect(created.status, created.text).toBe(200);
    expect(created.body).toEqual({ lines: 4, created: 4, updated: 0, unchanged: 0, deleted: 0, statusChanges: 0 });
    expect(await record('client', 'cl-imp')).toMatchObject({ lastName: 'Import', city: 'Graz', version: 1 });
    expect(await record('contract', 'ct-imp')).toMatchObject({ status: 320, contractNumber: 'POL-1', fileIdList: [] });
    expect(await record('product', 'p-imp')).toMatchObject({ name: 'Hausrat Plus', active: true });
    expect(await record('user', 'u-imp')).toMatchObject({ lastName: 'Berater', active: true });

    const again = await importLines([product, clientLine, userLine, contractLine]);
    expect(again.body).toEqual({ lines: 4, created: 0, updated: 0, unchanged: 4, deleted: 0, statusChanges: 0 });
    expect((await record('client', 'cl-imp')).version).toBe(1);

    const changed = await importLines([
      product,
      { recordType: 'client', id: 'cl-imp', consumerId: 'acme', city: null, _segment: 'A' },
    ]);
    expect(changed.body).toEqual({ lines: 2, created: 0, updated: 1, unchanged: 1, deleted: 0, statusChanges: 0 });
    expect(await record('client', 'cl-imp')).toMatchObject({
      city: null,
      lastName: 'Import',
      _segment: 'A',
      version: 2,
    });

    const removed = await importLines([{ recordType: 'user', id: 'u-imp', consumerId: 'acme', deleted: true }]);
    expect(removed.body).toMatchObject({ deleted: 1, updated: 0 });
    expect(await record('user', 'u-imp')).toMatchObject({ deleted: true, version: 2 });
    expect((await api.get('/v1/user-id-list-updated')).body).toContain('u-imp');
  });

  it('sends the callbacks of a changed contract status, and none for an unchanged one', async () => {
    const before = (await deliveriesOf(admin, 'ct-imp')).length;
    const same = await importLines([{ ...contractLine, contractNumber: 'POL-1-A' }]);
    expect(same.body).toMatchObject({ updated: 1, statusChanges: 0 });
    expect(await deliveriesOf(admin, 'ct-imp')).toHaveLength(before);

    const ended = await importLines([{ ...contractLine, status: 410, endReason: 'Cancelled' }]);
    expect(ended.body).toMatchObject({ updated: 1, statusChanges: 1 });
    const payload = verifiedPayload(await receiver.next(), acme.callbackSecret);
    const contract = await record('contract', 'ct-imp');
    expect(payload).toEqual({
      type: 'contract.status-changed',
      contractId: 'ct-imp',
      status: 410,
      previousStatus: 320,
      changedBy: 'provider',
      occurredAt: contract.statusChangedAt,
    });
    expect(contract).toMatchObject({ status: 410, endReason: 'Cancelled' });
  });

  /** 1,500 lines: clients and contracts of acme, updates of existing ones, a status change. */
  function bigImport(): Line[] {
    const lines: Line[] = [];
    for (let i = 1; i <= 750; i++) {
      lines.push({ recordType: 'client', id: `cl-big-${i}`, consumerId: 'acme', type: 'person', lastName: `Big ${i}` });
      lines.push({
        recordType: 'contract',
        id: `ct-big-${i}`,
        consumerId: 'acme',
        holderId: `cl-big-${i}`,
        productId: 'p-imp',
        status: 320,
      });
    }
    lines[9] = { ...contractLine, status: 420, endReason: 'Fraud' };
    lines[10] = { ...clientLine, city: 'Linz' };
    return lines;
  }

  it('reports every bad line with its number and applies nothing (line 500 bad)', async () => {
    const lines = bigImport();
    lines[499] = {
      recordType: 'contract',
      id: 'ct-bad',
      consumerId: 'acme',
      holderId: 'cl-imp',
      productId: 'p-imp',
      status: 999,
    };
    const refused = await refusedWithoutTrace(server.db, () => importLines(lines));
    expectProblem(refused, 400, 'invalid-body');
    expect(refused.body.errorCount).toBe(1);
    expect(refused.body.errors).toEqual([expect.objectContaining({ line: 500, field: 'status' })]);
    expect(refused.body.detail).toMatch(/line 500/);
    expect(refused.body.detail).toMatch(/nothing was applied/);
  });

  it('lists several kinds of line errors at once', async () => {
    const lines: Array<Line | string> = bigImport();
    lines[2] = '{"recordType":"client",';
    lines[3] = { recordType: 'file', id: 'f-1' };
    lines[4] = { recordType: 'client', id: 'cl-x', consumerId: 'nobody', lastName: 'X' };
    lines[5] = { ...clientLine, nickname: 'N' };
    lines[6] = { recordType: 'client', id: 'cl-y', lastName: 'Y' };
    const text = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');
    const refused = await refusedWithoutTrace(server.db, () => importLines(text));
    expectProblem(refused, 400, 'invalid-body');
    const byLine = (refused.body.errors as Array<{ line: number; field: string }>).map((e) => [e.line, e.field]);
    expect(byLine).toEqual([
      [3, ''],
      [4, 'recordType'],
      [5, 'consumerId'],
      [6, 'nickname'],
      [7, 'consumerId'],
    ]);
  });

  it('applies nothing when a line fails while the import is applied (line 1,200)', async () => {
    const lines = bigImport();
    // Valid on its own; only applying it shows that a new contract lacks its holder.
    lines[1199] = { recordType: 'contract', id: 'ct-no-holder', consumerId: 'acme', productId: 'p-imp', status: 320 };
    const refused = await refusedWithoutTrace(server.db, () => importLines(lines));
    expectProblem(refused, 400, 'invalid-body');
    expect(refused.body.errors).toEqual([expect.objectContaining({ line: 1200, field: 'holderId' })]);

    const stolen = bigImport();
    stolen[1299] = { recordType: 'client', id: 'cl-imp', consumerId: 'other', lastName: 'Taken' };
    const refusedToo = await refusedWithoutTrace(server.db, () => importLines(stolen));
    expectProblem(refusedToo, 400, 'invalid-body');
    expect(refusedToo.body.errors).toEqual([expect.objectContaining({ line: 1300, field: 'consumerId' })]);
  });

  it("keeps references within the consumer: another consumer's client is refused by line, nothing applied", async () => {
    const othersClient = {
      recordType: 'client',
      id: 'cl-of-other',
      consumerId: 'other',
      type: 'person',
      lastName: 'O',
    };
    expect((await importLines([othersClient])).status).toBe(200);
    const refused = await refusedWithoutTrace(server.db, () =>
      importLines([
        { ...contractLine, id: 'ct-cross', holderId: 'cl-of-other' },
        { ...contractLine, id: 'ct-cross-2', productId: 'p-missing' },
      ]),
    );
    expectProblem(refused, 400, 'invalid-body');
    expect(refused.body.errors).toEqual([
      expect.objectContaining({ line: 1, field: 'holderId' }),
      expect.objectContaining({ line: 2, field: 'productId' }),
    ]);
  });

  it('accepts a reference to a record further down the same import', async () => {
    const later = { ...clientLine, id: 'cl-later' };
    const imported = await importLines([{ ...contractLine, id: 'ct-forward', holderId: 'cl-later' }, later]);
    expect(imported.status, imported.text).toBe(200);
    expect((await record('contract', 'ct-forward')).holderId).toBe('cl-later');
  });

  it('refuses another content type', async () => {
    const refused = await refusedWithoutTrace(server.db, () => admin.post('/admin/api/records', [contractLine]));
    expectProblem(refused, 415, 'unsupported-media-type');
  });

  it('imports 50,000 records (rate printed)', async () => {
    const bulk = consumerApi(server, await server.addConsumer('bulk'));
    const count = 50_000;
    const lines: Line[] = [];
    for (let i = 0; i < count / 2; i++) {
      lines.push({
        recordType: 'client',
        id: `cl-bulk-${i}`,
        consumerId: 'bulk',
        type: 'person',
        lastName: `Bulk ${i}`,
        externalId: `X-${i}`,
      });
      lines.push({
        recordType: 'contract',
        id: `ct-bulk-${i}`,
        consumerId: 'bulk',
        holderId: `cl-bulk-${i}`,
        productId: 'p-imp',
        status: 320,
        premium: '12.30',
        currency: 'EUR',
      });
    }
    const body = ndjson(lines);
    const started = performance.now();
    const response = await importLines(body);
    const seconds = (performance.now() - started) / 1000;
    expect(response.status, response.text.slice(0, 500)).toBe(200);
    expect(response.body).toMatchObject({ lines: count, created: count });
    const rate = Math.round(count / seconds);
    console.log(
      `records import on ${dialect}: ${count} records (${(body.length / 1e6).toFixed(1)} MB) in ${seconds.toFixed(2)} s = ${rate} records/s`,
    );
    expect((await bulk.get('/v1/contract-id-list-updated')).body).toHaveLength(count / 2);
    expect((await bulk.get('/v1/client-list?external-id=X-777')).body).toMatchObject([{ id: 'cl-bulk-777' }]);
  });
});
