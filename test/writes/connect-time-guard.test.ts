import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { describe, expect, inject, it } from 'vitest';
// Internals of the server package (not exported): the connect-time half of the SSRF guard.
import { guardedLookup } from '../../packages/server/dist/callbacks/delivery-worker.js';
import { classifyAddress } from '../../packages/server/dist/callbacks/url-policy.js';
import { verifiedPayload } from '../helpers/callbacks.js';
import { enqueueDelivery, runWorkerUntil, storedDelivery, useOutboxFixture } from '../helpers/outbox.js';

/**
 * SPEC §8: callback addresses are checked again at connect time, against DNS rebinding (a
 * name that resolved to a public address when the URL was given resolves to a private one
 * when the callback is sent). A real DNS server cannot run here, so the resolver is
 * injected: it answers the way a rebinding attacker's name server would.
 */
const resolverAnswering =
  (addresses: LookupAddress[]): LookupFunction =>
  (_hostname, _options, callback) =>
    (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);

function lookupWith(lookup: LookupFunction, all: boolean) {
  return new Promise<{ error: NodeJS.ErrnoException | null; address: unknown; family?: number }>((resolve) =>
    lookup('rebind.test', { all }, (error, address, family) => resolve({ error, address, family })),
  );
}

const v4 = (address: string): LookupAddress => ({ address, family: 4 });
const v6 = (address: string): LookupAddress => ({ address, family: 6 });

describe('guardedLookup (connect-time address check)', () => {
  const strict = { allowPrivate: false };
  const lenient = { allowPrivate: true };

  it.each([
    [[v4('127.0.0.1')]],
    [[v4('10.0.0.7')]],
    [[v4('169.254.169.254')]],
    [[v6('::ffff:127.0.0.1')]],
    [[v6('fd00::1')]],
    [[v4('93.184.216.34'), v4('192.168.1.1')]],
  ])('refuses a name resolving to %j with ECALLBACKREFUSED', async (addresses) => {
    const { error } = await lookupWith(guardedLookup(strict, resolverAnswering(addresses)), false);
    expect(error?.code).toBe('ECALLBACKREFUSED');
    expect(error?.message).toMatch(/rebind\.test resolves to/);
  });

  it('passes public addresses through, in both lookup forms', async () => {
    const addresses = [v4('93.184.216.34'), v6('2606:2800:220:1:248:1893:25c8:1946')];
    const single = await lookupWith(guardedLookup(strict, resolverAnswering(addresses)), false);
    expect(single).toEqual({ error: null, address: '93.184.216.34', family: 4 });
    const all = await lookupWith(guardedLookup(strict, resolverAnswering(addresses)), true);
    expect(all).toMatchObject({ error: null, address: addresses });
  });

  it('admits loopback and private with ALLOW_PRIVATE_CALLBACKS, never link-local', async () => {
    const loopback = await lookupWith(guardedLookup(lenient, resolverAnswering([v4('127.0.0.1')])), false);
    expect(loopback).toEqual({ error: null, address: '127.0.0.1', family: 4 });
    const metadata = await lookupWith(guardedLookup(lenient, resolverAnswering([v4('169.254.169.254')])), false);
    expect(metadata.error?.code).toBe('ECALLBACKREFUSED');
  });

  it('passes resolver errors on', async () => {
    const failing: LookupFunction = (_h, _o, callback) =>
      callback(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }), '', 0);
    const { error } = await lookupWith(guardedLookup(strict, failing), false);
    expect(error?.code).toBe('ENOTFOUND');
  });

  it('classifies the encoded and mapped forms of loopback as loopback', () => {
    for (const ip of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '64:ff9b::7f00:1', '2002:7f00:1::']) {
      expect(classifyAddress(ip), ip).toBe('loopback');
    }
    expect(classifyAddress('93.184.216.34')).toBe('public');
  });
});

describe.each(inject('dialects'))('delivery worker against DNS rebinding (%s)', (dialect) => {
  const fixture = useOutboxFixture(dialect);

  const attemptsOf = async (id: string) => (await storedDelivery(fixture().store, id)).attemptList;
  const runWorker = (policy: { allowPrivate: boolean }, lookup: LookupFunction, until: () => Promise<boolean>) =>
    runWorkerUntil({ store: fixture().store, policy, lookup }, until, 'a recorded attempt');

  it('records ECALLBACKREFUSED and sends nothing when the name now resolves to loopback', async () => {
    // Plain http to the receiver's port: if the guard let the connection through, the
    // receiver would get the POST.
    const { store, receiver } = fixture();
    const rebinding = resolverAnswering([v4('127.0.0.1')]);
    const id = await enqueueDelivery(store, 'acme', `http://rebind.test:${new URL(receiver.url).port}/callbacks`);
    await runWorker({ allowPrivate: false }, rebinding, async () => (await attemptsOf(id)).length >= 1);
    const [attempt] = await attemptsOf(id);
    expect(attempt).toMatchObject({ status: null, error: expect.stringMatching(/^ECALLBACKREFUSED: rebind\.test/) });
    expect(receiver.received).toEqual([]);

    // The same delivery through a guard that admits loopback arrives, signed: only the
    // guard stood in the way.
    await runWorker({ allowPrivate: true }, rebinding, async () =>
      (await attemptsOf(id)).some((a) => a.status === 204),
    );
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.headers['webhook-id']).toBe(id);
    verifiedPayload(receiver.received[0]!, fixture().consumer.callbackSecret);
  });

  it('refuses a literal private address when private callbacks are no longer allowed', async () => {
    const { store, receiver } = fixture();
    const before = receiver.received.length;
    const id = await enqueueDelivery(store, 'acme', receiver.url);
    const neverAsked: LookupFunction = () => {
      throw new Error('a literal address needs no lookup');
    };
    await runWorker({ allowPrivate: false }, neverAsked, async () => (await attemptsOf(id)).length >= 1);
    expect((await attemptsOf(id))[0]).toMatchObject({
      status: null,
      error: expect.stringMatching(/^ECALLBACKREFUSED/),
    });
    expect(receiver.received).toHaveLength(before);
  });
});
