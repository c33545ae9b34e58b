import { RateLimiter } from '@finum-sync/server/internal';
import { ProblemError } from '@finum-sync/spec';
import { describe, expect, inject, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers/server.js';

const refused = (work: () => void) => {
  try {
    work();
    return undefined;
  } catch (e) {
    return e as ProblemError;
  }
};

describe('RateLimiter', () => {
  it('allows the budget a minute, then answers 429 with Retry-After', async () => {
    let now = 10 * 60_000;
    const limiter = new RateLimiter(3, { clock: () => now });
    for (let i = 0; i < 3; i++) limiter.take('a');
    const error = refused(() => limiter.take('a'));
    expect(error).toBeInstanceOf(ProblemError);
    expect(error?.status).toBe(429);
    expect(Number(error?.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    expect(refused(() => limiter.take('b'))).toBeUndefined();
    // The window slides: a minute and a half later the old requests no longer count.
    now += 90_000;
    expect(refused(() => limiter.take('a'))).toBeUndefined();
  });

  it('shares one budget between limiters through their shared counts', async () => {
    const rows = new Map<string, number>();
    const shared = {
      // An in-memory stand-in for the database table (the PostgreSQL test below uses the real one).
      async syncRateCounts(deltas: { key: string; windowMs: number; delta: number }[], since: number) {
        for (const d of deltas) rows.set(`${d.key}|${d.windowMs}`, (rows.get(`${d.key}|${d.windowMs}`) ?? 0) + d.delta);
        return [...rows]
          .map(([k, count]) => ({ key: k.split('|')[0]!, windowMs: Number(k.split('|')[1]), count }))
          .filter((r) => r.windowMs >= since);
      },
    };
    const now = 5 * 60_000 + 1000;
    const a = new RateLimiter(4, { clock: () => now, shared, syncMs: 3_600_000 });
    const b = new RateLimiter(4, { clock: () => now, shared, syncMs: 3_600_000 });
    a.take('c');
    a.take('c');
    a.take('c');
    await a.sync();
    await b.sync();
    b.take('c');
    expect(refused(() => b.take('c'))?.status).toBe(429);
    a.stop();
    b.stop();
  });
});

describe.each(inject('dialects'))('rate limit over HTTP (%s)', (dialect) => {
  it('answers 429 with Retry-After past RATE_LIMIT, per consumer', async () => {
    const server: TestServer = await startTestServer({ dialect, env: { RATE_LIMIT: '3' } });
    try {
      const [a, b] = [await server.addConsumer('limited-a'), await server.addConsumer('limited-b')];
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await server.get('/v1/auth-status', a)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const refusedResponse = await server.get('/v1/auth-status', a);
      expect(refusedResponse.headers.get('content-type')).toMatch(/problem\+json/);
      expect(Number(refusedResponse.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await server.get('/v1/auth-status', b)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe.each(inject('dialects').filter((d) => d === 'postgres'))('shared rate limit (%s)', (dialect) => {
  it('limiters of two processes share a consumer’s budget through the database', async () => {
    const server: TestServer = await startTestServer({ dialect });
    try {
      const now = Date.now();
      // Two limiters as two processes would have them, over the real table.
      const a = new RateLimiter(10, { clock: () => now, shared: server.store, syncMs: 3_600_000 });
      const b = new RateLimiter(10, { clock: () => now, shared: server.store, syncMs: 3_600_000 });
      for (let i = 0; i < 8; i++) a.take('shared-consumer');
      await a.sync();
      await b.sync();
      b.take('shared-consumer');
      b.take('shared-consumer');
      expect(refused(() => b.take('shared-consumer'))?.status).toBe(429);
      // And a learns of b's two at its next sync.
      await b.sync();
      await a.sync();
      expect(refused(() => a.take('shared-consumer'))?.status).toBe(429);
      a.stop();
      b.stop();
    } finally {
      await server.close();
    }
  });
});
