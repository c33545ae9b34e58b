import type { SyncCommandOptions } from '@finum-sync/sync';
import { type Context, defineCommand, intOption, JSON_OPTION, type OptionDef, UsageError } from '../command.js';
import { readPayload, readPrivateKey } from './token.js';

// The engine is imported when a sync command runs, never when the CLI starts: consumer
// commands load neither it nor the server.
const engine = () => import('@finum-sync/sync');

const io = (context: Context) => ({ out: context.out, err: context.err, isTTY: process.stderr.isTTY === true });

const providerOptions = {
  'base-url': { type: 'string', value: '<url>', description: "The provider's base URL (without /v1)." },
  payload: { type: 'string', value: '<json|file>', description: 'JWT payload from onboarding, as JSON or a file.' },
  key: { type: 'string', value: '<pem-file>', description: 'PEM private key file of the consumer.' },
  provider: {
    type: 'string',
    value: '<name>',
    description: "The provider's name in the mirror (default: the URL's host).",
  },
  database: {
    type: 'string',
    value: '<path|postgres-url>',
    description: 'Mirror database (default: ./finum-mirror.db).',
  },
  types: { type: 'string', value: '<types>', description: 'Record types, comma-separated (default: all five).' },
  files: { type: 'boolean', description: 'Also download file bytes (content-addressed, sha256 checked).' },
  config: { type: 'string', value: '<providers.json>', description: 'Several providers, synced concurrently.' },
  overlap: {
    type: 'string',
    value: '<interval>',
    description: 'Without X-Sync-Until: start the next sync this long before this one (default 5m).',
  },
  'chunk-size': {
    type: 'string',
    value: '<ids>',
    description: 'Ids per chunk: one fetch, one transaction (default 1000).',
  },
  'max-url-bytes': {
    type: 'string',
    value: '<bytes>',
    description:
      'Longest T-list request URL (default 61440; lower it behind a strict proxy; providers.json: maxUrlBytes).',
  },
  json: { type: 'boolean', description: 'Print one JSON summary per run on stdout.' },
} as const;

type ProviderValues = {
  [K in keyof typeof providerOptions]: (typeof providerOptions)[K]['type'] extends 'boolean'
    ? boolean
    : string | undefined;
};

/** The providers of a command line: `--config`, or one from `--base-url --payload --key`. */
async function providersOf(
  values: ProviderValues,
): Promise<Pick<SyncCommandOptions, 'providers' | 'database' | 'plan'>> {
  const {
    readProvidersConfig,
    parseTypes,
    defaultProviderName,
    checkProviderName,
    parseInterval,
    MAX_URL_BYTES_RANGE,
  } = await engine();
  const maxUrlBytes = values['max-url-bytes']
    ? intOption(values['max-url-bytes'], 'max-url-bytes', MAX_URL_BYTES_RANGE.min, MAX_URL_BYTES_RANGE.max)
    : undefined;
  const plan = {
    ...(values.overlap ? { overlapMs: parseInterval(values.overlap, '--overlap') } : {}),
    ...(values['chunk-size'] ? { chunkSize: intOption(values['chunk-size'], 'chunk-size', 1, 50_000) } : {}),
  };
  if (values.config) {
    if (values['base-url'] || values.payload || values.key) {
      throw new UsageError('--config names the providers; leave out --base-url, --payload and --key', {
        pointToHelp: true,
      });
    }
    const config = readProvidersConfig(values.config);
    // --max-url-bytes on the command line wins over each provider's own.
    const providers = maxUrlBytes ? config.providers.map((p) => ({ ...p, maxUrlBytes })) : config.providers;
    return { providers, database: values.database ?? config.database, plan };
  }
  for (const option of ['base-url', 'payload', 'key'] as const) {
    if (!values[option])
      throw new UsageError(`--${option} is required (or --config <providers.json>)`, { pointToHelp: true });
  }
  const baseUrl = values['base-url']!;
  const { key } = readPrivateKey(values.key!);
  return {
    providers: [
      {
        name: checkProviderName(values.provider ?? defaultProviderName(baseUrl)),
        baseUrl,
        payload: readPayload(values.payload!),
        privateKey: key,
        types: parseTypes(values.types),
        files: values.files,
        intervalMs: undefined,
        maxUrlBytes,
      },
    ],
    database: values.database,
    plan,
  };
}

/** Stops a watching sync on SIGINT/SIGTERM after the run under way. */
function stopSignal(): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  return controller.signal;
}

export const sync = defineCommand({
  path: ['sync'],
  summary: "Mirror a provider's records (or several providers') into SQLite or PostgreSQL.",
  details: [
    'Lists the ids changed since the stored watermark, fetches them chunk by chunk and advances the watermark',
    'only once every record is in the mirror (SPEC §11). A run that is interrupted resumes where it stopped.',
    'Tables: client, contract, file, product, user (provider, id, version, deleted, updated_at, record).',
    'Exit 0 when every stream finished, 1 when one failed (see `finum-sync sync status`), 2 on bad input.',
  ].join('\n'),
  options: {
    ...providerOptions,
    watch: { type: 'string', value: '<interval>', description: 'Repeat every interval (30s, 5m, 1h) until stopped.' },
    metrics: {
      type: 'string',
      value: '<[host:]port>',
      description: 'Serve Prometheus metrics at /metrics (lag, records, errors).',
    },
    listen: {
      type: 'string',
      value: '<[host:]port>',
      description: 'Receive callbacks and sync their contract at once.',
    },
    'callback-secret': {
      type: 'string',
      value: '<whsec_…>',
      description: 'Callback secret for --listen (in providers.json: callbackSecret).',
    },
  },
  examples: [
    `finum-sync sync --base-url https://syncapi.example.com --payload payload.json --key acme.private.pem`,
    'finum-sync sync --config providers.json --database postgres://localhost/mirror --watch 5m',
  ],
  async run(values, context) {
    const { runSyncCommand, parseInterval, parseListenAddress } = await engine();
    const watchMs = values.watch ? parseInterval(values.watch) : undefined;
    const options = await providersOf(values);
    if (values['callback-secret']) {
      if (options.providers.length > 1)
        throw new UsageError('--callback-secret is for one provider; put callbackSecret in providers.json');
      options.providers = options.providers.map((p) => ({ ...p, callbackSecret: values['callback-secret'] }));
    }
    const metrics = values.metrics ? parseListenAddress(values.metrics, 'metrics') : undefined;
    const listen = values.listen ? parseListenAddress(values.listen, 'listen') : undefined;
    const longRunning = watchMs !== undefined || listen !== undefined;
    return runSyncCommand(
      { ...options, json: values.json, watchMs, metrics, listen, ...(longRunning ? { signal: stopSignal() } : {}) },
      io(context),
    );
  },
});

export const syncVerify = defineCommand({
  path: ['sync', 'verify'],
  summary: 'Compare every visible id and version with the mirror, repair the drift and report its count.',
  options: providerOptions,
  async run(values, context) {
    const { runSyncCommand } = await engine();
    return runSyncCommand({ ...(await providersOf(values)), json: values.json, full: true }, io(context));
  },
});

export const syncStatus = defineCommand({
  path: ['sync', 'status'],
  summary: 'Show per provider and type the watermark, last attempt, last success, counts and last error.',
  options: {
    database: providerOptions.database,
    provider: { type: 'string', value: '<name>', description: 'Only this provider.' },
    json: providerOptions.json,
  },
  async run(values, context) {
    const { runStatusCommand } = await engine();
    return runStatusCommand(values, io(context));
  },
});

export const syncReset = defineCommand({
  path: ['sync', 'reset'],
  summary: 'Re-sync streams in full on the next run; the old rows stay readable until that window commits.',
  options: {
    provider: { type: 'string', value: '<name>', required: true, description: "The provider's name in the mirror." },
    type: { type: 'string', value: '<types>', required: true, description: 'Record types, comma-separated.' },
    database: providerOptions.database,
    json: JSON_OPTION,
  },
  async run(values, context) {
    const { runResetCommand, parseTypes } = await engine();
    return runResetCommand(
      {
        database: values.database,
        provider: values.provider,
        types: parseTypes(values.type, '--type'),
        json: values.json,
      },
      io(context),
    );
  },
});

const AIRBYTE_JSON: OptionDef = {
  type: 'boolean',
  description: 'Accepted for scripts: the output is Airbyte protocol messages, one JSON object a line, anyway.',
};

const airbyte = (
  command: 'spec' | 'check' | 'discover' | 'read',
  summary: string,
  options: Record<string, OptionDef>,
) =>
  defineCommand({
    path: ['airbyte', command],
    summary,
    details:
      'An Airbyte source connector over the sync engine: Airbyte protocol messages, one JSON object a line, on stdout (see packages/sync/README.md).',
    // Airbyte messages are JSON lines already: --json is accepted for scripts and changes nothing.
    options: { ...options, json: AIRBYTE_JSON },
    async run(values, context) {
      const { runAirbyte } = await engine();
      const v = values as Record<string, string | undefined>;
      return runAirbyte({ command, config: v.config, catalog: v.catalog, state: v.state, emit: context.out });
    },
  });

const airbyteConfig: OptionDef = {
  type: 'string',
  value: '<config.json>',
  required: true,
  description: 'Connector configuration: {"base_url", "payload", "private_key"}.',
};

export const airbyteCommands = [
  airbyte('spec', 'Print the connector specification (Airbyte SPEC message).', {}),
  airbyte('check', 'Check the configuration against the provider (CONNECTION_STATUS).', { config: airbyteConfig }),
  airbyte('discover', 'Print the streams: one per record type (CATALOG).', {
    config: { ...airbyteConfig, required: false },
  }),
  airbyte('read', 'Read the configured streams: RECORD, STATE per stream and chunk, TRACE.', {
    config: airbyteConfig,
    catalog: { type: 'string', value: '<catalog.json>', required: true, description: 'The configured catalog.' },
    state: { type: 'string', value: '<state.json>', description: 'The STATE messages of the previous read.' },
  }),
];

export const syncCommands = [syncStatus, syncReset, syncVerify, sync, ...airbyteCommands];
