import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { CALLBACK_DELIVERY, WEBHOOK_HEADERS } from '@finum-sync/spec';
import type { FastifyBaseLogger } from 'fastify';
import { Agent, request } from 'undici';
import type { CoreEvents } from '../core/events.js';
import type { ConsumerStore, Delivery, DeliveryOutcome, OutboxStore } from '../store/port.js';
import { signWebhook } from './sign-webhook.js';
import { addressRefusal, type CallbackPolicy, policyForHost } from './url-policy.js';

export interface DeliveryWorkerOptions {
  store: OutboxStore & ConsumerStore;
  events: CoreEvents;
  policy: CallbackPolicy;
  /**
   * Provider events (SPEC §10): their secret (`PROVIDER_WEBHOOK_SECRET`) and their address
   * policy (the consumers' one plus `PROVIDER_WEBHOOK_ALLOW_HOSTS`). Without a secret, a
   * provider event in the outbox fails (the configuration no longer sends them).
   */
  provider?: { secret: string | undefined; policy: CallbackPolicy };
  log: FastifyBaseLogger;
  clock?: () => number;
  /** First retry delay; doubles per attempt up to `maxRetryDelayMs` (default 5 s). */
  retryBaseMs?: number;
  maxRetryDelayMs?: number;
  /** Give up this long after the change (SPEC §8: 3 days). */
  giveUpAfterMs?: number;
  /** How often to look for due deliveries written by other processes (default 1 s). */
  pollMs?: number;
  /** Replaces DNS resolution at connect time (tests of DNS rebinding). */
  lookup?: LookupFunction;
  /** Told of every attempt's outcome (metrics). */
  onAttempt?: (outcome: DeliveryOutcome['state']) => void;
}

export const ATTEMPT_TIMEOUT_MS = CALLBACK_DELIVERY.timeoutMs;
/**
 * How long a claimed delivery is reserved for its attempt: twice the attempt's timeout. A
 * process that dies mid-attempt delays that delivery by at most this long.
 */
const LEASE_MS = 2 * ATTEMPT_TIMEOUT_MS;
const BATCH = 20;

/** Exponential backoff with jitter: a delay in [d/2, d], d = base·2^(n−1) capped. */
export function retryDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const d = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(d / 2 + (random() * d) / 2);
}

/**
 * Resolves like `dns.lookup`, then refuses addresses the policy forbids: the connect-time
 * half of the SSRF protection (a host that resolved to a public address when the URL was
 * given may resolve to a private one now).
 */
export function guardedLookup(policy: CallbackPolicy, resolve: LookupFunction = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    const hostPolicy = policyForHost(policy, hostname);
    resolve(hostname, { ...options, all: true }, (error, result, family) => {
      if (error) return callback(error, '', 0);
      // Asked with `all: true`, a lookup answers a list; a resolver that answers one address is taken as it is.
      const addresses: LookupAddress[] =
        typeof result === 'string' ? [{ address: result, family: family ?? 4 }] : result;
      for (const a of addresses) {
        const why = addressRefusal(a.address, hostPolicy);
        if (why) {
          const refused = Object.assign(new Error(`${hostname} resolves to ${why}`), { code: 'ECALLBACKREFUSED' });
          return callback(refused, '', 0);
        }
      }
      if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

/**
 * Delivers callbacks from the outbox (SPEC §8): claims due deliveries (several processes
 * share the queue), signs them per Standard Webhooks, POSTs with a 10 s timeout and no
 * redirects, records every attempt, retries non-2xx with backoff and jitter for 3 days,
 * and stops at `410 Gone`.
 */
export class DeliveryWorker {
  private readonly agent: Agent;
  /** Provider events connect with a policy of their own (allow-listed hosts): never through the consumers' agent. */
  private readonly providerAgent: Agent;
  private readonly providerPolicy: CallbackPolicy;
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.clock = options.clock ?? Date.now;
    this.providerPolicy = options.provider?.policy ?? options.policy;
    const agent = (policy: CallbackPolicy) =>
      new Agent({
        connect: { lookup: guardedLookup(policy, options.lookup), timeout: ATTEMPT_TIMEOUT_MS },
        headersTimeout: ATTEMPT_TIMEOUT_MS,
        bodyTimeout: ATTEMPT_TIMEOUT_MS,
        keepAliveTimeout: 4_000,
      });
    this.agent = agent(options.policy);
    this.providerAgent = agent(this.providerPolicy);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = this.options.events.onDeliveriesEnqueued(() => this.wake());
    this.wake();
  }

  /** Stops claiming; waits for the attempts under way (graceful shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await Promise.all([this.agent.close(), this.providerAgent.close()]);
  }

  /** Runs a pass now (or right after the one under way). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.running = this.pass()
      .catch((error) => this.options.log.error({ err: error }, 'callback delivery pass failed'))
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.wake();
        } else {
          this.timer = setTimeout(() => this.wake(), this.options.pollMs ?? 1000);
          this.timer.unref();
        }
      });
  }

  private async pass(): Promise<void> {
    for (;;) {
      const due = await this.options.store.claimDueDeliveries(this.clock(), BATCH, LEASE_MS);
      await Promise.all(due.map((d) => this.attempt(d)));
      if (due.length < BATCH || this.stopped) return;
    }
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const { store, log } = this.options;
    const startedMs = this.clock();
    const { secret, refusal } = await this.secretFor(delivery);
    const refused = refusal !== undefined;
    let status: number | null = null;
    let error: string | null = refusal ?? null;
    if (secret) {
      try {
        status = await this.send(delivery, secret, startedMs);
      } catch (e) {
        error = describe(e);
      }
    }
    const now = this.clock();
    const outcome = this.outcome(delivery, status, now, refused);
    await store.finishDeliveryAttempt(
      { deliveryId: delivery.id, attempt: delivery.attempts, startedMs, durationMs: now - startedMs, status, error },
      outcome,
    );
    if (status === CALLBACK_DELIVERY.goneStatus) await store.stopDeliveriesTo(delivery.consumerId, delivery.url, now);
    this.options.onAttempt?.(outcome.state);
    log.info(
      {
        webhookId: delivery.id,
        kind: delivery.kind,
        contractId: delivery.contractId,
        attempt: delivery.attempts,
        status,
        error,
        state: outcome.state,
      },
      'callback attempt',
    );
  }

  /** The signing secret of a delivery, or why it may not be attempted (then it fails at once). */
  private async secretFor(delivery: Delivery): Promise<{ secret?: string; refusal?: string }> {
    if (delivery.kind === 'provider') {
      // An endpoint of the back office has its own secret; the environment's share PROVIDER_WEBHOOK_SECRET.
      const endpoint = (await this.options.store.listProviderEndpoints()).find((e) => e.url === delivery.url);
      if (endpoint) return { secret: endpoint.secret };
      const secret = this.options.provider?.secret;
      return secret
        ? { secret }
        : { refusal: 'provider events are not configured (PROVIDER_WEBHOOK_SECRET is not set)' };
    }
    const consumer = await this.options.store.consumer(delivery.consumerId);
    return consumer?.status === 'active'
      ? { secret: consumer.callbackSecret }
      : { refusal: 'the consumer is disabled' };
  }

  private outcome(d: Delivery, status: number | null, now: number, stop: boolean): DeliveryOutcome {
    if (status !== null && status >= 200 && status < 300) return { state: 'delivered', nextAttemptMs: now };
    if (status === CALLBACK_DELIVERY.goneStatus) return { state: 'gone', nextAttemptMs: now };
    const next =
      now + retryDelay(d.attempts, this.options.retryBaseMs ?? 5_000, this.options.maxRetryDelayMs ?? 3_600_000);
    if (stop || next > d.createdMs + (this.options.giveUpAfterMs ?? CALLBACK_DELIVERY.retryForMs)) {
      return { state: 'failed', nextAttemptMs: now };
    }
    return { state: 'pending', nextAttemptMs: next };
  }

  /** One signed POST; resolves with the HTTP status. */
  private async send(delivery: Delivery, secret: string, nowMs: number): Promise<number> {
    const url = new URL(delivery.url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const provider = delivery.kind === 'provider';
    const policy = provider ? policyForHost(this.providerPolicy, host) : this.options.policy;
    // Literal addresses skip DNS, so the connect-time lookup never sees them: check here.
    const refusal = isIP(host) ? addressRefusal(host, policy) : undefined;
    if (refusal) throw Object.assign(new Error(refusal), { code: 'ECALLBACKREFUSED' });
    const timestamp = Math.floor(nowMs / 1000);
    const response = await request(url, {
      method: 'POST',
      dispatcher: provider ? this.providerAgent : this.agent,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'finum-sync-callbacks/1',
        [WEBHOOK_HEADERS.id]: delivery.id,
        [WEBHOOK_HEADERS.timestamp]: String(timestamp),
        [WEBHOOK_HEADERS.signature]: signWebhook(secret, delivery.id, timestamp, delivery.payload),
      },
      body: delivery.payload,
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    await response.body.dump({ limit: 64 * 1024 }).catch(() => {});
    return response.statusCode;
  }
}

function describe(error: unknown): string {
  const e = error as { code?: string; name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') {
    return `no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`;
  }
  const code = e.code ?? e.cause?.code;
  const message = e.cause?.message ?? e.message ?? String(error);
  return (code ? `${code}: ${message}` : message).slice(0, 500);
}
