import { metaFields, parseTimestamp, recordFields } from '@finum-sync/spec';
import {
  isJson,
  json,
  type Mutant,
  type ProxyRequest,
  type ProxyResponse,
  pathOf,
  problem,
  queryOf,
  tokenOf,
  withJson,
  withValidToken,
} from './proxy.js';

/**
 * Deliberately broken providers: the real server behind a proxy with exactly one defect
 * each. `catches` lists the rules the defect must fail — every other rule must not fail.
 * Where one defect breaks several promises of the SPEC, all of them are listed (with why).
 */

const SECOND = 'fsv-second';
const nowS = () => Math.floor(Date.now() / 1000);

const isList = (req: ProxyRequest) => req.method === 'GET' && /^\/v1\/[a-z]+-list$/.test(pathOf(req));
const isIdList = (req: ProxyRequest) => req.method === 'GET' && /-id-list-updated$/.test(pathOf(req));
const listType = (req: ProxyRequest) => /^\/v1\/([a-z]+)-list$/.exec(pathOf(req))?.[1];
const requester = (req: ProxyRequest) => tokenOf(req)?.payload.sub;

/** Accept tokens matching `when` as if they were valid. */
const acceptToken = (
  name: string,
  defect: string,
  catches: string[],
  when: (t: NonNullable<ReturnType<typeof tokenOf>>) => boolean,
): Mutant => ({
  name,
  defect,
  catches,
  request: (req, tools) => {
    const t = tokenOf(req);
    return t && when(t) ? withValidToken(req, tools, String(t.payload.sub ?? 'demo')) : req;
  },
});

/** Rewrites every record of 200 T-list answers (of one type, or all). */
const mapRecords = (
  name: string,
  defect: string,
  catches: string[],
  type: string | undefined,
  fn: (r: Record<string, unknown>) => Record<string, unknown>,
): Mutant => ({
  name,
  defect,
  catches,
  response: (req, res) => {
    if (!isList(req) || res.status !== 200 || (type && listType(req) !== type)) return res;
    return withJson(res, (json(res) as Array<Record<string, unknown>>).map(fn));
  },
});

const mapListBody = (
  name: string,
  defect: string,
  catches: string[],
  fn: (records: Array<Record<string, unknown>>, req: ProxyRequest) => unknown[],
  only?: (req: ProxyRequest) => boolean,
): Mutant => ({
  name,
  defect,
  catches,
  response: (req, res) =>
    isList(req) && res.status === 200 && (!only || only(req))
      ? withJson(res, fn(json(res) as Array<Record<string, unknown>>, req))
      : res,
});

const withQuery = (req: ProxyRequest, change: (q: URLSearchParams) => void): ProxyRequest => {
  const url = new URL(req.path, 'http://x');
  change(url.searchParams);
  return { ...req, path: `${url.pathname}${url.search}` };
};

const idCount = (req: ProxyRequest) => (queryOf(req).get('id-list') ?? '').split(',').filter((s) => s.trim()).length;

const rewriteBody = (
  req: ProxyRequest,
  fn: (body: Record<string, unknown>) => Record<string, unknown>,
): ProxyRequest => {
  try {
    const body = JSON.parse(req.body.toString('utf8'));
    if (!body || typeof body !== 'object' || Array.isArray(body)) return req;
    return { ...req, body: Buffer.from(JSON.stringify(fn(body))) };
  } catch {
    return req;
  }
};

const htmlPage = (res: ProxyResponse): ProxyResponse => {
  const detail = isJson(res) ? String((json(res) as { detail?: unknown }).detail ?? '') : res.body.toString('utf8');
  return {
    status: res.status,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: Buffer.from(
      `<!DOCTYPE html><html><head><title>Error ${res.status}</title></head><body><h1>Error ${res.status}</h1><p>${detail}</p></body></html>`,
    ),
  };
};

/** The message without one header. */
function withoutHeader<M extends { headers: Record<string, string> }>(message: M, name: string): M {
  const { [name]: _dropped, ...headers } = message.headers;
  return { ...message, headers };
}

/** Answers every `n`th request with `answer()` (counted per run). */
function everyNth(n: number, answer: () => ProxyResponse): NonNullable<Mutant['request']> {
  return (req, tools) => {
    const count = ((tools.memory.get('count') as number | undefined) ?? 0) + 1;
    tools.memory.set('count', count);
    return count % n === 0 ? answer() : req;
  };
}

export const MUTANTS: readonly Mutant[] = [
  // AUTH (SPEC §3): tokens the provider must refuse, accepted.
  {
    name: 'no-token-accepted',
    defect: 'answers requests without Authorization as the demo consumer',
    catches: ['FSV-AUTH-001'],
    request: (req, tools) => (req.headers.authorization ? req : withValidToken(req, tools)),
  },
  acceptToken('alg-none-accepted', "accepts alg 'none'", ['FSV-AUTH-002'], (t) => t.header.alg === 'none'),
  acceptToken(
    'hmac-accepted',
    'accepts HS256 tokens (public key as secret)',
    ['FSV-AUTH-003'],
    (t) => t.header.alg === 'HS256',
  ),
  acceptToken(
    'aud-ignored',
    "ignores a wrong 'aud'",
    ['FSV-AUTH-004'],
    (t) => typeof t.payload.aud === 'string' && t.payload.aud.includes('another-provider'),
  ),
  acceptToken(
    'missing-aud-accepted',
    "accepts tokens without 'aud'",
    ['FSV-AUTH-005'],
    (t) => t.payload.aud === undefined && t.header.alg !== 'none',
  ),
  acceptToken(
    'expired-accepted',
    "ignores 'exp'",
    ['FSV-AUTH-006'],
    (t) => typeof t.payload.exp === 'number' && t.payload.exp < nowS(),
  ),
  acceptToken(
    'lifetime-unchecked',
    'accepts any token lifetime',
    ['FSV-AUTH-007'],
    (t) => typeof t.payload.exp === 'number' && t.payload.exp > nowS() + 3660,
  ),
  acceptToken(
    'nbf-ignored',
    "ignores 'nbf'",
    ['FSV-AUTH-008'],
    (t) => typeof t.payload.nbf === 'number' && t.payload.nbf > nowS() + 60,
  ),
  acceptToken(
    'iat-future-accepted',
    "accepts 'iat' in the future",
    ['FSV-AUTH-009'],
    (t) => typeof t.payload.iat === 'number' && t.payload.iat > nowS() + 60,
  ),
  {
    // Not checking signatures accepts tampered tokens and tokens of any key: two rules.
    name: 'signature-unchecked',
    defect: 'does not verify signatures',
    catches: ['FSV-AUTH-010', 'FSV-AUTH-011'],
    request: async (req, tools) => {
      const t = tokenOf(req);
      if (!t || t.header.alg === 'none' || t.header.alg === 'HS256' || t.header.kid) return req;
      // Sent once: what the server answers is the answer, unless it refused the signature.
      const res = await tools.forward(req);
      return res.status === 401 && /signature/i.test(res.body.toString('utf8'))
        ? tools.forward(await withValidToken(req, tools, String(t.payload.sub)))
        : res;
    },
  },
  acceptToken('unknown-kid-ignored', "ignores 'kid'", ['FSV-AUTH-012'], (t) => t.header.kid !== undefined),
  {
    // A 500 for a malformed token breaks the 401 rule and the "no 5xx for bad input" rule.
    name: 'malformed-token-500',
    defect: 'crashes (500) on a bearer value that is no JWT',
    catches: ['FSV-AUTH-016', 'FSV-ERRORS-004'],
    request: (req) =>
      /^Bearer [^.]+$/.test(req.headers.authorization ?? '')
        ? problem(500, 'Cannot read properties of undefined')
        : req,
  },
  {
    name: 'no-www-authenticate',
    defect: 'sends 401 without WWW-Authenticate',
    catches: ['FSV-AUTH-014'],
    response: (_req, res) => (res.status === 401 ? withoutHeader(res, 'www-authenticate') : res),
  },
  {
    name: 'unauthorized-not-problem',
    defect: 'answers 401 with {"error":"unauthorized"} as application/json',
    catches: ['FSV-AUTH-015'],
    response: (_req, res) => (res.status === 401 ? withJson(res, { error: 'unauthorized' }, 'application/json') : res),
  },

  // READ (SPEC §2, §5, §6).
  mapRecords('premium-as-number', "serializes a contract's 'premium' as a number", ['FSV-READ-002'], 'contract', (r) =>
    typeof r.premium === 'string' ? { ...r, premium: Number(r.premium) } : r,
  ),
  mapRecords('unknown-field', "adds 'legacyCode' (no '_') to clients", ['FSV-READ-003'], 'client', (r) => ({
    ...r,
    legacyCode: 'L-1',
  })),
  mapRecords('nested-extension', "adds a nested '_source' object to products", ['FSV-READ-004'], 'product', (r) => ({
    ...r,
    _source: { system: 'core' },
  })),
  mapRecords(
    'version-missing',
    "leaves 'version' out of user records",
    ['FSV-READ-005'],
    'user',
    ({ version: _v, ...r }) => r,
  ),
  mapListBody('duplicate-ids', 'returns the first record twice', ['FSV-READ-006'], (records) =>
    records.length ? [records[0]!, ...records] : records,
  ),
  mapListBody('reversed-order', 'returns records in reverse order', ['FSV-READ-007'], (records) =>
    [...records].reverse(),
  ),
  mapListBody(
    'unknown-ids-echoed',
    'answers unknown ids with a copy of a record under that id',
    ['FSV-READ-008'],
    (records, req) => {
      const found = new Set(records.map((r) => r.id));
      const unknown = (queryOf(req).get('id-list') ?? '')
        .split(',')
        .filter((id) => id.startsWith('fsv-') && !found.has(id));
      const position = new Map((queryOf(req).get('id-list') ?? '').split(',').map((id, i) => [id, i]));
      const echoed = records.length
        ? [...records, ...unknown.slice(0, 3).map((id) => ({ ...records[0]!, id }))]
        : records;
      // In the requested order: the defect is the echo, not the order.
      return echoed.sort((a, b) => (position.get(a.id as string) ?? 0) - (position.get(b.id as string) ?? 0));
    },
    (req) => requester(req) === 'demo',
  ),
  {
    name: 'over-max-accepted',
    defect: 'answers more than 1,000 ids (reads the first 1,000)',
    catches: ['FSV-READ-010'],
    request: (req) =>
      isList(req) && idCount(req) > 1000
        ? withQuery(req, (q) => q.set('id-list', (q.get('id-list') ?? '').split(',').slice(0, 1000).join(',')))
        : req,
  },
  {
    name: 'thousand-refused',
    defect: 'refuses id lists longer than 500 ids (414)',
    catches: ['FSV-READ-009'],
    request: (req) =>
      isList(req) && idCount(req) > 500 && idCount(req) <= 1000 ? problem(414, 'Request line too long') : req,
  },
  {
    name: 'truncated-at-100',
    defect: 'reads only the first 100 ids of id-list',
    catches: ['FSV-READ-009'],
    incidental: {
      rules: ['FSV-SYNC-009'],
      why: 'the tombstones may be among the ids cut off, and then no tombstone is seen (an info finding)',
    },
    request: (req) =>
      isList(req) && idCount(req) > 100 && idCount(req) <= 1000
        ? withQuery(req, (q) => q.set('id-list', (q.get('id-list') ?? '').split(',').slice(0, 100).join(',')))
        : req,
  },
  {
    name: 'no-filter-answers-empty',
    defect: 'answers a T-list without filter with 200 []',
    catches: ['FSV-READ-011'],
    request: (req) =>
      isList(req) && [...queryOf(req).keys()].length === 0
        ? { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('[]') }
        : req,
  },
  {
    name: 'pagination-link',
    defect: 'adds Link: rel="next" to id lists',
    catches: ['FSV-READ-012'],
    response: (req, res) =>
      isIdList(req)
        ? { ...res, headers: { ...res.headers, link: '</v1/contract-id-list-updated?page=2>; rel="next"' } }
        : res,
  },
  mapListBody(
    'holder-id-ignored',
    'answers holder-id with nothing',
    ['FSV-READ-013'],
    () => [],
    (req) => queryOf(req).has('holder-id'),
  ),
  mapListBody(
    'external-id-ignored',
    'answers external-id with nothing',
    ['FSV-READ-014'],
    () => [],
    (req) => queryOf(req).has('external-id'),
  ),
  {
    name: 'download-wrong-etag',
    defect: 'sends a weak, made-up ETag with downloads',
    catches: ['FSV-READ-015'],
    response: (req, res) =>
      pathOf(req) === '/v1/file-download' && res.status === 200
        ? { ...res, headers: { ...res.headers, etag: 'W/"1"' } }
        : res,
  },

  // SYNC (SPEC §6).
  {
    name: 'no-watermark',
    defect: 'sends no X-Sync-Until',
    catches: ['FSV-SYNC-001'],
    response: (req, res) => (isIdList(req) ? withoutHeader(res, 'x-sync-until') : res),
  },
  {
    name: 'watermark-unparsable',
    defect: 'sends X-Sync-Until: now',
    catches: ['FSV-SYNC-002'],
    response: (req, res) =>
      isIdList(req) && res.status === 200 ? { ...res, headers: { ...res.headers, 'x-sync-until': 'now' } } : res,
  },
  {
    // A watermark ahead of the clock is the defect; passing it back then misses the run's own change.
    name: 'watermark-ahead',
    defect: 'sends X-Sync-Until 10 minutes ahead of its clock',
    catches: ['FSV-SYNC-003', 'FSV-SYNC-007'],
    response: (req, res) =>
      isIdList(req) && res.status === 200
        ? { ...res, headers: { ...res.headers, 'x-sync-until': new Date(Date.now() + 600_000).toISOString() } }
        : res,
  },
  {
    name: 'since-exclusive',
    defect: 'treats since as exclusive',
    catches: ['FSV-SYNC-004'],
    request: (req) => {
      const since = queryOf(req).get('since');
      const at = since ? parseTimestamp(since) : undefined;
      return isIdList(req) && at !== undefined && at < Date.now()
        ? withQuery(req, (q) => q.set('since', new Date(at + 1).toISOString()))
        : req;
    },
  },
  {
    name: 'future-since-accepted',
    defect: 'answers a since in the future with every id',
    catches: ['FSV-SYNC-005'],
    request: (req) => {
      const at = parseTimestamp(queryOf(req).get('since') ?? '');
      return isIdList(req) && at !== undefined && at > Date.now() + 60_000
        ? withQuery(req, (q) => q.delete('since'))
        : req;
    },
  },
  {
    name: 'unparsable-since-accepted',
    defect: 'ignores a since it cannot parse',
    catches: ['FSV-SYNC-006'],
    request: (req) => {
      const since = queryOf(req).get('since');
      return isIdList(req) && since !== null && parseTimestamp(since) === undefined
        ? withQuery(req, (q) => q.delete('since'))
        : req;
    },
  },
  {
    name: 'changes-hidden',
    defect: 'leaves records changed by the consumer out of since= answers',
    catches: ['FSV-SYNC-007'],
    response: (req, res, tools) => {
      if (req.method === 'PATCH' && res.status === 200)
        tools.memory.set(String((json(res) as { id: string }).id), true);
      if (!isIdList(req) || !queryOf(req).has('since') || res.status !== 200) return res;
      return withJson(
        res,
        (json(res) as string[]).filter((id) => !tools.memory.has(id)),
      );
    },
  },
  {
    // Only an info rule can see it: a consumer cannot delete, so the validator cannot make a tombstone.
    name: 'tombstones-not-listed',
    defect: 'leaves tombstones out of T-id-list-updated',
    catches: ['FSV-SYNC-009'],
    response: async (req, res, tools) => {
      if (!isIdList(req) || res.status !== 200) return res;
      const ids = json(res) as string[];
      const type = /^\/v1\/([a-z]+)-id-list-updated$/.exec(pathOf(req))![1];
      const deleted = new Set<string>();
      for (let i = 0; i < ids.length; i += 500) {
        const list = await tools.forward({
          ...req,
          path: `/v1/${type}-list?id-list=${ids.slice(i, i + 500).join(',')}`,
        });
        for (const r of json(list) as Array<Record<string, unknown>>)
          if (r.deleted === true) deleted.add(r.id as string);
      }
      return withJson(
        res,
        ids.filter((id) => !deleted.has(id)),
      );
    },
  },
  // Dropping tombstones from T-list loses them from every list, also the 1,000-id call.
  {
    ...mapListBody(
      'tombstones-dropped',
      'leaves tombstones out of T-list',
      ['FSV-SYNC-009', 'FSV-READ-009'],
      (records) => records.filter((r) => r.deleted !== true),
    ),
    incidental: {
      rules: ['FSV-SYNC-008'],
      why: 'its sampled T-list reads hold a tombstone only when the sample happens to take one (the ids the validator created itself change the sample)',
    },
  },

  // ERRORS (SPEC §2).
  {
    name: 'html-errors',
    defect: 'renders 400 and 404 as HTML pages',
    catches: ['FSV-ERRORS-002'],
    response: (_req, res) => ([400, 404].includes(res.status) ? htmlPage(res) : res),
  },
  {
    name: 'invalid-id-500',
    defect: 'answers 500 to an id with characters outside [A-Za-z0-9_-]',
    catches: ['FSV-ERRORS-004'],
    request: (req) =>
      isList(req) && /[^A-Za-z0-9_,\- ]/.test(queryOf(req).get('id-list') ?? '') ? problem(500, 'Internal error') : req,
  },
  {
    name: 'stack-trace',
    defect: 'puts a stack trace into 404 details',
    catches: ['FSV-ERRORS-003'],
    response: (_req, res) => {
      if (res.status !== 404 || !isJson(res)) return res;
      const body = json(res) as Record<string, unknown>;
      return withJson(res, {
        ...body,
        detail: `${String(body.detail)}\n    at Object.handler (/srv/app/routes.js:42:13)`,
      });
    },
  },
  {
    name: 'problem-as-json',
    defect: 'sends 400 problems as application/json',
    catches: ['FSV-ERRORS-001'],
    response: (_req, res) =>
      res.status === 400
        ? { ...res, headers: { ...res.headers, 'content-type': 'application/json; charset=utf-8' } }
        : res,
  },

  // WRITES (SPEC §7, §8).
  {
    // Without idempotency both the replay and the other body create new records.
    name: 'idempotency-ignored',
    defect: 'ignores Idempotency-Key',
    catches: ['FSV-WRITES-006', 'FSV-WRITES-007'],
    request: (req) => withoutHeader(req, 'idempotency-key'),
  },
  {
    name: 'stale-version-accepted',
    defect: 'ignores version in PATCH',
    catches: ['FSV-WRITES-005'],
    request: (req) => (req.method === 'PATCH' ? rewriteBody(req, ({ version: _v, ...b }) => b) : req),
  },
  {
    name: 'forbidden-transition-accepted',
    defect: 'answers a refused status change with 200 and the unchanged contract',
    catches: ['FSV-WRITES-008'],
    response: async (req, res, tools) => {
      if (req.method !== 'PATCH' || res.status !== 409 || !res.body.toString().includes('transition')) return res;
      return tools.forward(rewriteBody(req, ({ status: _s, ...b }) => b));
    },
  },
  {
    name: 'unknown-field-ignored',
    defect: 'drops unknown fields of a create instead of refusing them',
    catches: ['FSV-WRITES-003'],
    request: (req) =>
      req.method === 'POST' && pathOf(req) === '/v1/client'
        ? rewriteBody(req, (b) =>
            Object.fromEntries(
              Object.entries(b).filter(([k]) => k.startsWith('_') || k in recordFields.client || k in metaFields),
            ),
          )
        : req,
  },
  {
    name: 'read-only-ignored',
    defect: 'drops read-only fields of a create instead of refusing them',
    catches: ['FSV-WRITES-004'],
    request: (req) =>
      req.method === 'POST' && pathOf(req) === '/v1/client'
        ? rewriteBody(req, ({ createdAt: _c, updatedAt: _u, deleted: _d, version: _v, ...b }) => b)
        : req,
  },
  {
    name: 'no-status-note',
    defect: 'sets 110 without a statusNote',
    catches: ['FSV-WRITES-009'],
    response: (req, res) => {
      if (req.method !== 'POST' || res.status !== 201 || pathOf(req) !== '/v1/contract') return res;
      const record = json(res) as Record<string, unknown>;
      return record.status === 110 ? withJson(res, { ...record, statusNote: null }) : res;
    },
  },
  {
    name: 'patch-keeps-version',
    defect: "does not bump 'version' on PATCH",
    catches: ['FSV-WRITES-010'],
    response: (req, res) => {
      if (req.method !== 'PATCH' || res.status !== 200 || pathOf(req) !== '/v1/client') return res;
      const record = json(res) as Record<string, unknown>;
      return withJson(res, { ...record, version: (record.version as number) - 1 });
    },
  },

  // VISIBILITY (SPEC §4).
  {
    name: 'other-consumer-visible',
    defect: "answers the second consumer with the first consumer's data",
    catches: ['FSV-VISIBILITY-001', 'FSV-VISIBILITY-002', 'FSV-VISIBILITY-003', 'FSV-VISIBILITY-004'],
    request: (req, tools) =>
      requester(req) === SECOND && pathOf(req) !== '/v1/auth-status' ? withValidToken(req, tools, 'demo') : req,
  },

  // CALLBACKS (SPEC §8).
  {
    name: 'unsigned-callbacks',
    defect: 'sends callbacks without webhook-signature',
    catches: ['FSV-CALLBACKS-002'],
    callbacks: true,
    callback: (req) => withoutHeader(req, 'webhook-signature'),
  },
  {
    name: 'new-webhook-id-on-retry',
    defect: 'gives every delivery attempt a new webhook-id',
    catches: ['FSV-CALLBACKS-004'],
    callbacks: true,
    callback: (req, tools) =>
      tools.signCallback({
        ...req,
        headers: { ...req.headers, 'webhook-id': `msg_${Math.random().toString(36).slice(2)}` },
      }),
  },
  {
    name: 'callback-without-changed-by',
    defect: "leaves 'changedBy' out of callback events",
    catches: ['FSV-CALLBACKS-003'],
    callbacks: true,
    callback: (req, tools) => {
      const { changedBy: _c, ...event } = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
      return tools.signCallback({ ...req, body: Buffer.from(JSON.stringify(event)) });
    },
  },

  // RATE (SPEC §7).
  {
    name: '429-without-retry-after',
    defect: 'answers every 15th request 429 without Retry-After',
    catches: ['FSV-RATE-001'],
    request: everyNth(15, () => problem(429, 'Too many requests')),
  },
];

/** Not a defect: a provider that rate-limits politely (429 with Retry-After) must pass. */
export const POLITE_RATE_LIMIT: Mutant = {
  name: 'polite-rate-limit',
  defect: 'none: every 15th request is a 429 with Retry-After: 1',
  catches: [],
  request: everyNth(15, () => problem(429, 'Too many requests', { 'retry-after': '1' })),
};
