import { type Command, defineCommand, SIGNING_ALGORITHMS } from '../command.js';
import { readInput } from '../input.js';
import { type Column, JSON_OR_TABLE, printList, printRecord } from '../output.js';
import { adminRemote, REMOTE_OPTIONS } from '../remote.js';
import { withStore } from '../store.js';

interface ConsumerView {
  id: string;
  name: string;
  status: string;
  callbackUrl: string | null;
  createdAt: string;
  keys: Array<{ kid: string; alg: string; createdAt: string }>;
}

const CONSUMER_COLUMNS: readonly Column<ConsumerView>[] = [
  ['id', (c) => c.id],
  ['name', (c) => c.name],
  ['status', (c) => c.status],
  ['keys', (c) => c.keys.map((k) => `${k.kid.slice(0, 12)} (${k.alg})`).join(', ')],
  ['callbackUrl', (c) => c.callbackUrl],
  ['created', (c) => c.createdAt],
];

/** A consumer's public key and how to name it (consumer add, consumer key-add). */
export const KEY_OPTIONS = {
  'public-key': {
    type: 'string',
    value: '<pem-file>',
    required: true,
    description: 'SPKI PEM public key file (- for standard input).',
  },
  alg: {
    type: 'string',
    value: '<alg>',
    description: `Key algorithm (${SIGNING_ALGORITHMS.join(', ')}); from the key by default.`,
  },
  kid: { type: 'string', value: '<kid>', description: 'Key id (default: the key’s RFC 7638 thumbprint).' },
} as const;

export const consumerAdd = defineCommand({
  path: ['consumer', 'add'],
  summary: 'Register a consumer with its public key.',
  details: [
    'Uses the database the environment configures (DATABASE_URL, or DATA_DIR for SQLite). The JWT audience is the',
    'one the server on that database uses (its PUBLIC_URL, recorded by `serve` at start), never guessed from this',
    'shell: when they could differ (PUBLIC_URL set here to something else, or no server has started on the',
    'database yet), it says so on stderr. Prints the credentials to hand to the consumer as JSON:',
    '{ "consumerId", "payload" (the JWT payload it signs), "callbackSecret" (for callback signatures) }.',
    'Running servers accept the new consumer at once. With --server, the server registers it (POST',
    '/admin/api/consumers) under its own audience.',
  ].join('\n'),
  options: {
    id: { type: 'string', value: '<id>', required: true, description: 'Consumer id (1–64 of A–Z a–z 0–9 _ -).' },
    ...KEY_OPTIONS,
    name: { type: 'string', value: '<name>', description: 'Display name (default: the id).' },
    'callback-url': { type: 'string', value: '<url>', description: 'Standing callback URL for status changes.' },
    ...REMOTE_OPTIONS,
    json: JSON_OR_TABLE,
  },
  examples: ['finum-sync consumer add --id acme-broker --public-key finum-key.public.pem --name "ACME Broker"'],
  async run(values, context) {
    const { env, err } = context;
    const remote = adminRemote(values, env);
    const publicKeyPem = readInput(values['public-key'], 'public-key', 'utf8');
    if (remote) {
      const added = await remote.request<Record<string, unknown>>('POST', '/consumers', {
        json: {
          id: values.id,
          publicKey: publicKeyPem,
          name: values.name,
          callbackUrl: values['callback-url'],
          alg: values.alg,
          kid: values.kid,
        },
      });
      printRecord(context, values, added);
      return 0;
    }
    const { addConsumer, checkCallbackUrl, cliActor, serverAudience } = await import('@finum-sync/server/operations');
    const credentials = await withStore(env, async (store, config) => {
      const callbackUrl = values['callback-url'];
      // The same policy as for callbackUrl in the API (https, no private or link-local address).
      if (callbackUrl !== undefined)
        await checkCallbackUrl(callbackUrl, { allowPrivate: config.allowPrivateCallbacks });
      const recorded = await serverAudience(store);
      const added = await addConsumer(store, recorded ?? config.publicUrl, {
        id: values.id,
        publicKeyPem,
        ...(values.name !== undefined ? { name: values.name } : {}),
        ...(callbackUrl !== undefined ? { callbackUrl } : {}),
        ...(values.alg !== undefined ? { alg: values.alg } : {}),
        ...(values.kid !== undefined ? { kid: values.kid } : {}),
        by: cliActor(),
      });
      // Said once the consumer is registered, so that a refusal stays one line.
      if (recorded === undefined) {
        err(
          `finum-sync consumer add: no server has started on this database yet; the audience is ${config.publicUrl} (PUBLIC_URL${env.PUBLIC_URL ? '' : ' default'}) — start the server with the same PUBLIC_URL`,
        );
      } else if (env.PUBLIC_URL && config.publicUrl !== recorded) {
        err(
          `finum-sync consumer add: PUBLIC_URL here is ${config.publicUrl}, but the server uses ${recorded}: registering with the server's audience ${recorded}`,
        );
      }
      return added;
    });
    const { consumerId, payload, callbackSecret } = credentials;
    printRecord(context, values, { consumerId, payload, callbackSecret });
    return 0;
  },
});

export const consumerList = defineCommand({
  path: ['consumer', 'list'],
  summary: 'List the registered consumers and their keys (no secrets).',
  options: { ...REMOTE_OPTIONS, json: JSON_OR_TABLE },
  async run(values, context) {
    const remote = adminRemote(values, context.env);
    if (remote) {
      const consumers = await remote.request<Array<ConsumerView & { keys: Array<{ publicKey?: string }> }>>(
        'GET',
        '/consumers',
      );
      // The same shape as from the database: the keys without their PEM.
      const list = consumers.map((c) => ({
        ...c,
        keys: c.keys.map(({ kid, alg, createdAt }) => ({ kid, alg, createdAt })),
      }));
      printList(context, values, list, CONSUMER_COLUMNS);
      return 0;
    }
    const list = await withStore(context.env, async (store) => {
      const [consumers, { keys }] = await Promise.all([store.listConsumers(), store.loadAuthState()]);
      return consumers.map((c) => ({
        id: c.id,
        name: c.name,
        status: c.status,
        callbackUrl: c.callbackUrl,
        createdAt: new Date(c.createdMs).toISOString(),
        keys: keys
          .filter((k) => k.consumerId === c.id)
          .map((k) => ({ kid: k.kid, alg: k.alg, createdAt: new Date(k.createdMs).toISOString() })),
      }));
    });
    printList(context, values, list, CONSUMER_COLUMNS);
    return 0;
  },
});

const statusCommand = (verb: 'disable' | 'enable', summary: string) =>
  defineCommand({
    path: ['consumer', verb],
    summary,
    options: {
      id: { type: 'string', value: '<id>', required: true, description: 'Consumer id.' },
      ...REMOTE_OPTIONS,
      json: JSON_OR_TABLE,
    },
    async run(values, context) {
      const status = verb === 'disable' ? 'disabled' : 'active';
      const remote = adminRemote(values, context.env);
      if (remote) {
        const consumer = await remote.request<ConsumerView>(
          'POST',
          `/consumers/${encodeURIComponent(values.id)}/status`,
          { json: { status } },
        );
        printRecord(context, values, { consumerId: consumer.id, status: consumer.status });
        return 0;
      }
      const { cliActor, setConsumerStatus } = await import('@finum-sync/server/operations');
      const row = await withStore(context.env, (store) => setConsumerStatus(store, values.id, status, cliActor()));
      printRecord(context, values, { consumerId: row.id, status: row.status });
      return 0;
    },
  });

export const consumerCommands: readonly Command[] = [
  consumerAdd,
  consumerList,
  statusCommand('disable', 'Disable a consumer: every running server refuses its tokens from the next request on.'),
  statusCommand('enable', 'Enable a disabled consumer again.'),
] as Command[];
