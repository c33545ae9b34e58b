import { contractFields, parseTimestamp } from '@finum-sync/spec';
import type { Probe } from '../http.js';
import type { Exchange } from '../model.js';
import { recordsOf, type Scenario, type ScenarioContext } from './context.js';

const json = { 'content-type': 'application/json' };

type Body = Record<string, unknown>;

/**
 * SPEC §7–8 with --allow-writes. Every record created carries the run's marker in
 * `externalId` (`fsv-<run id>-<n>`) and is listed in the report.
 */
export const writesScenario: Scenario = async (ctx) => {
  if (!ctx.capabilities.has('writes')) return;
  const w = new Writer(ctx);
  const client = await clientFlow(ctx, w);
  if (!client) return;
  await contractFlow(ctx, w, client);
  await callbackFlow(ctx, w, client);
};

/** How long the validator waits for a callback and its retry (the provider acts, then retries after a 503). */
export const CALLBACK_WAIT_MS = 60_000;

/** A plausible value for a contract field a product requires (by the field's schema). */
function sampleValue(field: string): unknown {
  const schema = (
    contractFields as Record<string, { schema: { format?: string; pattern?: string; enum?: unknown[] } }>
  )[field]?.schema;
  if (!schema) return field.startsWith('_') ? 'FSV' : undefined;
  if (schema.enum) return schema.enum[0];
  if (schema.format === 'date') return '2027-01-01';
  if (schema.pattern?.includes('\\d{1,15}')) return '100.00';
  if (schema.pattern === '^[A-Z]{3}$') return 'EUR';
  return 'FSV';
}

/**
 * With a callback inbox: a contract asks for a proposal with a `callbackUrl`; the
 * provider's next status change calls it; the inbox answers the first delivery 503 and
 * waits for the retry.
 */
async function callbackFlow(ctx: ScenarioContext, w: Writer, client: Body) {
  const inbox = ctx.callbacks;
  if (!inbox || !ctx.capabilities.has('callbacks')) return;
  const products = ((ctx.facts['sample.product'] as Body[]) ?? []).filter(
    (p) => p.active === true && !p.deleted && (p.requiredFields as string[]).every((f) => sampleValue(f) !== undefined),
  );
  const product = ctx.random.pick(products);
  if (!product) return;
  const required = Object.fromEntries((product.requiredFields as string[]).map((f) => [f, sampleValue(f)]));
  const url = `${inbox.publicUrl.replace(/\/+$/, '')}/fsv-${ctx.runId}`;
  const e = await w.send(
    {
      probe: 'writes.callback-contract',
      method: 'POST',
      path: '/v1/contract',
      body: {
        holderId: client.id,
        productId: product.id,
        status: 120,
        externalId: w.marker(),
        callbackUrl: url,
        ...required,
      },
    },
    'contract',
  );
  const contract = e.response?.status === 201 ? (e.response.json as Body) : undefined;
  if (!contract) return;
  const id = String(contract.id);
  const timeout = (ctx.facts['callbacks.waitMs'] as number | undefined) ?? CALLBACK_WAIT_MS;
  ctx.facts['callbacks.contract'] = contract;
  ctx.facts['callbacks.received'] = await inbox.waitFor((c) => c.body.includes(`"${id}"`), 2, timeout);
  await ctx.send({
    probe: 'writes.callback-contract.after',
    path: `/v1/contract-list?id-list=${encodeURIComponent(id)}`,
    note: { created: contract },
  });
}

class Writer {
  private n = 0;
  constructor(private readonly ctx: ScenarioContext) {}

  marker(): string {
    return `fsv-${this.ctx.runId}-${++this.n}`;
  }

  async send(p: Omit<Probe, 'body'> & { body: Body }, type: string): Promise<Exchange> {
    const e = await this.ctx.send({ ...p, body: JSON.stringify(p.body), headers: { ...json, ...p.headers } });
    const r = e.response;
    const record = r?.json as Body | undefined;
    if (p.method === 'POST' && r && r.status === 201 && typeof record?.id === 'string') {
      if (!this.ctx.created.some((c) => c.id === record.id && c.type === type))
        this.ctx.created.push({ type, id: record.id, marker: String(record.externalId ?? p.body.externalId) });
    }
    return e;
  }

  /** The records with an `externalId` (a check that a refused write left nothing behind). */
  byExternalId(probe: string, externalId: string) {
    return this.ctx.send({
      probe,
      path: `/v1/client-list?external-id=${encodeURIComponent(externalId)}`,
      note: { externalId },
    });
  }
}

async function clientFlow(ctx: ScenarioContext, w: Writer): Promise<Body | undefined> {
  const marker = w.marker();
  const body = { type: 'person', firstName: 'Validator', lastName: `Run ${ctx.runId}`, externalId: marker };
  const key = `fsv-${ctx.runId}-idempotency`;
  const created = await w.send(
    {
      probe: 'writes.client-create',
      method: 'POST',
      path: '/v1/client',
      headers: { 'idempotency-key': key },
      body,
      note: { sent: body },
    },
    'client',
  );
  const client = created.response?.status === 201 ? (created.response.json as Body) : undefined;
  await w.send(
    {
      probe: 'writes.idempotency-replay',
      method: 'POST',
      path: '/v1/client',
      headers: { 'idempotency-key': key },
      body,
      note: { first: created.seq },
    },
    'client',
  );
  await w.send(
    {
      probe: 'writes.idempotency-other-body',
      method: 'POST',
      path: '/v1/client',
      headers: { 'idempotency-key': key },
      body: { ...body, firstName: 'Another' },
      negative: true,
    },
    'client',
  );

  for (const [probe, field, value] of [
    ['writes.unknown-field', 'fsvUnknownField', 'x'],
    ['writes.read-only-field', 'createdAt', '2020-01-01T00:00:00.000Z'],
  ] as const) {
    const externalId = w.marker();
    await w.send(
      {
        probe,
        method: 'POST',
        path: '/v1/client',
        body: { type: 'person', lastName: 'Refused', externalId, [field]: value },
        negative: true,
        note: { field, externalId },
      },
      'client',
    );
    await w.byExternalId(`${probe}.after`, externalId);
  }
  if (!client) return undefined;

  // A change during the run appears after the watermark taken before it.
  const before = await ctx.send({ probe: 'writes.watermark', path: '/v1/client-id-list-updated' });
  const watermark = before.response?.headers['x-sync-until'];
  const patched = await w.send(
    {
      probe: 'writes.client-patch',
      method: 'PATCH',
      path: '/v1/client',
      body: { id: client.id, version: client.version, city: 'Wien' },
      note: { before: client, changed: { city: 'Wien' } },
    },
    'client',
  );
  // An unreadable watermark is FSV-SYNC-002's finding; it cannot be passed back.
  if (watermark && parseTimestamp(watermark) !== undefined) {
    await ctx.send({
      probe: 'writes.changes-after-watermark',
      path: `/v1/client-id-list-updated?since=${encodeURIComponent(watermark)}`,
      note: { id: client.id, since: watermark },
    });
  }
  const current = patched.response?.status === 200 ? (patched.response.json as Body) : undefined;
  await w.send(
    {
      probe: 'writes.version-conflict',
      method: 'PATCH',
      path: '/v1/client',
      body: { id: client.id, version: client.version, city: 'Graz' },
      negative: true,
      note: { staleVersion: client.version },
    },
    'client',
  );
  await ctx.send({
    probe: 'writes.version-conflict.after',
    path: `/v1/client-list?id-list=${encodeURIComponent(String(client.id))}`,
    note: { expected: current },
  });
  return current ?? client;
}

async function contractFlow(ctx: ScenarioContext, w: Writer, client: Body) {
  const products = ((ctx.facts['sample.product'] as Body[]) ?? []).filter((p) => p.active === true && !p.deleted);
  const product = ctx.random.pick(products);
  if (!product) return;
  const create = (probe: string, status: number, p: Body = product) =>
    w.send(
      {
        probe,
        method: 'POST',
        path: '/v1/contract',
        body: { holderId: client.id, productId: p.id, status, externalId: w.marker() },
      },
      'contract',
    );
  // Transitions: the lifecycle table decides; each PATCH notes the status it started from.
  let status: number | undefined;
  const transition = async (id: unknown, to: number) => {
    const e = await w.send(
      {
        probe: 'writes.transition',
        method: 'PATCH',
        path: '/v1/contract',
        body: { id, status: to },
        note: { from: status, to },
      },
      'contract',
    );
    if (e.response?.status === 200) status = (e.response.json as Body).status as number;
    return e;
  };
  const draft = await create('writes.contract-create', 100);
  const first = draft.response?.status === 201 ? (draft.response.json as Body) : undefined;
  if (first) {
    status = first.status as number;
    await transition(first.id, 230);
    await transition(first.id, 190);
    await transition(first.id, 120);
  }
  const second = await create('writes.contract-create', 100);
  const other = second.response?.status === 201 ? (second.response.json as Body) : undefined;
  if (other) {
    status = other.status as number;
    await transition(other.id, 120);
    // A provider-only status is never the consumer's to set, whatever the provider did meanwhile.
    const now = recordsOf(
      await ctx.send({
        probe: 'writes.contract-read',
        path: `/v1/contract-list?id-list=${encodeURIComponent(String(other.id))}`,
      }),
    )[0];
    if (typeof now?.status === 'number') status = now.status;
    await transition(other.id, 320);
  }
  // A proposal requested without the product's required fields: 110 with a statusNote.
  const needy = ctx.random.pick(products.filter((p) => Array.isArray(p.requiredFields) && p.requiredFields.length > 0));
  if (needy) {
    const e = await create('writes.required-missing', 120, needy);
    ctx.facts['writes.required-missing.product'] = needy;
    void e;
  }
}
