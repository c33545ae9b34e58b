import { createHash } from 'node:crypto';
import {
  CONTRACT_STATUS_CODES,
  type ContractStatus,
  hasPassedProviderStep,
  missingForProposalNote,
  ORDER_PLACED,
  PROPOSAL_REQUESTED,
  statusDef,
  WAIT_FOR_CLIENT_DATA,
} from '@finum-sync/spec';
import { type Random, seededRandom } from '../core/random.js';
import { composeRecord } from '../core/records.js';
import { PUBLIC_OWNER, type StoredRecord } from '../store/port.js';
import { DEMO_CONSUMER_ID } from './credentials.js';
import { renderPdf } from './pdf.js';

const DAY = 86_400_000;

const FIRST_NAMES = [
  'Anna',
  'Lukas',
  'Sophie',
  'David',
  'Marie',
  'Tobias',
  'Laura',
  'Florian',
  'Julia',
  'Stefan',
  'Katharina',
  'Michael',
  'Lena',
  'Andreas',
  'Elena',
  'Johannes',
];
const LAST_NAMES = [
  'Huber',
  'Gruber',
  'Wagner',
  'Bauer',
  'Pichler',
  'Steiner',
  'Moser',
  'Mayer',
  'Hofer',
  'Leitner',
  'Berger',
  'Fuchs',
  'Eder',
  'Fischer',
  'Schmid',
  'Winkler',
];
const COMPANIES = [
  'Alpenblick Tischlerei GmbH',
  'Donau Logistik KG',
  'Wiener Kaffeerösterei OG',
  'Salzach Solar GmbH',
  'Tauern Bau AG',
  'Grazer Software GmbH',
];
const CITIES: ReadonlyArray<readonly [string, string]> = [
  ['1010', 'Wien'],
  ['8010', 'Graz'],
  ['4020', 'Linz'],
  ['5020', 'Salzburg'],
  ['6020', 'Innsbruck'],
  ['9020', 'Klagenfurt'],
];
const STREETS = ['Hauptstraße', 'Bahnhofstraße', 'Kirchengasse', 'Lindenweg', 'Mozartgasse', 'Schulstraße'];

interface ProductSeed {
  id: string;
  name: string;
  category: string;
  requiredFields: string[];
  active: boolean;
}

const PRODUCTS: ProductSeed[] = [
  {
    id: 'p-life-01',
    name: 'Risikoleben Plus',
    category: 'life',
    requiredFields: ['startDate', 'sumInsured', 'paymentFrequency'],
    active: true,
  },
  {
    id: 'p-life-02',
    name: 'Er- und Ablebensversicherung Klassik',
    category: 'life',
    requiredFields: ['startDate', 'sumInsured'],
    active: false,
  },
  {
    id: 'p-health-01',
    name: 'Privat Sonderklasse',
    category: 'health',
    requiredFields: ['startDate', 'paymentFrequency'],
    active: true,
  },
  {
    id: 'p-property-01',
    name: 'Eigenheim Plus',
    category: 'property',
    requiredFields: ['startDate', 'sumInsured'],
    active: true,
  },
  {
    id: 'p-liability-01',
    name: 'Privathaftpflicht',
    category: 'liability',
    requiredFields: ['startDate'],
    active: true,
  },
  {
    id: 'p-motor-01',
    name: 'KFZ Haftpflicht & Kasko',
    category: 'motor',
    requiredFields: ['startDate', '_licensePlate'],
    active: true,
  },
  { id: 'p-legal-01', name: 'Rechtsschutz Familie', category: 'legal', requiredFields: ['startDate'], active: true },
  {
    id: 'p-pension-01',
    name: 'Zukunftsvorsorge',
    category: 'pension',
    requiredFields: ['startDate', 'premium', 'paymentFrequency'],
    active: true,
  },
  {
    id: 'p-investment-01',
    name: 'Fondsgebundene Lebensversicherung',
    category: 'investment',
    requiredFields: ['startDate', 'premium'],
    active: true,
  },
  { id: 'p-other-01', name: 'Reiseschutz Jahrespaket', category: 'other', requiredFields: [], active: true },
];

/** Why a demo contract of an `ended` status ended. */
const END_REASONS: Partial<Record<ContractStatus, string>> = {
  410: 'Kündigung durch den Kunden',
  420: 'Prämienrückstand',
  430: 'Vertragsablauf',
};

/** How many demo contracts of each status: every family, most in the common ones. */
const STATUS_MIX: Partial<Record<ContractStatus, number>> = {
  100: 3,
  110: 4,
  120: 4,
  130: 5,
  140: 2,
  190: 2,
  230: 4,
  240: 3,
  250: 2,
  320: 24,
  330: 3,
  410: 5,
  420: 3,
  430: 4,
};

export interface DemoData {
  records: StoredRecord[];
  blobs: Buffer[];
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const pad = (n: number, width = 4) => String(n).padStart(width, '0');

/**
 * The demo data set of the `demo` consumer: deterministic content (a seeded generator),
 * times relative to `nowMs` so that "changed in the last 7 days" finds something.
 */
export async function buildDemoData(nowMs: number): Promise<DemoData> {
  const rnd = seededRandom(20261123);
  const records: StoredRecord[] = [];
  const blobs: Buffer[] = [];
  const pdfDate = new Date('2026-01-01T00:00:00.000Z');

  const times = (r: Random, maxAgeDays: number) => {
    const createdMs = nowMs - r.int(2, maxAgeDays) * DAY - r.int(0, DAY);
    const updatedMs = Math.min(nowMs - r.int(0, 3600_000), createdMs + r.int(0, maxAgeDays) * DAY);
    return { createdMs, updatedMs: Math.max(createdMs, updatedMs), version: r.int(1, 6) };
  };

  const addFile = async (
    id: string,
    ownerId: string,
    fields: Record<string, unknown>,
    pdf: Parameters<typeof renderPdf>[0],
    when: { createdMs: number; updatedMs: number },
  ) => {
    const bytes = await renderPdf(pdf);
    blobs.push(bytes);
    records.push(
      composeRecord(
        'file',
        { id, ownerId, version: 1, createdMs: when.createdMs, updatedMs: when.updatedMs, deleted: false },
        {
          ...fields,
          mimeType: 'application/pdf',
          size: bytes.length,
          sha256: createHash('sha256').update(bytes).digest('hex'),
        },
      ),
    );
    return id;
  };

  for (const p of PRODUCTS) {
    const t = times(rnd, 700);
    records.push(
      composeRecord(
        'product',
        { id: p.id, ownerId: PUBLIC_OWNER, ...t, deleted: false },
        {
          name: p.name,
          category: p.category,
          description: `${p.name}: Demo-Produkt der Kategorie ${p.category}.`,
          active: p.active,
          requiredFields: p.requiredFields,
          currency: 'EUR',
          _tariffGeneration: p.active ? '2026' : '2019',
        },
      ),
    );
    await addFile(
      `f-terms-${p.id.slice(2)}`,
      PUBLIC_OWNER,
      { productId: p.id, name: `Bedingungen ${p.name}.pdf`, category: 'terms' },
      {
        title: `Versicherungsbedingungen`,
        subtitle: p.name,
        rows: [
          ['Produkt', p.name],
          ['Kategorie', p.category],
        ],
        date: pdfDate,
      },
      { createdMs: t.createdMs, updatedMs: t.createdMs },
    );
  }

  const userIds: string[] = [];
  for (let i = 1; i <= 6; i++) {
    const id = `u-${pad(i, 2)}`;
    userIds.push(id);
    const first = FIRST_NAMES[(i * 5) % FIRST_NAMES.length]!;
    const last = LAST_NAMES[(i * 3) % LAST_NAMES.length]!;
    records.push(
      composeRecord(
        'user',
        { id, ownerId: DEMO_CONSUMER_ID, ...times(rnd, 500), deleted: false },
        {
          firstName: first,
          lastName: last,
          email: `${first}.${last}@demo-broker.example`.toLowerCase(),
          role: i === 1 ? 'admin' : i === 2 ? 'backoffice' : 'advisor',
          active: i !== 6,
        },
      ),
    );
  }

  const clients: { id: string; name: string; birthDate: string | null }[] = [];
  for (let i = 1; i <= 36; i++) {
    const id = `cl-${1000 + i}`;
    const company = i % 6 === 0;
    const [postalCode, city] = rnd.pick(CITIES);
    const t = times(rnd, 600);
    const first = rnd.pick(FIRST_NAMES);
    const last = rnd.pick(LAST_NAMES);
    const birthDate = company ? null : iso(Date.UTC(rnd.int(1950, 2004), rnd.int(0, 11), rnd.int(1, 28)));
    const name = company ? COMPANIES[i / 6 - 1]! : `${first} ${last}`;
    const deleted = i === 35;
    clients.push({ id, name, birthDate });
    records.push(
      composeRecord(
        'client',
        { id, ownerId: DEMO_CONSUMER_ID, ...t, deleted },
        {
          type: company ? 'company' : 'person',
          ...(company
            ? { companyName: name }
            : {
                salutation: rnd.chance(0.5) ? 'Frau' : 'Herr',
                title: rnd.chance(0.15) ? 'Dr.' : null,
                firstName: first,
                lastName: last,
                birthDate,
              }),
          email:
            `${company ? 'office' : `${first}.${last}`}@${company ? name.split(' ')[0]!.toLowerCase() : 'mail'}.example`.toLowerCase(),
          phone: `+43 ${rnd.int(660, 699)} ${rnd.int(1000000, 9999999)}`,
          street: `${rnd.pick(STREETS)} ${rnd.int(1, 120)}`,
          postalCode,
          city,
          country: 'AT',
          externalId: `CRM-${pad(i)}`,
          userId: rnd.pick(userIds.slice(0, 5)),
          ...(rnd.chance(0.3) ? { _hasEverBeenInDebt: rnd.chance(0.2) } : {}),
        },
      ),
    );
  }

  let n = 0;
  const statuses = CONTRACT_STATUS_CODES.flatMap((s) => Array<ContractStatus>(STATUS_MIX[s] ?? 0).fill(s));
  for (const status of statuses) {
    n++;
    const id = `c-${5000 + n}`;
    const holder = clients[(n * 7) % 34]!;
    const proposing = statusDef(status).family === 'proposal';
    const product = PRODUCTS[proposing ? [0, 2, 3, 4, 5, 6, 7, 8, 9][n % 9]! : n % PRODUCTS.length]!;
    const t = times(rnd, 900);
    const startMs = t.createdMs + 30 * DAY;
    const ended = statusDef(status).family === 'ended';
    const fields: Record<string, unknown> = {
      holderId: holder.id,
      productId: product.id,
      userId: rnd.pick(userIds.slice(0, 5)),
      status,
      statusChangedAt: new Date(t.updatedMs).toISOString(),
      statusNote: status === WAIT_FOR_CLIENT_DATA ? missingForProposalNote(product.requiredFields.slice(-1)) : null,
      contractNumber: hasPassedProviderStep(status, ORDER_PLACED) ? `POL-${2026}-${pad(n, 6)}` : null,
      startDate: iso(startMs),
      endDate: ended ? iso(startMs + rnd.int(200, 700) * DAY) : null,
      endReason: END_REASONS[status] ?? null,
      premium: `${rnd.int(8, 400)}.${pad(rnd.int(0, 99), 2)}`,
      currency: 'EUR',
      paymentFrequency: rnd.pick(['monthly', 'quarterly', 'half-yearly', 'yearly'] as const),
      sumInsured:
        product.category === 'life' || product.category === 'property' ? `${rnd.int(5, 50) * 10000}.00` : null,
      externalId: `CRM-C-${pad(n)}`,
      ...(product.category === 'motor' && status !== WAIT_FOR_CLIENT_DATA
        ? { _licensePlate: `W-${rnd.int(10000, 99999)}X` }
        : {}),
    };
    if (status === WAIT_FOR_CLIENT_DATA) delete fields[product.requiredFields.at(-1) as string];
    const fileIds: string[] = [];
    const rows: [string, string][] = [
      ['Versicherungsnehmer', holder.name],
      ['Produkt', product.name],
      ['Beginn', String(fields.startDate)],
      ['Prämie', `${fields.premium} EUR ${fields.paymentFrequency}`],
    ];
    if (hasPassedProviderStep(status, PROPOSAL_REQUESTED)) {
      fields.proposalFileId = await addFile(
        `f-prop-${5000 + n}`,
        DEMO_CONSUMER_ID,
        { contractId: id, name: `Antrag ${id}.pdf`, category: 'proposal' },
        { title: 'Antrag / Proposal', subtitle: `Vertrag ${id}`, rows, date: pdfDate },
        t,
      );
      fileIds.push(fields.proposalFileId as string);
    }
    if (hasPassedProviderStep(status, ORDER_PLACED)) {
      fileIds.push(
        await addFile(
          `f-pol-${5000 + n}`,
          DEMO_CONSUMER_ID,
          { contractId: id, name: `Polizze ${fields.contractNumber}.pdf`, category: 'policy' },
          { title: 'Polizze / Policy', subtitle: String(fields.contractNumber), rows, date: pdfDate },
          t,
        ),
      );
    }
    fields.fileIdList = fileIds;
    records.push(
      composeRecord('contract', { id, ownerId: DEMO_CONSUMER_ID, ...t, deleted: n === 17 || n === 58 }, fields),
    );
  }

  // A withdrawn upload: a file tombstone.
  const lastFile = records.findLast((r) => r.type === 'file' && r.ownerId === DEMO_CONSUMER_ID)!;
  records[records.indexOf(lastFile)] = { ...lastFile, deleted: true, data: { ...lastFile.data, deleted: true } };
  return { records, blobs };
}
