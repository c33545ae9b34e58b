import { LIST_FILTERS, MAX_IDS_PER_CALL, RECORD_TYPES, type RecordType } from '@finum-sync/spec';
import type { Exchange } from '../model.js';
import { idsOf, recordsOf, type Scenario, type ScenarioContext } from './context.js';

/** How many ids of each type the per-type list call asks for. */
export const SAMPLE_SIZE = 50;

/** Ids that no provider has: the run id makes them unique. */
export const unknownIds = (ctx: ScenarioContext, count: number, tag = 'x') =>
  Array.from({ length: count }, (_, i) => `fsv-${ctx.runId}-${tag}${i}`);

/**
 * SPEC §6 reads, per record type: the full id list, a sample of records (with an unknown
 * id among them), a call without a filter; for contracts 1,000 ids in one call and one
 * more than the maximum; the `holder-id` and `external-id` filters; a file download.
 */
export const readScenario: Scenario = async (ctx) => {
  await Promise.all(RECORD_TYPES.map((type) => readType(ctx, type)));
  await Promise.all([thousandIds(ctx), filters(ctx), fileDownload(ctx)]);
};

async function readType(ctx: ScenarioContext, type: RecordType) {
  const all = await ctx.send({ probe: `read.ids.${type}`, path: `/v1/${type}-id-list-updated` });
  const ids = idsOf(all);
  ctx.facts[`ids.${type}`] = ids;
  const requested = ctx.random.sample(ids, SAMPLE_SIZE);
  const unknown = unknownIds(ctx, 1, `${type}-`);
  const order = ctx.random.sample([...requested, ...unknown], requested.length + 1);
  const list = await ctx.send({
    probe: `read.list.${type}`,
    path: `/v1/${type}-list?id-list=${order.join(',')}`,
    note: { type, requested: order, visible: requested, unknown },
  });
  // Only records the provider listed: what other scenarios build on must really exist.
  ctx.facts[`sample.${type}`] = listed(list, ids);
  await ctx.send({ probe: `read.no-filter.${type}`, path: `/v1/${type}-list`, negative: true, note: { type } });
}

async function thousandIds(ctx: ScenarioContext) {
  const ids = (ctx.facts['ids.contract'] as string[]).slice(0, MAX_IDS_PER_CALL);
  const real = ctx.random.sample(ids, MAX_IDS_PER_CALL);
  const requested = ctx.random.sample(
    [...real, ...unknownIds(ctx, MAX_IDS_PER_CALL - real.length, 'k')],
    MAX_IDS_PER_CALL,
  );
  const e = await ctx.send({
    probe: 'read.list-1000.contract',
    path: `/v1/contract-list?id-list=${requested.join(',')}`,
    note: { type: 'contract', requested, visible: real },
  });
  ctx.facts['sample.contract.1000'] = listed(e, ids);
  await ctx.send({
    probe: 'read.list-over-max.contract',
    path: `/v1/contract-list?id-list=${unknownIds(ctx, MAX_IDS_PER_CALL + 1, 'm').join(',')}`,
    negative: true,
    note: { max: MAX_IDS_PER_CALL },
  });
}

/** The records of a list answer whose ids the id list holds. */
function listed(e: Exchange, ids: readonly string[]) {
  const known = new Set(ids);
  return recordsOf(e).filter((r) => known.has(r.id as string));
}

/** The filters of LIST_FILTERS: a value taken from the records seen, the expected ids from the same records. */
async function filters(ctx: ScenarioContext) {
  const jobs = RECORD_TYPES.flatMap((type) =>
    LIST_FILTERS[type].map(async (filter) => {
      const seen = [
        ...((ctx.facts[`sample.${type}`] as Array<Record<string, unknown>>) ?? []),
        ...((ctx.facts[`sample.${type}.1000`] as Array<Record<string, unknown>>) ?? []),
      ];
      const withValue = seen.filter((r) => typeof r[filter.field] === 'string');
      const chosen = ctx.random.pick(withValue);
      if (!chosen) return;
      const value = chosen[filter.field] as string;
      const expected = [...new Set(withValue.filter((r) => r[filter.field] === value).map((r) => r.id as string))];
      await ctx.send({
        probe: `read.filter.${filter.param}`,
        path: `/v1/${type}-list?${filter.param}=${encodeURIComponent(value)}`,
        note: { type, field: filter.field, value, expected },
      });
    }),
  );
  await Promise.all(jobs);
}

async function fileDownload(ctx: ScenarioContext) {
  const files = (ctx.facts['sample.file'] as Array<Record<string, unknown>>).filter((f) => f.deleted === false);
  const file = ctx.random.pick(files);
  if (!file) return;
  await ctx.send({
    probe: 'read.file-download',
    path: `/v1/file-download?id=${encodeURIComponent(String(file.id))}`,
    headers: { accept: '*/*' },
    note: { file },
  });
}
