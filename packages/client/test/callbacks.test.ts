import { readFileSync } from 'node:fs';
import {
  CallbackVerificationError,
  createCallbackDeduplicator,
  isContractStatusEvent,
  memorySeenStore,
  verifyCallback,
} from '@finum-sync/client';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';

/** The official Standard Webhooks test vector (data copied from the standard's repository; see `source`). */
const vector = JSON.parse(readFileSync(new URL('./fixtures/standard-webhooks-vectors.json', import.meta.url), 'utf8'));
const at = (seconds: number) => () => seconds * 1000;
const headers = (signature: string, timestamp = vector.timestamp) => ({
  'webhook-id': vector.msgId,
  'webhook-timestamp': String(timestamp),
  'webhook-signature': signature,
});

describe('verifyCallback', () => {
  it('verifies the official test vector, also among other and other-version signatures', () => {
    const now = at(vector.timestamp + 10);
    expect(verifyCallback(vector.payload, headers(vector.signature), vector.secret, { now })).toEqual({
      id: vector.msgId,
      timestamp: new Date(vector.timestamp * 1000),
      event: { test: 2432232314 },
    });
    const several = [...vector.otherSignatures, vector.signature].join(' ');
    expect(verifyCallback(vector.payload, new Headers(headers(several)), vector.secret, { now }).id).toBe(vector.msgId);
    // The raw body as bytes verifies the same.
    const bytes = new TextEncoder().encode(vector.payload);
    expect(verifyCallback(bytes, headers(vector.signature), vector.secret, { now }).event).toEqual({
      test: 2432232314,
    });
  });

  it('refuses an altered signature, a tampered body, a wrong secret, a stale or future timestamp, missing headers', () => {
    const now = at(vector.timestamp);
    const refused = (body: string, h: Record<string, string>, secret = vector.secret, clock = now) =>
      expect(() => verifyCallback(body, h, secret, { now: clock })).toThrow(CallbackVerificationError);
    refused(vector.payload, headers(vector.alteredSignature));
    refused(vector.payload, headers(vector.otherSignatures.join(' ')));
    refused('{"test": 2432232315}', headers(vector.signature));
    refused(`${vector.payload} `, headers(vector.signature));
    refused(vector.payload, headers(vector.signature), 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSx');
    refused(vector.payload, headers(vector.signature), vector.secret, at(vector.timestamp + 301));
    refused(vector.payload, headers(vector.signature), vector.secret, at(vector.timestamp - 301));
    const { 'webhook-id': _id, ...withoutId } = headers(vector.signature);
    refused(vector.payload, withoutId);
    // Within a wider tolerance the stale one passes: the tolerance is the caller's.
    expect(
      verifyCallback(vector.payload, headers(vector.signature), vector.secret, {
        now: at(vector.timestamp + 3600),
        toleranceSeconds: 7200,
      }).id,
    ).toBe(vector.msgId);
  });

  it('reads a FiNUM contract event and tells it from other JSON', () => {
    const secret = `whsec_${Buffer.from('a'.repeat(32)).toString('base64')}`;
    const body = JSON.stringify({
      type: 'contract.status-changed',
      contractId: 'c-1',
      status: 130,
      previousStatus: 120,
      occurredAt: '2026-11-23T10:15:30.123Z',
      changedBy: 'provider',
    });
    const now = Math.floor(Date.now() / 1000);
    const signature = new Webhook(secret).sign(vector.msgId, new Date(now * 1000), body);
    const { event } = verifyCallback(body, headers(signature, now), secret);
    expect(isContractStatusEvent(event)).toBe(true);
    expect(isContractStatusEvent({ ...event, status: 999 })).toBe(false);
    expect(isContractStatusEvent({ type: 'other' })).toBe(false);
  });
});

describe('createCallbackDeduplicator', () => {
  it('says yes once per webhook-id and forgets the oldest beyond its capacity', async () => {
    const firstTime = createCallbackDeduplicator(memorySeenStore(2));
    expect(await firstTime('msg_a')).toBe(true);
    expect(await firstTime('msg_a')).toBe(false);
    expect(await firstTime('msg_b')).toBe(true);
    expect(await firstTime('msg_c')).toBe(true);
    expect(await firstTime('msg_b')).toBe(false);
    expect(await firstTime('msg_a')).toBe(true); // forgotten: capacity 2
  });

  it('takes a store of the caller’s (e.g. a database table with a unique key)', async () => {
    const rows = new Set<string>();
    const firstTime = createCallbackDeduplicator({ add: async (id) => !rows.has(id) && Boolean(rows.add(id)) });
    expect([await firstTime('x'), await firstTime('x'), await firstTime('y')]).toEqual([true, false, true]);
  });
});
