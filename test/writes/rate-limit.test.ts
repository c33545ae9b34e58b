import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiCaller, consumerApi, expectProblem } from '../helpers/api.js';
import { refusedWithoutTrace } from '../helpers/db-dump.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** SPEC §7: a request budget per consumer (`RATE_LIMIT` a minute, `0` off); past it, 429 with Retry-After. */
const LIMIT = 5;

describe.each(inject('dialects'))('request budget (%s)', (dialect) => {
  let limited: TestServer;
  let unlimited: TestServer;

  beforeAll(async () => {
    limited = await startTestServer({ dialect, env: { RATE_LIMIT: String(LIMIT) } });
    unlimited = await startTestServer({ dialect, env: { RATE_LIMIT: '0' } });
  });
  afterAll(async () => {
    await limited?.close();
    await unlimited?.close();
  });

  const write = (api: ApiCaller, i: number) => api.post('/v1/client', { type: 'person', lastName: `Budget ${i}` });

  it('answers 429 with Retry-After past the budget, writing nothing, for that consumer only', async () => {
    const api = consumerApi(limited, await limited.addConsumer('busy'));
    // The window slides: the first LIMIT requests always pass, and at a minute boundary at
    // most two more do before the budget is spent.
    for (let i = 0; i < LIMIT; i++) expect((await write(api, i)).status).toBe(201);
    let refused: Awaited<ReturnType<typeof write>> | undefined;
    for (let i = 0; i < 3 && !refused; i++) {
      const response = await write(api, LIMIT + i);
      if (response.status === 429) refused = response;
    }
    expect(refused, 'no 429 within LIMIT + 3 requests').toBeDefined();
    expectProblem(refused!, 429, 'rate-limited');
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused!.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expectProblem(await refusedWithoutTrace(limited.db, () => write(api, 99)), 429, 'rate-limited');
    expect((await api.get('/v1/auth-status')).status).toBe(429);

    const other = consumerApi(limited, await limited.addConsumer('calm'));
    expect((await write(other, 0)).status).toBe(201);
  });

  it('has no budget with RATE_LIMIT=0', async () => {
    const api = consumerApi(unlimited, await unlimited.addConsumer('busy'));
    const statuses = await Promise.all(Array.from({ length: 40 }, () => api.get('/v1/auth-status')));
    expect(new Set(statuses.map((s) => s.status))).toEqual(new Set([200]));
  });
});
