import { randomBytes } from 'node:crypto';
import { PUBLIC_OWNER, type StoredRecord } from '@finum-sync/server';
import { RECORD_TYPES, type RecordType } from '@finum-sync/spec';
import { CallbackReceiver } from '../helpers/callback-receiver.js';
import { storeFile } from '../helpers/records.js';
import {
  type DialectName,
  startTestServer,
  TEST_AUDIENCE,
  type TestConsumer,
  type TestServer,
  testRecord,
} from '../helpers/server.js';
import { nowS, rawToken, signClaims } from '../helpers/tokens.js';

/** Who sends a request: one of the two consumers, the provider's back office, or nobody. */
export type Party = 'a' | 'b';
export const PARTIES: readonly Party[] = ['a', 'b'];
export const otherParty = (p: Party): Party => (p === 'a' ? 'b' : 'a');

/** What an id in a request points at: a record type, a consumer, or anything. */
export type IdKind = RecordType | 'consumer' | 'any';

/** Where a generated id comes from, relative to the requesting consumer. */
export type IdSource = 'mine' | 'other' | 'ghost' | 'random';

export const ADMIN_TOKEN = `fuzz-admin-${'x'.repeat(32)}`;

/** A value only the records of one consumer hold: it must never reach the other. */
export const marker = (p: Party) => `MARKER${p.toUpperCase()}${p === 'a' ? 'q7x' : 'z3k'}`;

const PDF = (text: string) => Buffer.from(`%PDF-1.4\n% ${text}\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n`);

/**
 * The data the fuzzer runs against: a server with two consumers (`fuzz-a`, `fuzz-b`), each
 * with users, clients, contracts in many statuses and files with bytes, every record
 * carrying its consumer's {@link marker}; products and a product file for everyone. Keeps
 * pools of the ids each consumer owns (refreshed after writes) for the generators.
 */
export class World {
  readonly consumers = {} as Record<Party, TestConsumer>;
  readonly tokens = {} as Record<Party, string>;
  /** Tokens that must be refused (expired, wrong audience, unknown consumer, `alg: none`). */
  readonly badTokens: string[] = [];
  /** Ids each party owns, by record type (`public` holds products and product files). */
  readonly owned = {} as Record<Party | 'public', Record<RecordType, string[]>>;
  readonly externalIds: Record<Party, string[]> = { a: [], b: [] };
  /** Quoted ETags of files with bytes. */
  readonly etags: string[] = [];
  receiver!: CallbackReceiver;

  private constructor(readonly server: TestServer) {}

  static async start(dialect: DialectName): Promise<World> {
    const server = await startTestServer({ dialect, env: { ADMIN_TOKEN, RATE_LIMIT: '0' } });
    const world = new World(server);
    await world.seed();
    return world;
  }

  get consumerIds(): string[] {
    return PARTIES.map((p) => this.consumers[p].id);
  }

  private async seed() {
    this.receiver = await new CallbackReceiver().start();
    const s = this.server;
    const products = [
      testRecord('product', PUBLIC_OWNER, { name: 'Liability', category: 'liability' }, { id: 'p-fz-1' }),
      testRecord(
        'product',
        PUBLIC_OWNER,
        { name: 'Life', category: 'life', requiredFields: ['startDate', 'premium'] },
        { id: 'p-fz-2' },
      ),
      testRecord('product', PUBLIC_OWNER, { name: 'Old', category: 'other', active: false }, { id: 'p-fz-3' }),
    ];
    await s.putRecords(products);
    const productFile = await storeFile(s, PUBLIC_OWNER, 'f-fz-terms', PDF('terms'), {
      productId: 'p-fz-1',
      category: 'terms',
    });
    this.etags.push(`"${productFile.data.sha256}"`);

    for (const p of PARTIES) {
      const consumer = await s.addConsumer(`fuzz-${p}`);
      this.consumers[p] = consumer;
      this.tokens[p] = await consumer.token();
      const mark = marker(p);
      const owner = consumer.id;
      const records: StoredRecord[] = [];
      const ext = (i: number) => `EXT-${p}-${i}`;
      this.externalIds[p].push(ext(1), ext(2), ext(3));
      records.push(
        testRecord('user', owner, { lastName: `User ${mark}`, _marker: mark }, { id: `u-${p}-1` }),
        testRecord('client', owner, { lastName: mark, externalId: ext(1), _marker: mark }, { id: `cl-${p}-1` }),
        testRecord('client', owner, { type: 'company', companyName: mark, externalId: ext(2) }, { id: `cl-${p}-2` }),
        testRecord(
          'client',
          owner,
          { lastName: `Gone ${mark}`, externalId: ext(3) },
          { id: `cl-${p}-3`, deleted: true },
        ),
      );
      [100, 110, 120, 130, 190, 230, 320, 420].forEach((status, i) => {
        records.push(
          testRecord(
            'contract',
            owner,
            { holderId: `cl-${p}-1`, productId: `p-fz-${(i % 3) + 1}`, status, statusNote: mark, externalId: ext(i) },
            { id: `c-${p}-${status}` },
          ),
        );
      });
      await s.putRecords(records);
      const files = [
        await storeFile(s, owner, `f-${p}-1`, PDF(mark), { contractId: `c-${p}-130`, name: `${mark}.pdf` }),
        await storeFile(s, owner, `f-${p}-2`, Buffer.from(`notes ${mark}\n`), {
          clientId: `cl-${p}-1`,
          mimeType: 'text/plain',
          category: 'correspondence',
        }),
      ];
      for (const f of files) this.etags.push(`"${f.data.sha256}"`);
    }
    const a = this.consumers.a;
    const claims = { sub: a.id, aud: TEST_AUDIENCE, iat: nowS(), exp: nowS() + 600 };
    this.badTokens.push(
      await signClaims(a.privateKey, a.alg, { ...claims, iat: nowS() - 7200, exp: nowS() - 3600 }),
      await signClaims(a.privateKey, a.alg, { ...claims, aud: 'https://elsewhere.example' }),
      await signClaims(a.privateKey, a.alg, { ...claims, sub: 'fuzz-nobody' }),
      await signClaims(a.privateKey, a.alg, { ...claims, exp: nowS() + 86_400 }),
      rawToken({ alg: 'none', typ: 'JWT' }, { sub: 'fuzz-a', aud: TEST_AUDIENCE }),
      rawToken({ alg: 'HS256', typ: 'JWT' }, { sub: 'fuzz-b', aud: TEST_AUDIENCE, exp: 4102444800 }),
    );
    await this.refresh();
  }

  /** Re-reads which ids each party owns (after writes). */
  async refresh() {
    const store = this.server.store;
    const visible = {} as Record<Party, Record<RecordType, string[]>>;
    for (const p of PARTIES) {
      visible[p] = {} as Record<RecordType, string[]>;
      for (const type of RECORD_TYPES) {
        visible[p][type] = (
          JSON.parse(String((await store.changedIds(type, this.consumers[p].id, undefined)).idsJson)) as string[]
        ).sort();
      }
    }
    const shared = (type: RecordType) => visible.a[type].filter((id) => visible.b[type].includes(id));
    this.owned.public = {} as Record<RecordType, string[]>;
    for (const type of RECORD_TYPES) this.owned.public[type] = shared(type);
    for (const p of PARTIES) {
      this.owned[p] = {} as Record<RecordType, string[]>;
      for (const type of RECORD_TYPES) {
        this.owned[p][type] = visible[p][type].filter((id) => !this.owned.public[type].includes(id));
      }
    }
  }

  /** Every id a party owns (any type). */
  idsOf(p: Party): string[] {
    return RECORD_TYPES.flatMap((t) => this.owned[p][t]);
  }

  /**
   * An id for a request of `requester` (undefined: the back office, which sees everything):
   * one it may see, one of the other consumer, one that never existed, or any valid id.
   */
  pickId(kind: IdKind, source: IdSource, n: number, requester: Party | undefined): string {
    if (kind === 'consumer') {
      const ids = source === 'ghost' || source === 'random' ? ['fuzz-nobody', ghostId(10)] : this.consumerIds;
      return ids[n % ids.length]!;
    }
    const types = kind === 'any' ? RECORD_TYPES : [kind];
    const me = requester ?? (n % 2 === 0 ? 'a' : 'b');
    const from = (owner: Party | 'public') => types.flatMap((t) => this.owned[owner][t]);
    let pool: string[] = [];
    if (source === 'mine') pool = [...from(me), ...from('public')];
    else if (source === 'other') pool = from(otherParty(me));
    if (pool.length === 0) return ghostId(8 + (n % 20));
    return pool[n % pool.length]!;
  }

  /** The owners of ids, read from the database (any type): what the visibility check trusts. */
  async ownersOf(ids: Iterable<string>): Promise<Map<string, Array<{ type: RecordType; owner: string }>>> {
    const list = [...new Set(ids)];
    const owners = new Map<string, Array<{ type: RecordType; owner: string }>>();
    if (list.length === 0) return owners;
    await this.server.store.transaction(async (tx) => {
      for (const type of RECORD_TYPES) {
        for (const [id, record] of await tx.getRecords(type, list)) {
          owners.set(id, [...(owners.get(id) ?? []), { type, owner: record.ownerId }]);
        }
      }
    });
    return owners;
  }

  async close() {
    await this.server?.close();
    await this.receiver?.stop();
  }
}

/** A valid id that no record has (and no generator produces otherwise). */
export function ghostId(length: number): string {
  const text = `gh${randomBytes(48).toString('hex')}`;
  return text.slice(0, Math.max(3, Math.min(64, length)));
}
