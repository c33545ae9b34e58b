// The back office's administration from the command line: applications, consumer keys and
// callback secrets, provider event endpoints, redelivery of a failed callback. Each works on the
// database the environment configures, or — with --server/--admin-token — through a running
// server's /admin/api, with the same answers and refusals.

import type { ApplicationStatus } from '@finum-sync/spec';
import { APPLICATION_STATUSES } from '@finum-sync/spec/constants';
import { type Command, choiceOption, defineCommand } from '../command.js';
import { readInput } from '../input.js';
import { type Column, JSON_OR_TABLE, printList, printRecord } from '../output.js';
import { adminRemote, query, REMOTE_OPTIONS } from '../remote.js';
import { withStore } from '../store.js';
import { KEY_OPTIONS } from './consumer.js';

const consumerId = { type: 'string', value: '<id>', required: true, description: 'Consumer id.' } as const;

export const consumerKeyAdd = defineCommand({
  path: ['consumer', 'key-add'],
  summary: 'Add a public key to a consumer (key rotation): tokens pick it with their kid header.',
  options: {
    id: consumerId,
    ...KEY_OPTIONS,
    ...REMOTE_OPTIONS,
    json: JSON_OR_TABLE,
  },
  examples: ['finum-sync consumer key-add --id acme-broker --public-key acme-2027.public.pem'],
  async run(values, context) {
    const publicKey = readInput(values['public-key'], 'public-key', 'utf8');
    const options = {
      ...(values.alg !== undefined ? { alg: values.alg } : {}),
      ...(values.kid !== undefined ? { kid: values.kid } : {}),
    };
    const remote = adminRemote(values, context.env);
    let key: { kid: string; alg: string };
    if (remote) {
      key = await remote.request('POST', `/consumers/${encodeURIComponent(values.id)}/keys`, {
        json: { publicKey, ...options },
      });
    } else {
      const { addConsumerKey, cliActor } = await import('@finum-sync/server/operations');
      key = await withStore(context.env, (store) => addConsumerKey(store, values.id, publicKey, options, cliActor()));
    }
    printRecord(context, values, { consumerId: values.id, kid: key.kid, alg: key.alg });
    return 0;
  },
});

export const consumerKeyRemove = defineCommand({
  path: ['consumer', 'key-remove'],
  summary: 'Remove a consumer’s key: every running server refuses tokens signed with it from the next request on.',
  options: {
    id: consumerId,
    kid: { type: 'string', value: '<kid>', required: true, description: 'The key id (see consumer list).' },
    ...REMOTE_OPTIONS,
    json: JSON_OR_TABLE,
  },
  async run(values, context) {
    const remote = adminRemote(values, context.env);
    if (remote) {
      await remote.request(
        'DELETE',
        `/consumers/${encodeURIComponent(values.id)}/keys/${encodeURIComponent(values.kid)}`,
      );
    } else {
      const { cliActor, removeConsumerKey } = await import('@finum-sync/server/operations');
      await withStore(context.env, (store) => removeConsumerKey(store, values.id, values.kid, cliActor()));
    }
    printRecord(context, values, { consumerId: values.id, removedKid: values.kid });
    return 0;
  },
});

export const consumerRotateSecret = defineCommand({
  path: ['consumer', 'rotate-secret'],
  summary: 'Issue a new callback secret for a consumer; callbacks are signed with it from now on.',
  details: 'Prints the new secret once: hand it to the consumer.',
  options: { id: consumerId, ...REMOTE_OPTIONS, json: JSON_OR_TABLE },
  async run(values, context) {
    const remote = adminRemote(values, context.env);
    let callbackSecret: string;
    if (remote) {
      ({ callbackSecret } = await remote.request<{ callbackSecret: string }>(
        'POST',
        `/consumers/${encodeURIComponent(values.id)}/callback-secret`,
      ));
    } else {
      const { cliActor, rotateCallbackSecret } = await import('@finum-sync/server/operations');
      callbackSecret = await withStore(context.env, (store) => rotateCallbackSecret(store, values.id, cliActor()));
    }
    printRecord(context, values, { consumerId: values.id, callbackSecret });
    return 0;
  },
});

interface ApplicationView {
  id: string;
  status: string;
  company: string;
  contactName: string;
  email: string;
  submittedAt: string;
  consumerId: string | null;
}

const APPLICATION_COLUMNS: readonly Column<ApplicationView>[] = [
  ['id', (a) => a.id],
  ['status', (a) => a.status],
  ['company', (a) => a.company],
  ['contact', (a) => `${a.contactName} <${a.email}>`],
  ['submitted', (a) => a.submittedAt],
  ['consumer', (a) => a.consumerId],
];

export const applicationList = defineCommand({
  path: ['application', 'list'],
  summary: 'List onboarding applications, newest first.',
  options: {
    status: {
      type: 'string',
      value: '<status>',
      description: `Only these (${APPLICATION_STATUSES.join(', ')}).`,
    },
    ...REMOTE_OPTIONS,
    json: JSON_OR_TABLE,
  },
  async run(values, context) {
    const status: ApplicationStatus | undefined =
      values.status === undefined ? undefined : choiceOption(values.status, 'status', APPLICATION_STATUSES);
    const remote = adminRemote(values, context.env);
    let list: ApplicationView[];
    if (remote) list = await remote.request('GET', `/applications${query({ status })}`);
    else {
      const { applicationView } = await import('@finum-sync/server/operations');
      list = await withStore(context.env, async (store) =>
        (await store.listApplications(status ? { status } : {})).map(applicationView),
      );
    }
    printList(context, values, list, APPLICATION_COLUMNS);
    return 0;
  },
});

export const applicationApprove = defineCommand({
  path: ['application', 'approve'],
  summary: 'Approve an application: registers its consumer; the applicant’s status link shows the credentials.',
  options: {
    id: { type: 'string', value: '<application-id>', required: true, description: 'The application.' },
    'consumer-id': { type: 'string', value: '<id>', required: true, description: 'The consumer id to register.' },
    name: { type: 'string', value: '<name>', description: 'Display name (default: the company).' },
    ...REMOTE_OPTIONS,
    json: JSON_OR_TABLE,
  },
  examples: ['finum-sync application approve --id app_123 --consumer-id acme-broker'],
  async run(values, context) {
    const consumer = { consumerId: values['consumer-id'], ...(values.name !== undefined ? { name: values.name } : {}) };
    const remote = adminRemote(values, context.env);
    let application: ApplicationView;
    if (remote) {
      ({ application } = await remote.request<{ application: ApplicationView }>(
        'POST',
        `/applications/${encodeURIComponent(values.id)}/approve`,
        { json: consumer },
      ));
    } else {
      const { approveApplication, cliActor, coreContext, serverAudience } = await import(
        '@finum-sync/server/operations'
      );
      ({ application } = await withStore(context.env, async (store, config) => {
        const publicUrl = (await serverAudience(store)) ?? config.publicUrl;
        return approveApplication({ ...coreContext(store, config), store, publicUrl }, values.id, consumer, cliActor());
      }));
    }
    printRecord(context, values, {
      applicationId: application.id,
      status: application.status,
      consumerId: application.consumerId,
    });
    return 0;
  },
});

export const applicationReject = defineCommand({
  path: ['application', 'reject'],
  summary: 'Reject an application with a reason the applicant reads on the status link.',
  options: {
    id: { type: 'string', value: '<application-id>', required: true, description: 'The application.' },
    reason: { type: 'string', value: '<text>', required: true, description: 'Why (shown to the applicant).' },
    ...REMOTE_OPTIONS,
    json: JSON_OR_TABLE,
  },
  async run(values, context) {
    const remote = adminRemote(values, context.env);
    let application: ApplicationView;
    if (remote) {
      application = await remote.request('POST', `/applications/${encodeURIComponent(values.id)}/reject`, {
        json: { reason: values.reason },
      });
    } else {
      const { cliActor, rejectApplication } = await import('@finum-sync/server/operations');
      application = await withStore(context.env, (store) =>
        rejectApplication(store, values.id, values.reason, cliActor()),
      );
    }
    printRecord(context, values, { applicationId: application.id, status: application.status });
    return 0;
  },
});

interface EndpointView {
  id: string | null;
  url: string;
  description?: string | null;
  source?: string;
}

export const endpointList = defineCommand({
  path: ['endpoint', 'list'],
  summary: 'List the provider event endpoints (PROVIDER_WEBHOOK_URL and those added in the back office).',
  options: { ...REMOTE_OPTIONS, json: JSON_OR_TABLE },
  async run(values, context) {
    const remote = adminRemote(values, context.env);
    let list: EndpointView[];
    if (remote) list = await remote.request('GET', '/provider-endpoints');
    else {
      const { listProviderEndpoints } = await import('@finum-sync/server/operations');
      list = await withStore(context.env, (store, config) => listProviderEndpoints(store, config.providerWebhookUrls));
    }
    printList(context, values, list, [
      ['id', (e) => e.id ?? '(environment)'],
      ['url', (e) => e.url],
      ['description', (e) => e.description],
    ]);
    return 0;
  },
});

export const endpointAdd = defineCommand({
  path: ['endpoint', 'add'],
  summary: 'Add a provider event endpoint; prints its signing secret once.',
  options: {
    url: { type: 'string', value: '<url>', required: true, description: 'Where events are POSTed (https).' },
    description: { type: 'string', value: '<text>', description: 'What it is (e.g. the core system’s name).' },
    ...REMOTE_OPTIONS,
    json: JSON_OR_TABLE,
  },
  examples: ['finum-sync endpoint add --url https://core.example.com/finum-events'],
  async run(values, context) {
    const input = { url: values.url, ...(values.description !== undefined ? { description: values.description } : {}) };
    const remote = adminRemote(values, context.env);
    let added: { id: string; url: string; secret: string };
    if (remote) added = await remote.request('POST', '/provider-endpoints', { json: input });
    else {
      const { addProviderEndpoint, cliActor, providerEndpointPolicy } = await import('@finum-sync/server/operations');
      added = await withStore(context.env, (store, config) =>
        addProviderEndpoint(
          store,
          input,
          { policy: providerEndpointPolicy(config), environmentUrls: config.providerWebhookUrls },
          cliActor(),
        ),
      );
    }
    printRecord(context, values, { ...added });
    return 0;
  },
});

const endpointId = { type: 'string', value: '<id>', required: true, description: 'The endpoint id.' } as const;

export const endpointRemove = defineCommand({
  path: ['endpoint', 'remove'],
  summary: 'Remove a provider event endpoint: no more events go there, its pending deliveries stop.',
  options: { id: endpointId, ...REMOTE_OPTIONS, json: JSON_OR_TABLE },
  async run(values, context) {
    const remote = adminRemote(values, context.env);
    if (remote) await remote.request('DELETE', `/provider-endpoints/${encodeURIComponent(values.id)}`);
    else {
      const { cliActor, removeProviderEndpoint } = await import('@finum-sync/server/operations');
      await withStore(context.env, (store) => removeProviderEndpoint(store, values.id, cliActor()));
    }
    printRecord(context, values, { removed: values.id });
    return 0;
  },
});

export const endpointRotateSecret = defineCommand({
  path: ['endpoint', 'rotate-secret'],
  summary: 'Issue a new signing secret for a provider event endpoint; prints it once.',
  options: { id: endpointId, ...REMOTE_OPTIONS, json: JSON_OR_TABLE },
  async run(values, context) {
    const remote = adminRemote(values, context.env);
    let rotated: { id: string; url: string; secret: string };
    if (remote) rotated = await remote.request('POST', `/provider-endpoints/${encodeURIComponent(values.id)}/secret`);
    else {
      const { cliActor, rotateProviderEndpointSecret } = await import('@finum-sync/server/operations');
      rotated = await withStore(context.env, (store) => rotateProviderEndpointSecret(store, values.id, cliActor()));
    }
    printRecord(context, values, { ...rotated });
    return 0;
  },
});

export const deliveriesRedeliver = defineCommand({
  path: ['deliveries', 'redeliver'],
  summary: 'Deliver a failed (or gone) callback again: the same webhook-id and body, one attempt now.',
  details: 'A running server makes the attempt (on this database, within its poll interval).',
  options: {
    id: { type: 'string', value: '<webhook-id>', required: true, description: 'The delivery (see deliveries).' },
    ...REMOTE_OPTIONS,
    json: JSON_OR_TABLE,
  },
  async run(values, context) {
    const remote = adminRemote(values, context.env);
    if (remote) await remote.request('POST', `/deliveries/${encodeURIComponent(values.id)}/redeliver`);
    else {
      const { cliActor, coreContext, redeliver } = await import('@finum-sync/server/operations');
      await withStore(context.env, (store, config) => redeliver(coreContext(store, config), values.id, cliActor()));
    }
    printRecord(context, values, { webhookId: values.id, state: 'pending' });
    return 0;
  },
});

export const administrationCommands: readonly Command[] = [
  consumerKeyAdd,
  consumerKeyRemove,
  consumerRotateSecret,
  applicationList,
  applicationApprove,
  applicationReject,
  endpointList,
  endpointAdd,
  endpointRemove,
  endpointRotateSecret,
  deliveriesRedeliver,
] as Command[];
