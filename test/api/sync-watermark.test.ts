import { seededRandom } from '@finum-sync/server/internal';
import { TIMESTAMP_PATTERN } from '@finum-sync/spec';
import { describe, expect, inject, it } from 'vitest';
import { useTestServer } from '../helpers/suite.js';
import {
  childProcessWriter,
  type InFlightWriter,
  inProcessWriter,
  type RecordSpec,
  writeRecords,
} from '../helpers/writers.js';

/**
 * SPEC §6 sync watermark: every id-list-updated response carries `X-Sync-Until`; passing
 * it as the next `since` misses no change — neither one written after the call nor one
 * whose transaction was still in flight during it, in this process or another.
 */

const dialects = inject('dialects');
const TIMESTAMP = new RegExp(TIMESTAMP_PATTERN);

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(dialects)('%s', (dialect) => {
  const suite = useTestServer(dialect);
  let counter = 0;

  /** New client records of the suite.consumer. */
  const clients = (n = 1): RecordSpec[] =>
    Array.from({ length: n }, () => ({ type: 'client', id: `cl-${++counter}`, ownerId: suite.consumer.id }));

  /** One id-list-updated call: the ids and the watermark. */
  async function poll(since?: string): Promise<{ ids: string[]; until: string }> {
    const res = await suite.server.get(`/v1/client-id-list-updated${since ? `?since=${since}` : ''}`, suite.consumer);
    expect(res.status, res.text).toBe(200);
    const until = res.headers.get('x-sync-until');
    expect(until).toMatch(TIMESTAMP);
    return { ids: res.body, until: until! };
  }

  it('X-Sync-Until is a timestamp of about now when nothing is being written, with and without since', async () => {
    const before = Date.now();
    const first = await poll();
    const second = await poll(first.until);
    for (const { until } of [first, second]) {
      expect(Date.parse(until)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(until)).toBeLessThanOrEqual(Date.now() + 1000);
    }
  });

  it('a record written after a call is returned by the next call with since = X-Sync-Until', async () => {
    const { until } = await poll();
    const records = clients(2);
    await writeRecords(suite.server.store, records);
    expect((await poll(until)).ids.sort()).toEqual(records.map((r) => r.id).sort());
  });

  /**
   * A write that is in flight during the call: not visible to it, so the watermark must
   * lie at or before the write's time, and the next call returns it.
   */
  async function expectInFlightWriteNotMissed(writer: InFlightWriter) {
    const { until: earlier } = await poll();
    const [record] = clients();
    const writtenAt = await writer.begin([record!]);
    const during = await poll(earlier);
    expect(during.ids, 'the uncommitted record is not visible yet').not.toContain(record!.id);
    expect(Date.parse(during.until)).toBeLessThanOrEqual(writtenAt);
    await writer.commit();
    expect((await poll(during.until)).ids).toContain(record!.id);
  }

  it('a write in flight in another process during the call is returned by the next call', async () => {
    const writer = await childProcessWriter(suite.server.db);
    try {
      await expectInFlightWriteNotMissed(writer);
    } finally {
      await writer.close();
    }
  });

  // On SQLite a write transaction of this process holds the one connection the server
  // reads with: a write in flight during a read exists there only across processes.
  if (dialect === 'postgres') {
    it('a write in flight in this process during the call is returned by the next call', async () => {
      const writer = inProcessWriter(suite.server.store);
      try {
        await expectInFlightWriteNotMissed(writer);
      } finally {
        await writer.close();
      }
    });
  }

  it('concurrent writers with transactions of random length: polling with since = X-Sync-Until misses nothing', async () => {
    const seed = Date.now() % 1_000_000;
    const random = seededRandom(seed);
    const writers: InFlightWriter[] = [
      ...(await Promise.all([1, 2, 3].map((n) => childProcessWriter(suite.server.db, `child-${n}`)))),
      ...(dialect === 'postgres'
        ? [inProcessWriter(suite.server.store, 'in-process-1'), inProcessWriter(suite.server.store, 'in-process-2')]
        : []),
    ];
    const committed: string[] = [];
    let inFlight = 0;
    let pollsDuringWrites = 0;
    try {
      const writing = Promise.all(
        writers.map(async (writer) => {
          for (let round = 0; round < 8; round++) {
            const records = clients(random.int(1, 3));
            await writer.begin(records);
            inFlight++;
            await delay(random.int(0, 120));
            inFlight--;
            await writer.commit();
            committed.push(...records.map((r) => r.id));
            await delay(random.int(0, 30));
          }
        }),
      );
      let finished = false;
      void writing.finally(() => {
        finished = true;
      });

      const seen = new Set<string>();
      let until: string | undefined;
      /** What a consumer's sync does: since = the previous X-Sync-Until (none the first time). */
      const sync = async () => {
        const result = await poll(until);
        for (const id of result.ids) seen.add(id);
        until = result.until;
      };
      do {
        if (inFlight > 0) pollsDuringWrites++;
        await sync();
      } while (!finished);
      await writing;
      await sync();

      expect(pollsDuringWrites, 'polls while a transaction was open').toBeGreaterThan(0);
      expect(
        committed.filter((id) => !seen.has(id)),
        `missed ids (seed ${seed})`,
      ).toEqual([]);
    } finally {
      await Promise.all(writers.map((w) => w.close()));
    }
  });
});
