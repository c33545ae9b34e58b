#!/usr/bin/env node
/**
 * Reference connector: the provider's side of FiNUM Sync, as a core system would run it.
 *
 * It receives the server's provider events (SPEC §10: `PROVIDER_WEBHOOK_URL`), verifies
 * their Standard Webhooks signature with `PROVIDER_WEBHOOK_SECRET`, and answers through the
 * back-office API (`/admin/api`, bearer `ADMIN_TOKEN`):
 *
 * - `contract.proposal-requested` (status 120): prices the contract from a tariff table
 *   (`tariffs.csv`, the stand-in for the core system), attaches a proposal PDF and sets 130;
 *   when data are missing (no tariff for the product, no sum insured, no start date) it
 *   sets 110 with a note saying what is missing.
 * - `contract.order-placed` (status 230): issues the policy (a contract number and a policy
 *   PDF) and sets 320.
 *
 * Every other event is acknowledged and logged. A failed answer is a 500: the server retries
 * the event later (same `webhook-id`), and the connector acts only on contracts that are still
 * waiting, so a retry never answers twice.
 *
 * Run: FINUM_SERVER_URL=http://localhost:8080 FINUM_ADMIN_TOKEN=… PROVIDER_WEBHOOK_SECRET=whsec_… \
 *      node examples/provider-connector/connector.mjs
 * Dependencies: `standardwebhooks` and `pdf-lib` (both already in the repository).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { Webhook } from 'standardwebhooks';

// --- Configuration -------------------------------------------------------------------------

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`connector: ${name} is required (see examples/provider-connector/README.md)`);
    process.exit(2);
  }
  return value;
}

const serverUrl = required('FINUM_SERVER_URL').replace(/\/+$/, '');
const adminToken = required('FINUM_ADMIN_TOKEN');
const secret = required('PROVIDER_WEBHOOK_SECRET');
const port = Number(process.env.PORT ?? 8081);
const host = process.env.HOST ?? '127.0.0.1';
const tariffFile = process.env.TARIFFS ?? fileURLToPath(new URL('./tariffs.csv', import.meta.url));

let webhook;
try {
  webhook = new Webhook(secret);
} catch (error) {
  console.error(`connector: PROVIDER_WEBHOOK_SECRET: ${error.message}`);
  process.exit(2);
}

// --- The stand-in core system: a tariff table ----------------------------------------------

/** `productId` → `{ productName, currency, ratePerMille, minimumAnnualPremium }`, from a CSV with a header line. */
function loadTariffs(path) {
  const [header, ...rows] = readFileSync(path, 'utf8').split(/\r?\n/).filter(Boolean);
  const columns = header.split(',');
  const tariffs = new Map();
  for (const row of rows) {
    const cells = Object.fromEntries(row.split(',').map((cell, i) => [columns[i], cell.trim()]));
    tariffs.set(cells.productId, {
      productName: cells.productName,
      currency: cells.currency,
      ratePerMille: Number(cells.ratePerMille),
      minimumAnnualPremium: Number(cells.minimumAnnualPremium),
    });
  }
  return tariffs;
}

const tariffs = loadTariffs(tariffFile);

/** The annual premium of a contract, or what is missing to price it. */
function price(contract) {
  const tariff = tariffs.get(contract.productId);
  if (!tariff) return { missing: [`a tariff for product ${contract.productId}`] };
  const missing = [];
  if (!contract.sumInsured) missing.push('sumInsured');
  if (!contract.startDate) missing.push('startDate');
  if (missing.length > 0) return { missing };
  const premium = Math.max(tariff.minimumAnnualPremium, (Number(contract.sumInsured) * tariff.ratePerMille) / 1000);
  return { tariff, annualPremium: premium.toFixed(2) };
}

// --- The back office (/admin/api) ----------------------------------------------------------

async function admin(method, path, body) {
  const response = await fetch(`${serverUrl}/admin/api${path}`, {
    method,
    headers: {
      authorization: `Bearer ${adminToken}`,
      ...(body && !(body instanceof FormData) ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: body instanceof FormData ? body : JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** The contract if it still waits for the provider at `status`; `undefined` once answered. */
async function waitingContract(consumerId, contractId, status) {
  const waiting = await admin('GET', `/contracts/awaiting?consumer-id=${encodeURIComponent(consumerId)}`);
  return waiting.find((c) => c.id === contractId && c.status === status);
}

async function attach(contractId, bytes, name, category, asProposal) {
  const form = new FormData();
  form.set('category', category);
  if (asProposal) form.set('asProposal', 'true');
  form.set('file', new Blob([bytes], { type: 'application/pdf' }), name);
  return admin('POST', `/contracts/${encodeURIComponent(contractId)}/files`, form);
}

const setStatus = (contractId, change) => admin('POST', `/contracts/${encodeURIComponent(contractId)}/status`, change);

// --- Documents -----------------------------------------------------------------------------

/** A one-page PDF: a title and label/value rows (the standard fonts draw Latin-1 only). */
async function pdf(title, rows) {
  const latin1 = (text) => String(text).replace(/[^\x20-\x7E\xA0-\xFF]/g, '?');
  const doc = await PDFDocument.create();
  doc.setTitle(latin1(title));
  const page = doc.addPage([595.28, 841.89]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  page.drawText(latin1(title), { x: 56, y: 780, size: 20, font: bold });
  let y = 740;
  for (const [label, value] of rows) {
    page.drawText(latin1(label), { x: 56, y, size: 11, font: bold });
    page.drawText(latin1(value ?? '-').slice(0, 70), { x: 220, y, size: 11, font });
    y -= 18;
  }
  return doc.save();
}

// --- Answers to the events -----------------------------------------------------------------

async function onProposalRequested({ consumerId, contractId }) {
  const contract = await waitingContract(consumerId, contractId, 120);
  if (!contract) return 'no longer waiting';
  const priced = price(contract);
  if (priced.missing) {
    await setStatus(contractId, { status: 110, statusNote: `Missing: ${priced.missing.join(', ')}.` });
    return `110 (missing ${priced.missing.join(', ')})`;
  }
  const { tariff, annualPremium } = priced;
  const bytes = await pdf('Proposal', [
    ['Contract', contract.id],
    ['Your reference', contract.externalId],
    ['Product', tariff.productName],
    ['Sum insured', `${contract.sumInsured} ${tariff.currency}`],
    ['Start of cover', contract.startDate],
    ['Annual premium', `${annualPremium} ${tariff.currency}`],
  ]);
  // The proposal first, then the status: the consumer's 130 callback finds the document.
  await attach(contractId, bytes, `Proposal ${contractId}.pdf`, 'proposal', true);
  await setStatus(contractId, { status: 130, statusNote: `Annual premium ${annualPremium} ${tariff.currency}.` });
  return '130 with a proposal';
}

async function onOrderPlaced({ consumerId, contractId }) {
  const contract = await waitingContract(consumerId, contractId, 230);
  if (!contract) return 'no longer waiting';
  const contractNumber = `POL-${contractId}`.slice(0, 100);
  const bytes = await pdf('Policy', [
    ['Policy number', contractNumber],
    ['Contract', contract.id],
    ['Product', contract.productId],
    ['Sum insured', contract.sumInsured],
    ['Start of cover', contract.startDate],
  ]);
  await attach(contractId, bytes, `Policy ${contractNumber}.pdf`, 'policy', false);
  await setStatus(contractId, { status: 320, contractNumber });
  return `320 (${contractNumber})`;
}

const HANDLERS = {
  'contract.proposal-requested': onProposalRequested,
  'contract.order-placed': onOrderPlaced,
};

// --- The receiver --------------------------------------------------------------------------

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    const body = Buffer.concat(chunks).toString('utf8');
    let event;
    try {
      // Verifies the signature and the timestamp (replays older than five minutes are refused).
      event = webhook.verify(body, req.headers);
    } catch {
      console.log(`refused: a request without a valid signature (${req.method} ${req.url})`);
      res.writeHead(401).end();
      return;
    }
    const id = req.headers['webhook-id'];
    const handler = HANDLERS[event.type];
    try {
      const outcome = handler ? await handler(event) : 'nothing to do';
      console.log(`${id} ${event.type} ${event.contractId ?? event.recordId ?? ''}: ${outcome}`);
      res.writeHead(204).end();
    } catch (error) {
      // The server retries the event with the same webhook-id.
      console.log(`${id} ${event.type} ${event.contractId ?? ''}: failed, will be retried: ${error.message}`);
      res.writeHead(500).end();
    }
  });
});

server.listen(port, host, () => {
  const { port: bound } = server.address();
  console.log(`connector listening at http://${host}:${bound} (tariffs: ${tariffs.size} products)`);
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
