import { formatTimestamp, ProblemError } from '@finum-sync/spec';
import type { ProviderEndpoint, ProviderEndpointSecret } from '@finum-sync/spec/admin';
import { type CallbackPolicy, checkCallbackUrl } from '../callbacks/url-policy.js';
import type { Actor, OutboxStore, ProviderEndpointRow, Transactional } from '../store/port.js';
import { audit } from './audit.js';
import { newCallbackSecret } from './consumers.js';
import { randomAlphanumeric } from './ids.js';

/**
 * Provider event endpoints managed in the back office (issue 15 item 1), besides the
 * `PROVIDER_WEBHOOK_URL`s of the environment: every provider event goes to both, each
 * endpoint signed with its own secret. Every change is in the audit trail.
 */

export const newProviderEndpointId = () => `pe_${randomAlphanumeric(20)}`;

/** The endpoints of both kinds, as the back office lists them (no secrets). */
export async function listProviderEndpoints(
  store: OutboxStore,
  environmentUrls: readonly string[],
): Promise<ProviderEndpoint[]> {
  const fromEnvironment = environmentUrls.map((url) => ({
    id: null,
    url,
    source: 'environment' as const,
    description: null,
    createdAt: null,
  }));
  const added = (await store.listProviderEndpoints()).map((e) => ({
    id: e.id,
    url: e.url,
    source: 'admin' as const,
    description: e.description,
    createdAt: formatTimestamp(e.createdMs),
  }));
  return [...fromEnvironment, ...added];
}

/** Adds an endpoint after the URL policy of provider events (SPEC §8, §10); the answer carries its secret. */
export async function addProviderEndpoint(
  store: Transactional,
  input: { url: string; description?: string },
  options: { policy: CallbackPolicy; environmentUrls: readonly string[] },
  by: Actor,
): Promise<ProviderEndpointSecret> {
  let url: string;
  try {
    url = (await checkCallbackUrl(input.url, options.policy)).href;
  } catch (error) {
    if (error instanceof ProblemError) {
      throw new ProblemError('callback-url-refused', error.message.replace(/^callbackUrl/, 'url'), {
        errors: [{ field: 'url', message: error.message.replace(/^callbackUrl refused: /, '').replace(/\.$/, '') }],
      });
    }
    throw error;
  }
  if (options.environmentUrls.includes(url) || options.environmentUrls.includes(input.url)) {
    throw new ProblemError('conflict', `${url} is one of PROVIDER_WEBHOOK_URL already.`);
  }
  const id = newProviderEndpointId();
  const secret = newCallbackSecret();
  await store.transaction(async (tx) => {
    const row: ProviderEndpointRow = {
      id,
      url,
      secret,
      description: input.description ?? null,
      createdMs: tx.nowMs,
    };
    if (!(await tx.insertProviderEndpoint(row))) {
      throw new ProblemError('conflict', `An endpoint with the URL ${url} exists already.`);
    }
    await audit(tx, by, {
      action: 'provider-endpoint.added',
      targetType: 'provider-endpoint',
      targetId: id,
      detail: { url, description: row.description },
    });
  });
  return { id, url, secret };
}

/** The policy of provider event URLs (SPEC §10): the callbacks' one, and the hosts allowed besides. */
export const providerEndpointPolicy = (config: {
  allowPrivateCallbacks: boolean;
  providerWebhookAllowHosts: readonly string[];
}): CallbackPolicy => ({
  allowPrivate: config.allowPrivateCallbacks,
  allowHosts: new Set(config.providerWebhookAllowHosts.map((h) => h.toLowerCase())),
});

/** Removes an endpoint: no more events go there, its pending deliveries stop. */
export async function removeProviderEndpoint(store: Transactional, id: string, by: Actor): Promise<void> {
  await store.transaction(async (tx) => {
    const endpoint = await tx.getProviderEndpoint(id);
    if (!endpoint) throw new ProblemError('not-found', `No provider endpoint '${id}'.`);
    await tx.deleteProviderEndpoint(id, endpoint.url);
    await audit(tx, by, {
      action: 'provider-endpoint.removed',
      targetType: 'provider-endpoint',
      targetId: id,
      detail: { url: endpoint.url },
    });
  });
}

/** Issues a new secret for an endpoint; events are signed with it from the next attempt on. */
export async function rotateProviderEndpointSecret(
  store: Transactional,
  id: string,
  by: Actor,
): Promise<ProviderEndpointSecret> {
  return store.transaction(async (tx) => {
    const endpoint = await tx.getProviderEndpoint(id);
    if (!endpoint) throw new ProblemError('not-found', `No provider endpoint '${id}'.`);
    const secret = newCallbackSecret();
    await tx.setProviderEndpointSecret(id, secret);
    await audit(tx, by, {
      action: 'provider-endpoint.secret-rotated',
      targetType: 'provider-endpoint',
      targetId: id,
      detail: { url: endpoint.url },
    });
    return { id, url: endpoint.url, secret };
  });
}
