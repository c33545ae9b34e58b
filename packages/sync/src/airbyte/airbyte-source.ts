import { readFileSync } from 'node:fs';
import { RECORD_TYPES, type RecordType } from '@finum-sync/spec/constants';
import { ConfigError, checkMaxUrlBytes, defaultProviderName, MAX_URL_BYTES_RANGE, parseTypes } from '../config.js';
import type { WriteTally } from '../mirror/mirror-store.js';
import type { Chunk, PlanOptions, StoredStream, SyncWindow } from '../planner.js';
import { DEFAULT_SYNC_MAX_URL_BYTES, type ProviderSource, sdkSource } from '../provider-source.js';
import { runStream, type StreamStore } from '../runner.js';

/**
 * The Airbyte protocol (v0) over the same planner and runner: `spec`, `check`, `discover`
 * and `read` write one Airbyte message a line on stdout. A stream's state is what the
 * mirror's `sync_*` tables hold — the watermark, and while a window is open its bounds and
 * unfinished chunks — checkpointed as a per-stream STATE message after every chunk's
 * RECORD messages, so a read that is stopped resumes with the next chunk.
 */

/** The connector's configuration (`--config`). */
export interface AirbyteConfig {
  base_url: string;
  /** The JWT payload from onboarding. */
  payload: Record<string, unknown>;
  /** PKCS#8 PEM private key of the consumer. */
  private_key: string;
  /** Without X-Sync-Until: seconds of overlap (default 300). */
  overlap_seconds?: number;
  /** Longest `T-list?id-list=` URL, bytes (default 61440, as `finum-sync sync`). */
  max_url_bytes?: number;
}

/** What a stream's STATE message carries: the mirror's stream row, as JSON. */
export interface AirbyteStreamState {
  watermark: string | null;
  window?: SyncWindow;
  pending?: Chunk[];
}

type Message = Record<string, unknown> & { type: string };

const CONFIG_SPEC = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'FiNUM Sync API source',
  type: 'object',
  required: ['base_url', 'payload', 'private_key'],
  additionalProperties: false,
  properties: {
    base_url: { type: 'string', title: 'Base URL', description: "The provider's API root, without /v1.", order: 0 },
    payload: {
      type: 'object',
      title: 'JWT payload',
      description: 'The JWT payload from onboarding: {"sub": <consumer id>, "aud": <audience>}.',
      order: 1,
    },
    private_key: {
      type: 'string',
      title: 'Private key',
      description: "The consumer's private key (PKCS#8 PEM).",
      airbyte_secret: true,
      multiline: true,
      order: 2,
    },
    overlap_seconds: {
      type: 'integer',
      title: 'Overlap without X-Sync-Until',
      description: 'For providers that send no X-Sync-Until header: how far before its last request a sync starts.',
      default: 300,
      minimum: 0,
      order: 3,
    },
    max_url_bytes: {
      type: 'integer',
      title: 'Longest request URL (bytes)',
      description: 'Id lists are split so that no T-list request URL is longer (lower it behind a strict proxy).',
      default: DEFAULT_SYNC_MAX_URL_BYTES,
      minimum: MAX_URL_BYTES_RANGE.min,
      maximum: MAX_URL_BYTES_RANGE.max,
      order: 4,
    },
  },
} as const;

/** `spec`: the connector specification. */
export function specMessage(): Message {
  return {
    type: 'SPEC',
    spec: { connectionSpecification: CONFIG_SPEC, supportsIncremental: true, supported_destination_sync_modes: [] },
  };
}

/**
 * `discover`: one stream per record type, its JSON Schema from the spec package, cursor
 * `updatedAt`, key `id`. The spec (its schemas and TypeBox) is loaded here only, so that a
 * `read` or a `finum-sync sync` process starts without it.
 */
export async function catalogMessage(): Promise<Message> {
  const { recordSchema } = await import('@finum-sync/spec');
  return {
    type: 'CATALOG',
    catalog: {
      streams: RECORD_TYPES.map((type) => ({
        name: type,
        json_schema: recordSchema(type),
        supported_sync_modes: ['full_refresh', 'incremental'],
        source_defined_cursor: true,
        default_cursor_field: ['updatedAt'],
        source_defined_primary_key: [['id']],
        is_resumable: true,
      })),
    },
  };
}

const trace = (trace: Record<string, unknown>): Message => ({
  type: 'TRACE',
  trace: { emitted_at: Date.now(), ...trace },
});

const streamStatus = (name: string, status: 'STARTED' | 'RUNNING' | 'COMPLETE' | 'INCOMPLETE'): Message =>
  trace({ type: 'STREAM_STATUS', stream_status: { stream_descriptor: { name }, status } });

const stateMessage = (name: string, state: AirbyteStreamState): Message => ({
  type: 'STATE',
  state: { type: 'STREAM', stream: { stream_descriptor: { name }, stream_state: state } },
});

/** Reads and checks `--config`. */
export function readAirbyteConfig(path: string): AirbyteConfig {
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`--config ${path}: ${(error as Error).message}`);
  }
  const c = config as Partial<AirbyteConfig>;
  if (typeof c?.base_url !== 'string') throw new ConfigError(`--config ${path}: "base_url" is required`);
  if (typeof c.payload !== 'object' || c.payload === null)
    throw new ConfigError(`--config ${path}: "payload" must be an object`);
  if (typeof c.private_key !== 'string') throw new ConfigError(`--config ${path}: "private_key" (PEM) is required`);
  if (c.max_url_bytes !== undefined) checkMaxUrlBytes(c.max_url_bytes, `--config ${path}: "max_url_bytes"`);
  defaultProviderName(c.base_url);
  return c as AirbyteConfig;
}

/** The streams of a configured catalog, with their sync mode. */
function readCatalog(path: string): { type: RecordType; incremental: boolean }[] {
  let catalog: { streams?: { stream?: { name?: string }; sync_mode?: string }[] };
  try {
    catalog = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`--catalog ${path}: ${(error as Error).message}`);
  }
  if (!Array.isArray(catalog?.streams))
    throw new ConfigError(`--catalog ${path}: expected a configured catalog with "streams"`);
  return catalog.streams.map((s) => ({
    type: parseTypes([String(s.stream?.name)], `--catalog ${path}`)[0]!,
    incremental: s.sync_mode === 'incremental',
  }));
}

/** The per-stream states of `--state`: an array of STATE messages (or a legacy object keyed by stream). */
function readState(path: string | undefined): Map<string, AirbyteStreamState> {
  const states = new Map<string, AirbyteStreamState>();
  if (!path) return states;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`--state ${path}: ${(error as Error).message}`);
  }
  const list = Array.isArray(parsed) ? parsed : [];
  for (const entry of list as {
    type?: string;
    stream?: { stream_descriptor?: { name?: string }; stream_state?: AirbyteStreamState };
  }[]) {
    const name = entry.stream?.stream_descriptor?.name;
    if (entry.type === 'STREAM' && name && entry.stream?.stream_state) states.set(name, entry.stream.stream_state);
  }
  return states;
}

/**
 * A StreamStore that keeps a stream's state in memory and announces it: RECORD messages
 * for a chunk's records, then the STATE that says the chunk is done.
 */
function airbyteStore(name: string, initial: AirbyteStreamState | undefined, emit: (m: Message) => void): StreamStore {
  let state: AirbyteStreamState = initial ?? { watermark: null };
  const checkpoint = () => emit(stateMessage(name, state));
  return {
    async readStream(): Promise<StoredStream> {
      return {
        watermark: state.watermark,
        window: state.window ? { window: state.window, pending: (state.pending ?? []).map((c) => c.index) } : null,
        resetRequested: false,
      };
    },
    async readChunks(_provider, _type, indexes) {
      return indexes.map((index) => (state.pending ?? []).find((c) => c.index === index) ?? { index, ids: [] });
    },
    async markAttempt() {},
    async openWindow(_provider, _type, window, chunks) {
      // This store stages no listing (the runner chunks it in memory and hands the chunks over).
      if (!chunks) throw new Error('airbyte: a window opens with its chunks');
      state = { watermark: state.watermark, window, pending: [...chunks] };
      checkpoint();
    },
    async writeChunk(_provider, _type, _window, chunk, records): Promise<WriteTally> {
      const emittedAt = Date.now();
      let deleted = 0;
      for (const record of records) {
        if (record.deleted) deleted++;
        emit({ type: 'RECORD', record: { stream: name, data: record, emitted_at: emittedAt } });
      }
      state = { ...state, pending: (state.pending ?? []).filter((c) => c.index !== chunk) };
      checkpoint();
      // Airbyte's destination decides what is new: every record is handed on as updated.
      return { created: 0, updated: records.length - deleted, deleted, unchanged: 0 };
    },
    async advance(_provider, _type, window) {
      state = { watermark: window.until };
      checkpoint();
      return 0;
    },
    async markFailure() {},
  };
}

export interface AirbyteOptions {
  command: 'spec' | 'check' | 'discover' | 'read';
  config?: string | undefined;
  catalog?: string | undefined;
  state?: string | undefined;
  /** Writes one message (a line). */
  emit: (line: string) => void;
  sourceFor?: (config: AirbyteConfig) => ProviderSource;
  plan?: Partial<PlanOptions>;
}

/**
 * Runs one Airbyte command. Resolves to the exit code: 0, or 1 when `read` failed on a
 * stream (its error is also a TRACE ERROR message).
 *
 * @example
 * await runAirbyte({ command: 'read', config: 'config.json', catalog: 'catalog.json', emit: (l) => process.stdout.write(`${l}\n`) });
 */
export async function runAirbyte(options: AirbyteOptions): Promise<number> {
  const emit = (message: Message) => options.emit(JSON.stringify(message));
  if (options.command === 'spec') {
    emit(specMessage());
    return 0;
  }
  if (options.command === 'discover') {
    emit(await catalogMessage());
    return 0;
  }
  if (!options.config) throw new ConfigError(`airbyte ${options.command} needs --config <file>`);
  const config = readAirbyteConfig(options.config);
  const source = (
    options.sourceFor ??
    ((c: AirbyteConfig) =>
      sdkSource({
        baseUrl: c.base_url,
        payload: c.payload,
        privateKey: c.private_key,
        ...(c.max_url_bytes !== undefined ? { maxUrlBytes: c.max_url_bytes } : {}),
      }))
  )(config);
  const provider = defaultProviderName(config.base_url);
  if (options.command === 'check') {
    try {
      await source.changedIds('product', null);
      emit({ type: 'CONNECTION_STATUS', connectionStatus: { status: 'SUCCEEDED' } });
    } catch (error) {
      emit({ type: 'CONNECTION_STATUS', connectionStatus: { status: 'FAILED', message: (error as Error).message } });
    }
    return 0;
  }
  if (!options.catalog) throw new ConfigError('airbyte read needs --catalog <configured catalog file>');
  const streams = readCatalog(options.catalog);
  const states = readState(options.state);
  const plan = {
    ...options.plan,
    ...(config.overlap_seconds !== undefined ? { overlapMs: config.overlap_seconds * 1000 } : {}),
  };
  let failed = false;
  for (const { type, incremental } of streams) {
    emit(streamStatus(type, 'STARTED'));
    emit(streamStatus(type, 'RUNNING'));
    const store = airbyteStore(type, incremental ? states.get(type) : undefined, emit);
    const result = await runStream(source, store, provider, type, { plan, full: !incremental });
    if (result.warning) emit({ type: 'LOG', log: { level: 'WARN', message: `${type}: ${result.warning}` } });
    if (result.ok) emit(streamStatus(type, 'COMPLETE'));
    else {
      failed = true;
      emit(
        trace({
          type: 'ERROR',
          error: {
            message: `${type}: ${result.error}`,
            failure_type: 'transient_error',
            stream_descriptor: { name: type },
          },
        }),
      );
      emit(streamStatus(type, 'INCOMPLETE'));
    }
  }
  return failed ? 1 : 0;
}
