import { createServer, type IncomingMessage, type Server } from 'node:http';
import { CallbackVerificationError, isContractStatusEvent, verifyCallback } from '@finum-sync/client';
import { ConfigError } from './config.js';
import type { MirrorStore } from './mirror/mirror-store.js';
import type { ProviderResult } from './runner.js';

/** Parses `--metrics`/`--listen`: `port` or `host:port` (default host 127.0.0.1). */
export function parseListenAddress(value: string, option: string): { host: string; port: number } {
  const match = /^(?:(.+):)?(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[2]);
  if (!match || port > 65_535) throw new ConfigError(`--${option} must be a port or host:port (got '${value}')`);
  return { host: match[1] ?? '127.0.0.1', port };
}

async function listen(server: Server, address: { host: string; port: number }): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => resolve());
  });
  const bound = server.address() as { address: string; port: number };
  const host = bound.address.includes(':') ? `[${bound.address}]` : bound.address;
  return `http://${host}:${bound.port}`;
}

/**
 * Prometheus metrics of a watching sync (`--metrics`): lag per provider and type
 * (now − watermark), records in the mirror, records written and errors per run.
 *
 * @example
 * const metrics = await startMetrics(mirror, { host: '127.0.0.1', port: 9464 });
 * metrics.observe(results); // after each run
 */
export async function startMetrics(mirror: MirrorStore, address: { host: string; port: number }) {
  // prom-client is loaded when metrics are asked for (--metrics), not by every sync.
  const { Counter, Gauge, Registry } = await import('prom-client');
  const registry = new Registry();
  const labels = ['provider', 'type'] as const;
  const lag = new Gauge({
    name: 'finum_sync_lag_seconds',
    help: 'Now minus the stored watermark, per provider and record type.',
    labelNames: labels,
    registers: [registry],
  });
  const records = new Gauge({
    name: 'finum_sync_mirror_records',
    help: 'Rows in the mirror (tombstones included), per provider and record type.',
    labelNames: labels,
    registers: [registry],
  });
  const written = new Counter({
    name: 'finum_sync_records_written_total',
    help: 'Records written to the mirror, by what happened to them.',
    labelNames: [...labels, 'change'],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'finum_sync_errors_total',
    help: 'Stream runs that ended with an error.',
    labelNames: labels,
    registers: [registry],
  });
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    void (async () => {
      try {
        const now = Date.now();
        for (const s of await mirror.status()) {
          const at = s.watermark ? Date.parse(s.watermark) : Number.NaN;
          if (!Number.isNaN(at)) lag.set({ provider: s.provider, type: s.type }, Math.max(0, (now - at) / 1000));
          records.set({ provider: s.provider, type: s.type }, s.records);
        }
        res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
      } catch (error) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end(`mirror unavailable: ${(error as Error).message}\n`);
      }
    })();
  });
  const url = await listen(server, address);
  return {
    url: `${url}/metrics`,
    observe(results: readonly ProviderResult[]) {
      for (const r of results) {
        for (const s of r.streams) {
          for (const change of ['created', 'updated', 'deleted'] as const) {
            written.inc({ provider: r.provider, type: s.type, change }, s.tally[change]);
          }
          if (!s.ok) errors.inc({ provider: r.provider, type: s.type });
        }
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const MAX_CALLBACK_BYTES = 64 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => {
      size += part.length;
      if (size > MAX_CALLBACK_BYTES) {
        reject(new Error('too large'));
        req.destroy();
      } else parts.push(part);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Receives the providers' callbacks (`--listen`): `POST /<provider>` (or `POST /` with a
 * single provider), verified with that provider's callback secret (Standard Webhooks); a
 * `contract.status-changed` event syncs that contract at once. Unverified requests get 401,
 * and nothing is fetched for them.
 */
export async function startCallbackListener(
  address: { host: string; port: number },
  providers: ReadonlyMap<string, { secret: string; syncContract: (id: string) => Promise<void> }>,
  onError: (message: string) => void,
) {
  const single = providers.size === 1 ? [...providers.values()][0] : undefined;
  const server = createServer((req, res) => {
    void (async () => {
      const name = decodeURIComponent((req.url ?? '/').split('?')[0]!.slice(1));
      const target = name === '' ? single : providers.get(name);
      if (req.method !== 'POST' || !target) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('POST /<provider> with a callback\n');
        return;
      }
      let body: string;
      try {
        body = await readBody(req);
      } catch {
        res.writeHead(413).end();
        return;
      }
      let event: unknown;
      try {
        event = verifyCallback(body, req.headers, target.secret).event;
      } catch (error) {
        res.writeHead(error instanceof CallbackVerificationError ? 401 : 400, { 'content-type': 'text/plain' });
        res.end(`${(error as Error).message}\n`);
        return;
      }
      // Answered first (the provider's delivery must not wait for our fetch); synced right after.
      res.writeHead(204).end();
      if (isContractStatusEvent(event)) {
        await target
          .syncContract(event.contractId)
          .catch((error: Error) => onError(`callback sync of ${event.contractId}: ${error.message}`));
      }
    })();
  });
  const url = await listen(server, address);
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
