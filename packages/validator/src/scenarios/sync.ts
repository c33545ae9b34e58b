import type { Scenario, ScenarioContext } from './context.js';

/**
 * SPEC §6 sync: `since` is inclusive (a record changed exactly at `since` is listed),
 * `since` in the future or unparsable is refused. The watermark header is judged on
 * every id-list-updated answer of the run.
 */
export const syncScenario: Scenario = async (ctx) => {
  await Promise.all([sinceInclusive(ctx, 'contract'), sinceInclusive(ctx, 'client'), refusedSince(ctx)]);
};

async function sinceInclusive(ctx: ScenarioContext, type: string) {
  const records = (ctx.facts[`sample.${type}`] as Array<Record<string, unknown>>) ?? [];
  const record = ctx.random.pick(records.filter((r) => typeof r.updatedAt === 'string'));
  if (!record) return;
  await ctx.send({
    probe: `sync.since-inclusive.${type}`,
    path: `/v1/${type}-id-list-updated?since=${encodeURIComponent(record.updatedAt as string)}`,
    note: { id: record.id, since: record.updatedAt },
  });
}

async function refusedSince(ctx: ScenarioContext) {
  const future = new Date(Date.now() + 86_400_000).toISOString();
  await ctx.send({
    probe: 'sync.since-future',
    path: `/v1/contract-id-list-updated?since=${encodeURIComponent(future)}`,
    negative: true,
    note: { since: future },
  });
  for (const [tag, since] of [
    ['words', 'yesterday'],
    ['no-such-day', '2026-02-31T00:00:00.000Z'],
  ] as const) {
    await ctx.send({
      probe: `sync.since-unparsable.${tag}`,
      path: `/v1/contract-id-list-updated?since=${encodeURIComponent(since)}`,
      negative: true,
      note: { since },
    });
  }
}
