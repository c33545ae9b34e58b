import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { RECORD_TYPES, type RecordType } from '@finum-sync/spec/constants';

/** Bad configuration (a providers.json, an option value): the CLI prints it in one line and exits 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** One provider as `providers.json` and the command line describe it. */
export interface ProviderConfig {
  /** The provider's namespace in the mirror (the `provider` column). */
  name: string;
  baseUrl: string;
  payload: Record<string, unknown>;
  /** The consumer's private key: PEM text or a KeyObject. */
  privateKey: string | KeyObject;
  types: RecordType[];
  files: boolean;
  /** `--watch`: this provider's own interval (ms); default the command's. */
  intervalMs: number | undefined;
  /** `--listen`: the consumer's callback secret (`whsec_…`) with this provider. */
  callbackSecret?: string | undefined;
  /** Longest `T-list?id-list=` URL for this provider, bytes (default `DEFAULT_SYNC_MAX_URL_BYTES`, 60 KiB). */
  maxUrlBytes?: number | undefined;
}

/** The range `maxUrlBytes` accepts: room for one id at the low end, SPEC §6's 64 KiB request line at the top. */
export const MAX_URL_BYTES_RANGE = { min: 1024, max: 64 * 1024 } as const;

/**
 * Checks a URL limit given as a JSON number: `maxUrlBytes` in providers.json, `max_url_bytes`
 * in an Airbyte config. (`--max-url-bytes` is the CLI's integer option, in the same range.)
 *
 * @example
 * checkMaxUrlBytes(8192, 'providers[0].maxUrlBytes'); // 8192
 */
export function checkMaxUrlBytes(value: unknown, where: string): number {
  const n = value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < MAX_URL_BYTES_RANGE.min || n > MAX_URL_BYTES_RANGE.max) {
    throw new ConfigError(
      `${where} must be a whole number of bytes from ${MAX_URL_BYTES_RANGE.min} to ${MAX_URL_BYTES_RANGE.max} (got ${JSON.stringify(value)})`,
    );
  }
  return n;
}

/**
 * Parses `--types contract,client`.
 *
 * @example
 * parseTypes('contract,client'); // ['contract', 'client']
 */
export function parseTypes(value: string | readonly string[] | undefined, where = '--types'): RecordType[] {
  if (value === undefined) return [...RECORD_TYPES];
  const names = (typeof value === 'string' ? value.split(',') : value).map((t) => String(t).trim()).filter(Boolean);
  const wrong = names.filter((t) => !(RECORD_TYPES as readonly string[]).includes(t));
  if (wrong.length > 0 || names.length === 0) {
    throw new ConfigError(`${where}: unknown record type '${wrong[0] ?? ''}'; use ${RECORD_TYPES.join(', ')}`);
  }
  return [...new Set(names)] as RecordType[];
}

/**
 * Parses an interval: `30s`, `5m`, `1h`, `500ms` or plain seconds.
 *
 * @example
 * parseInterval('5m'); // 300000
 */
export function parseInterval(value: string, where = '--watch'): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
  const ms = match ? Number(match[1]) * unit[(match[2] ?? 's') as keyof typeof unit] : Number.NaN;
  if (!Number.isFinite(ms) || ms < 100 || ms > 7 * 24 * 3_600_000) {
    throw new ConfigError(`${where} must be an interval such as 30s, 5m or 1h (got '${value}')`);
  }
  return ms;
}

/** The mirror's name for a provider without one: its base URL's host. */
export function defaultProviderName(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    throw new ConfigError(`--base-url is not a URL: '${baseUrl}'`);
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

/** Checks a provider name (it becomes a key in the mirror). */
export function checkProviderName(name: string, where = '--provider'): string {
  if (!NAME.test(name)) throw new ConfigError(`${where}: '${name}' is not a provider name (letters, digits, . _ : -)`);
  return name;
}

function readRelative(path: string, base: string, what: string): string {
  try {
    return readFileSync(resolve(base, path), 'utf8');
  } catch (error) {
    throw new ConfigError(`${what}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * Reads `providers.json`: `{ "database"?, "providers": [{ "name", "baseUrl", "payload"
 * (object or file), "keyFile", "types"?, "files"?, "interval"?, "callbackSecret"?, "maxUrlBytes"? }] }`. Paths are relative to
 * the file.
 *
 * @example
 * const { providers, database } = readProvidersConfig('providers.json');
 */
export function readProvidersConfig(path: string): { database: string | undefined; providers: ProviderConfig[] } {
  const base = dirname(resolve(path));
  let parsed: unknown;
  try {
    parsed = JSON.parse(readRelative(path, process.cwd(), '--config'));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`--config ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const root = parsed as { database?: unknown; providers?: unknown };
  if (typeof root !== 'object' || root === null || !Array.isArray(root.providers) || root.providers.length === 0) {
    throw new ConfigError(`--config ${path}: expected { "providers": [ … ] } with at least one provider`);
  }
  if (root.database !== undefined && typeof root.database !== 'string') {
    throw new ConfigError(`--config ${path}: "database" must be a path or a postgres:// URL`);
  }
  const seen = new Set<string>();
  const providers = root.providers.map((entry: unknown, i: number): ProviderConfig => {
    const where = `--config ${path}: providers[${i}]`;
    if (typeof entry !== 'object' || entry === null) throw new ConfigError(`${where} must be an object`);
    const e = entry as Record<string, unknown>;
    const known = [
      'name',
      'baseUrl',
      'payload',
      'keyFile',
      'types',
      'files',
      'interval',
      'callbackSecret',
      'maxUrlBytes',
    ];
    const unknown = Object.keys(e).find((k) => !known.includes(k));
    if (unknown) throw new ConfigError(`${where}: unknown field '${unknown}' (known: ${known.join(', ')})`);
    if (typeof e.baseUrl !== 'string') throw new ConfigError(`${where}.baseUrl is required (the provider's URL)`);
    const name = checkProviderName(
      typeof e.name === 'string' ? e.name : defaultProviderName(e.baseUrl),
      `${where}.name`,
    );
    if (seen.has(name)) throw new ConfigError(`${where}: provider name '${name}' is used twice`);
    seen.add(name);
    if (typeof e.keyFile !== 'string') throw new ConfigError(`${where}.keyFile is required (the PEM private key file)`);
    let payload: unknown = e.payload;
    if (typeof payload === 'string') {
      try {
        payload = JSON.parse(readRelative(payload, base, `${where}.payload`));
      } catch (error) {
        if (error instanceof ConfigError) throw error;
        throw new ConfigError(`${where}.payload: not valid JSON`);
      }
    }
    if (typeof payload !== 'object' || payload === null || typeof (payload as { sub?: unknown }).sub !== 'string') {
      throw new ConfigError(`${where}.payload must be the JWT payload from onboarding ({"sub", "aud"}) or its file`);
    }
    return {
      name,
      baseUrl: e.baseUrl,
      payload: payload as Record<string, unknown>,
      privateKey: readRelative(e.keyFile, base, `${where}.keyFile`),
      types: parseTypes(e.types as string[] | undefined, `${where}.types`),
      files: e.files === true,
      intervalMs: typeof e.interval === 'string' ? parseInterval(e.interval, `${where}.interval`) : undefined,
      callbackSecret: typeof e.callbackSecret === 'string' ? e.callbackSecret : undefined,
      maxUrlBytes: e.maxUrlBytes === undefined ? undefined : checkMaxUrlBytes(e.maxUrlBytes, `${where}.maxUrlBytes`),
    };
  });
  return { database: root.database as string | undefined, providers };
}
