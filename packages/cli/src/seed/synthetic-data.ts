import {
  composeRecord,
  PUBLIC_OWNER,
  type RecordMeta,
  type RecordRow,
  recordRow,
  type StoredRecord,
  seededRandom,
} from '@finum-sync/server/operations';
import { type ContractStatus, formatTimestamp, PAYMENT_FREQUENCIES, type RecordType } from '@finum-sync/spec';

type Random = ReturnType<typeof seededRandom>;

/**
 * A large synthetic data set for load tests and benchmarks: plausible records of every
 * type, deterministic for a seed. Times are spread over the last `days` days before
 * `nowMs`, weighted the way real data are (most records never change after creation;
 * recent records change more), so that `since = now − 7 days` selects a few percent.
 */
export interface SeedPlan {
  /** Consumers `bench-01` … `bench-K`. */
  consumers: number;
  /** Contracts in all, spread evenly over the consumers. */
  contracts: number;
  seed: number;
  days: number;
  nowMs: number;
}

const DAY = 86_400_000;
/** Users (advisors) of every consumer. */
export const USERS_PER_CONSUMER = 10;
/** Public products every consumer sees. */
export const PRODUCT_COUNT = 12;
/** Contracts generated together with their clients and files. */
const BLOCK = 1000;

/** Share of records changed at least once after creation; the rest still have version 1. */
const CHANGED = 0.4;
/** Share of tombstones. */
const DELETED = 0.01;

/** How contracts spread over the lifecycle (SPEC §8), in percent. */
const STATUS_WEIGHTS: ReadonlyArray<readonly [ContractStatus, number]> = [
  [100, 2],
  [110, 2],
  [120, 3],
  [130, 3],
  [140, 1],
  [190, 2],
  [230, 2],
  [240, 2],
  [250, 1],
  [320, 60],
  [330, 4],
  [410, 10],
  [420, 3],
  [430, 5],
];
const STATUS_TABLE: ContractStatus[] = STATUS_WEIGHTS.flatMap(([status, weight]) => Array(weight).fill(status));

const PRODUCTS = [
  ['life', 'Risikoleben Plus'],
  ['life', 'Er- und Ablebensversicherung'],
  ['health', 'Privat Sonderklasse'],
  ['property', 'Eigenheim Plus'],
  ['property', 'Haushalt Komfort'],
  ['liability', 'Privathaftpflicht'],
  ['motor', 'KFZ Haftpflicht & Kasko'],
  ['legal', 'Rechtsschutz Familie'],
  ['pension', 'Zukunftsvorsorge'],
  ['investment', 'Fondsgebundene Lebensversicherung'],
  ['other', 'Reiseschutz Jahrespaket'],
  ['other', 'Tierkrankenversicherung'],
] as const;

const FIRST_NAMES = ['Emma', 'Felix', 'Hannah', 'Jonas', 'Lea', 'Maximilian', 'Mia', 'Noah', 'Paula', 'Simon'];
const LAST_NAMES = [
  'Müller',
  'Schneider',
  'Weber',
  'Koch',
  'Richter',
  'Wolf',
  'Schröder',
  'Neumann',
  'Braun',
  'Zimmermann',
];
/** Postal code and city. */
const PLACES = [
  ['2700', 'Wiener Neustadt'],
  ['3100', 'St. Pölten'],
  ['6900', 'Bregenz'],
  ['7000', 'Eisenstadt'],
  ['8700', 'Leoben'],
  ['9500', 'Villach'],
  ['4600', 'Wels'],
  ['6330', 'Kufstein'],
] as const;
const STREETS = ['Am Anger', 'Feldgasse', 'Gartenweg', 'Marktplatz', 'Rosenweg', 'Waldstraße', 'Ringstraße'];
const END_REASONS: Partial<Record<ContractStatus, string>> = {
  410: 'Kündigung durch den Kunden',
  420: 'Prämienrückstand',
  430: 'Vertragsablauf',
};

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** The ids of the seeded consumers: `bench-01` … (wider when there are more than 99). */
export function seedConsumerIds(consumers: number): string[] {
  const width = Math.max(2, String(consumers).length);
  return Array.from({ length: consumers }, (_, i) => `bench-${pad(i + 1, width)}`);
}

/** Contracts of consumer `index` (0-based): N / K, the remainder going to the first ones. */
export const contractsOf = (plan: SeedPlan, index: number) =>
  Math.floor(plan.contracts / plan.consumers) + (index < plan.contracts % plan.consumers ? 1 : 0);

/** How many records of each type the plan produces. */
export function seedCounts(plan: SeedPlan): Record<RecordType, number> {
  const counts = { product: PRODUCT_COUNT, user: 0, client: 0, contract: 0, file: 0 };
  for (let i = 0; i < plan.consumers; i++) {
    const n = contractsOf(plan, i);
    counts.user += USERS_PER_CONSUMER;
    counts.client += Math.ceil(n / 2);
    counts.contract += n;
    counts.file += Math.floor(n / 2);
  }
  return counts;
}

const PRODUCT_IDS = PRODUCTS.map((_, i) => `bench-p-${pad(i + 1, 2)}`);

/** A seed for one part of the data set, mixed from the plan's seed and the part's coordinates. */
function partSeed(seed: number, consumer: number, block: number): number {
  let h =
    Math.imul(seed ^ 0x5eed5eed, 0x9e3779b1) ^ Math.imul(consumer + 1, 0x85ebca6b) ^ Math.imul(block + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * Creation, last change and version of a record: creation uniform over the span; most
 * records never change, the others changed at a uniform time since their creation.
 */
function recordTimes(rnd: Random, plan: SeedPlan) {
  const { nowMs } = plan;
  const span = plan.days * DAY;
  return (id: string, ownerId: string) => {
    const createdMs = nowMs - Math.floor(rnd.next() * span);
    const deleted = rnd.next() < DELETED;
    const changed = deleted || rnd.next() < CHANGED;
    const updatedMs = changed ? createdMs + Math.floor(rnd.next() * (nowMs - createdMs)) : createdMs;
    return { id, ownerId, version: changed ? rnd.int(2, 6) : 1, createdMs, updatedMs, deleted };
  };
}

/** The products every consumer sees. */
export function syntheticProducts(plan: SeedPlan): StoredRecord[] {
  const meta = recordTimes(seededRandom(partSeed(plan.seed, -1, -1)), plan);
  return PRODUCTS.map(([category, name], i) =>
    composeRecord('product', meta(PRODUCT_IDS[i]!, PUBLIC_OWNER), {
      name,
      category,
      description: `${name}: synthetic product of the category ${category}.`,
      active: i !== 1,
      requiredFields: ['startDate', ...(category === 'life' || category === 'property' ? ['sumInsured'] : [])],
      currency: 'EUR',
    }),
  );
}

/**
 * The parts of the data set besides the products: one for every block of up to 1,000
 * contracts of a consumer (a consumer's first part also holds its users). Each part
 * has a random generator of its own, so parts can be generated in any order, or in
 * parallel, and still give the same records.
 */
export function seedParts(plan: SeedPlan): { consumer: number; block: number }[] {
  const parts: { consumer: number; block: number }[] = [];
  for (let consumer = 0; consumer < plan.consumers; consumer++) {
    const blocks = Math.max(1, Math.ceil(contractsOf(plan, consumer) / BLOCK));
    for (let block = 0; block < blocks; block++) parts.push({ consumer, block });
  }
  return parts;
}

const days = new Map<number, string>();
/** `YYYY-MM-DD` of a time, memoized by day: there are few distinct days. */
function isoDate(ms: number): string {
  const day = Math.floor(ms / DAY);
  let text = days.get(day);
  if (text === undefined) {
    text = new Date(day * DAY).toISOString().slice(0, 10);
    days.set(day, text);
  }
  return text;
}

/** Builds a record, or its row, from meta data and fields: composeRecord or recordRow. */
type Build<T> = (type: RecordType, meta: RecordMeta, fields: Readonly<Record<string, unknown>>) => T;

/** The records of one part (see {@link seedParts}): users, clients, files and contracts. */
export function partRecords(plan: SeedPlan, consumer: number, block: number): StoredRecord[] {
  return generatePart(plan, consumer, block, composeRecord);
}

/** The rows of partRecords(plan, consumer, block), without building the records: what the seed writes. */
export function partRows(plan: SeedPlan, consumer: number, block: number): RecordRow[] {
  return generatePart(plan, consumer, block, recordRow);
}

function generatePart<T>(plan: SeedPlan, consumer: number, block: number, build: Build<T>): T[] {
  const rnd = seededRandom(partSeed(plan.seed, consumer, block));
  const meta = recordTimes(rnd, plan);
  const idWidth = Math.max(6, String(plan.contracts).length);
  const owner = seedConsumerIds(plan.consumers)[consumer]!;
  const userIds = Array.from({ length: USERS_PER_CONSUMER }, (_, i) => `${owner}-u-${pad(i + 1, 2)}`);
  const records: T[] = [];

  if (block === 0) {
    userIds.forEach((id, i) => {
      const firstName = rnd.pick(FIRST_NAMES);
      const lastName = rnd.pick(LAST_NAMES);
      records.push(
        build('user', meta(id, owner), {
          firstName,
          lastName,
          email: `${firstName}.${lastName}.${i + 1}@${owner}.example`.toLowerCase(),
          role: i === 0 ? 'admin' : i === 1 ? 'backoffice' : 'advisor',
          active: i !== USERS_PER_CONSUMER - 1,
        }),
      );
    });
  }

  const from = block * BLOCK;
  const to = Math.min(contractsOf(plan, consumer), from + BLOCK);
  // Clients ⌈from/2⌉ … ⌈to/2⌉ − 1: one for every two contracts of the block.
  const clientIds: string[] = [];
  for (let k = Math.ceil(from / 2); k < Math.ceil(to / 2); k++) {
    const id = `${owner}-cl-${pad(k + 1, idWidth)}`;
    clientIds.push(id);
    const [postalCode, city] = rnd.pick(PLACES);
    const company = rnd.next() < 0.1;
    const firstName = rnd.pick(FIRST_NAMES);
    const lastName = rnd.pick(LAST_NAMES);
    records.push(
      build('client', meta(id, owner), {
        type: company ? 'company' : 'person',
        ...(company
          ? { companyName: `${lastName} ${rnd.pick(['GmbH', 'KG', 'OG', 'AG'])}` }
          : {
              salutation: rnd.next() < 0.5 ? 'Frau' : 'Herr',
              firstName,
              lastName,
              birthDate: isoDate(Date.UTC(1945 + rnd.int(0, 60), rnd.int(0, 11), rnd.int(1, 28))),
            }),
        email: `${firstName}.${lastName}.${k + 1}@mail.example`.toLowerCase(),
        phone: `+43 ${rnd.int(660, 699)} ${rnd.int(1000000, 9999999)}`,
        street: `${rnd.pick(STREETS)} ${rnd.int(1, 120)}`,
        postalCode,
        city,
        country: 'AT',
        externalId: `CRM-${pad(k + 1, idWidth)}`,
        userId: rnd.pick(userIds),
      }),
    );
  }

  for (let j = from; j < to; j++) {
    const id = `${owner}-co-${pad(j + 1, idWidth)}`;
    const m = meta(id, owner);
    const status = STATUS_TABLE[Math.floor(rnd.next() * STATUS_TABLE.length)]!;
    const productIndex = rnd.int(0, PRODUCTS.length - 1);
    const category = PRODUCTS[productIndex]![0];
    const startMs = m.createdMs + rnd.int(0, 60) * DAY;
    // Every second contract has a document: its proposal once there is one, else a letter.
    const hasProposal = status >= 130 && status !== 140 && status !== 190;
    const fileId = j % 2 === 1 ? `${owner}-f-${pad((j + 1) / 2, idWidth)}` : undefined;
    if (fileId) {
      records.push(
        build(
          'file',
          { id: fileId, ownerId: owner, version: 1, createdMs: m.createdMs, updatedMs: m.createdMs, deleted: false },
          {
            contractId: id,
            name: hasProposal ? `Antrag ${id}.pdf` : `Schreiben ${id}.pdf`,
            mimeType: 'application/pdf',
            size: rnd.int(20_000, 2_000_000),
            sha256: sha256Hex(rnd),
            category: hasProposal ? 'proposal' : 'correspondence',
          },
        ),
      );
    }
    records.push(
      build('contract', m, {
        holderId: rnd.pick(clientIds),
        productId: PRODUCT_IDS[productIndex],
        userId: rnd.pick(userIds),
        status,
        statusChangedAt: formatTimestamp(m.updatedMs),
        statusNote: status === 110 ? 'Missing for a proposal: startDate' : null,
        contractNumber: status >= 230 && status !== 250 ? `POL-${pad(consumer + 1, 3)}-${pad(j + 1, idWidth)}` : null,
        startDate: isoDate(startMs),
        endDate: status >= 400 ? isoDate(startMs + rnd.int(180, 3650) * DAY) : null,
        endReason: END_REASONS[status] ?? null,
        premium: `${rnd.int(8, 400)}.${pad(rnd.int(0, 99), 2)}`,
        currency: 'EUR',
        paymentFrequency: rnd.pick(PAYMENT_FREQUENCIES),
        sumInsured: category === 'life' || category === 'property' ? `${rnd.int(5, 50) * 10000}.00` : null,
        proposalFileId: hasProposal && fileId ? fileId : null,
        fileIdList: fileId ? [fileId] : [],
        externalId: `CRM-C-${pad(j + 1, idWidth)}`,
      }),
    );
  }
  return records;
}

const HEX_BYTES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A plausible SHA-256 (64 hex digits). */
function sha256Hex(rnd: Random): string {
  const parts: string[] = [];
  for (let i = 0; i < 8; i++) {
    const word = Math.floor(rnd.next() * 0x100000000);
    parts.push(
      HEX_BYTES[word >>> 24]!,
      HEX_BYTES[(word >>> 16) & 255]!,
      HEX_BYTES[(word >>> 8) & 255]!,
      HEX_BYTES[word & 255]!,
    );
  }
  return parts.join('');
}

/** The whole data set in batches: the products, then the parts in order. */
export function* syntheticRecords(plan: SeedPlan): Generator<StoredRecord[]> {
  yield syntheticProducts(plan);
  for (const { consumer, block } of seedParts(plan)) yield partRecords(plan, consumer, block);
}
