import { ConfigError, loadConfig } from '@finum-sync/server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fetchParsed, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Issue 11, item 11 (SPEC §10): TRUST_PROXY is the number of proxy hops to trust, or
 * `false`; `true` (trust every hop, so that a client picks its own address) is refused.
 */

describe('TRUST_PROXY values', () => {
  it.each(['true', 'yes', 'on', '-1', '11', 'all'])("'%s' is refused at start, naming the variable", (value) => {
    expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY: the number of proxies/);
  });

  it.each([
    ['false', false],
    ['0', false],
    ['1', 1],
    ['2', 2],
  ] as const)("'%s' is %s", (value, expected) => {
    expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toBe(expected);
  });
});

describe.each(inject('dialects'))('%s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { TRUST_PROXY: '1', ONBOARDING_RATE_LIMIT: '2' } });
  });
  afterAll(() => server?.close());

  it('behind one proxy, a client cannot choose its address with X-Forwarded-For entries of its own', async () => {
    const submit = (forwardedFor: string) =>
      fetchParsed(`${server.url}/onboarding/api/applications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
        body: JSON.stringify({ company: '' }),
      });
    // The proxy appends the address it saw (203.0.113.7); what comes before is the client's say.
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await submit(`198.51.100.${i}, 203.0.113.7`)).status);
    expect(statuses).toEqual([400, 400, 429]);
    // Another real client (another address appended by the proxy) has its own budget.
    expect((await submit('198.51.100.1, 203.0.113.8')).status).toBe(400);
  });
});
