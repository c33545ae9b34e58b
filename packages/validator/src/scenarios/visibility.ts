import type { Scenario, ScenarioContext } from './context.js';
import { unknownIds } from './read.js';

/** Types whose records belong to one consumer (products are everyone's). */
export const OWNED_TYPES = ['client', 'contract', 'user', 'file'] as const;

/**
 * SPEC §4 with a second consumer: the first consumer's ids, asked for by the second, must
 * behave exactly like ids that do not exist — through lists, id lists, filters, downloads,
 * status codes and error texts.
 */
export const visibilityScenario: Scenario = async (ctx) => {
  const second = ctx.second;
  if (!second) return;
  await Promise.all([
    ...OWNED_TYPES.map(async (type) => {
      // Product files are everyone's: only files of the first consumer's own records count.
      const foreign = ((ctx.facts[`sample.${type}`] as Array<Record<string, unknown>>) ?? [])
        .filter((r) => type !== 'file' || r.productId === null)
        .map((r) => r.id as string)
        .slice(0, 20);
      if (foreign.length === 0) return;
      const unknown = unknownIds(ctx, foreign.length, `v${type}-`);
      await ctx.send(
        { probe: `visibility.list.${type}`, path: `/v1/${type}-list?id-list=${foreign.join(',')}`, note: { foreign } },
        second,
      );
      await ctx.send(
        { probe: `visibility.list-unknown.${type}`, path: `/v1/${type}-list?id-list=${unknown.join(',')}` },
        second,
      );
      await ctx.send(
        { probe: `visibility.ids.${type}`, path: `/v1/${type}-id-list-updated`, note: { foreign } },
        second,
      );
    }),
    filtersAndDownload(ctx),
  ]);
};

async function filtersAndDownload(ctx: ScenarioContext) {
  const second = ctx.second!;
  const clients = (ctx.facts['sample.client'] as Array<Record<string, unknown>>) ?? [];
  const client = ctx.random.pick(clients);
  if (client) {
    await ctx.send(
      {
        probe: 'visibility.filter.holder-id',
        path: `/v1/contract-list?holder-id=${encodeURIComponent(String(client.id))}`,
        note: { foreign: client.id },
      },
      second,
    );
  }
  const withExternal = ctx.random.pick(clients.filter((c) => typeof c.externalId === 'string'));
  if (withExternal) {
    await ctx.send(
      {
        probe: 'visibility.filter.external-id',
        path: `/v1/client-list?external-id=${encodeURIComponent(String(withExternal.externalId))}`,
        note: { foreign: withExternal.externalId },
      },
      second,
    );
  }
  const file = ctx.random.pick(
    ((ctx.facts['sample.file'] as Array<Record<string, unknown>>) ?? []).filter(
      (f) => f.deleted === false && f.productId === null,
    ),
  );
  if (file) {
    const [unknown] = unknownIds(ctx, 1, 'vfile-');
    await ctx.send(
      { probe: 'visibility.download', path: `/v1/file-download?id=${file.id}`, note: { foreign: file.id, unknown } },
      second,
    );
    await ctx.send(
      { probe: 'visibility.download-unknown', path: `/v1/file-download?id=${unknown}`, note: { unknown } },
      second,
    );
  }
}
