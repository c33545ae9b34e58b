import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ADMIN_DOCUMENT, CONSUMER_DOCUMENT, loadDocument, type OperationModel } from './openapi-model.js';
import { type RawRequest, type RawResponse, sendRaw } from './raw-http.js';
import { describeRequest, type FuzzRequest, requestArbitrary } from './requests.js';
import { documentViolations, matchMediaType, ResponseValidator, recordsInBody } from './response-checks.js';
import { VisibilityOracle } from './visibility.js';
import { ghostId, World } from './world.js';

/**
 * Schema-driven fuzzing (see README.md beside this file): every operation of
 * `openapi.json` and `admin-openapi.json`, valid and broken requests generated from the
 * documents, sent over a real socket to a server holding the data of two consumers.
 * `FUZZ_RUNS` requests (default 1500) from seed `FUZZ_SEED` per dialect.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
const SEED = Number(process.env.FUZZ_SEED ?? 20261123);

const documents = [loadDocument('consumer', CONSUMER_DOCUMENT), loadDocument('admin', ADMIN_DOCUMENT)];
const validators = new Map(documents.map((d) => [d, new ResponseValidator(d)]));
const operations = documents.flatMap((d) => d.operations);

/** Replaces whole-token occurrences of each key of `map` by its value. */
function substitute(text: string, map: Map<string, string>): string {
  if (map.size === 0) return text;
  const keys = [...map.keys()].sort((a, b) => b.length - a.length).map((k) => k.replace(/[-]/g, '\\-'));
  return text.replace(new RegExp(`(?<![A-Za-z0-9_-])(${keys.join('|')})(?![A-Za-z0-9_-])`, 'g'), (m) => map.get(m)!);
}

const substituteRequest = (r: RawRequest, map: Map<string, string>): RawRequest => ({
  method: r.method,
  target: substitute(r.target, map),
  headers: r.headers.map(([n, v]) => [n, substitute(v, map)] as const),
  body: r.body && Buffer.from(substitute(r.body.toString('latin1'), map), 'latin1'),
});

describe.each(inject('dialects'))('schema-driven fuzzing (%s)', (dialect) => {
  let world: World;
  let oracle: VisibilityOracle;
  /** operationId → status → count. */
  const seen = new Map<string, Map<number, number>>();

  beforeAll(async () => {
    world = await World.start(dialect);
    oracle = new VisibilityOracle(world);
  });
  afterAll(() => world?.close());

  const send = async (r: FuzzRequest | RawRequest, as: FuzzRequest['as'] | 'admin') => {
    oracle.noteRequest(as, r);
    return sendRaw(world.server.url, r);
  };

  /** Everything wrong with the answer to one request; sends a twin when it carries the other consumer's ids. */
  async function judge(request: FuzzRequest): Promise<string[]> {
    const op = request.operation;
    const sender = op.security === 'admin' ? 'admin' : request.as;
    const foreign = request.as ? oracle.foreignIds(request.as, request) : [];
    const hasKey = request.headers.some(([n]) => n.toLowerCase() === 'idempotency-key');
    const ghosts = new Map(foreign.map((id) => [id, ghostId(id.length)]));
    const twin = foreign.length > 0 && !hasKey ? substituteRequest(request, ghosts) : undefined;
    const writes = request.method !== 'GET';
    // SPEC §4: ids it may not see behave exactly like ids that do not exist. A write's twin
    // goes first: when it changed nothing (non-2xx), the original must answer the same.
    let twinRes: RawResponse | undefined;
    if (twin && writes) twinRes = await send(twin, sender);
    const res = await send(request, sender);
    if (twin && !writes) twinRes = await send(twin, sender);

    if (process.env.FUZZ_LOG) {
      console.log(`${res.status} ${describeRequest(request).slice(0, 600)}\n  → ${res.text.slice(0, 300)}`);
    }
    const counts = seen.get(op.operationId) ?? new Map<number, number>();
    counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
    seen.set(op.operationId, counts);

    const validator = validators.get(op.document)!;
    // A path parameter generated empty (`/applications//reject`) names no route: with a wrong
    // method that is a 404 (no endpoint), not a 405; with the right one, the documented answer.
    const noRoute = request.method !== op.method && res.status === 404 && request.target.split('?')[0]!.includes('//');
    const failures = noRoute ? [] : documentViolations(validator, op, res, request.method === op.method);
    let records: Array<{ type?: string; id: string }> = [];
    if (res.status >= 200 && res.status < 300 && /json/.test(res.headers['content-type'] ?? '')) {
      const documented = op.responses[String(res.status)];
      const media = documented && matchMediaType(Object.keys(documented.content), res.headers['content-type']);
      try {
        if (media) records = recordsInBody(op.document.document, documented.content[media], JSON.parse(res.text));
      } catch {}
      if (writes) await world.refresh();
    }
    if (op.security !== 'admin') failures.push(...(await oracle.leaks(request.as, res, records)));
    if (twinRes && !(writes && twinRes.status < 300)) {
      const back = new Map([...ghosts].map(([id, ghost]) => [ghost, id]));
      const twinText = substitute(twinRes.text, back);
      if (twinRes.status !== res.status) {
        failures.push(`with ids of the other consumer ${res.status}, with ids that never existed ${twinRes.status}`);
      } else if ((!writes || res.status >= 300) && twinText !== res.text) {
        failures.push(
          `ids of the other consumer answer differently from ids that never existed:\n${res.text.slice(0, 400)}\n≠\n${twinText.slice(0, 400)}`,
        );
      }
    }
    if (failures.length > 0) {
      failures.push(`answer: ${res.status} ${res.headers['content-type'] ?? ''} ${res.text.slice(0, 600)}`);
    }
    return failures;
  }

  it(
    `answers ${RUNS} generated requests as the documents say, and nothing of the other consumer leaks`,
    async () => {
      const arbitrary = fc.constantFrom(...operations).chain((op: OperationModel) => requestArbitrary(world, op));
      await fc.assert(
        fc.asyncProperty(arbitrary, async (request) => {
          const failures = await judge(request);
          if (failures.length > 0) throw new Error(failures.join('\n'));
        }),
        {
          seed: SEED,
          numRuns: RUNS,
          ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
          interruptAfterTimeLimit: 30 * 60_000,
        },
      );
      const table = operations.map((op) => {
        const counts = seen.get(op.operationId);
        const statuses = counts
          ? [...counts]
              .sort(([a], [b]) => a - b)
              .map(([s, n]) => `${s}×${n}`)
              .join(' ')
          : '—';
        return `${op.method.padEnd(5)} ${op.path.padEnd(34)} ${statuses}`;
      });
      console.log(`fuzz (${dialect}, seed ${SEED}, ${RUNS} runs):\n${table.join('\n')}`);
      if (RUNS >= 10 * operations.length) {
        const unexercised = operations.filter((op) => !seen.has(op.operationId)).map((op) => op.operationId);
        expect(unexercised, 'operations the fuzzer never called').toEqual([]);
      }
    },
    120_000 + RUNS * 500,
  );
});
