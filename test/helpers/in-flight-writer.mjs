// A provider-side writer in a process of its own (as the CLI or a second server would
// be), driven line by line over stdin/stdout with JSON messages:
//   → {"op":"begin","records":[{"type","id","ownerId","fields"}]}  ← {"ready":<tx nowMs>}
//   → {"op":"commit"}                                              ← {"committed":true}
//   → {"op":"close"} (or end of stdin)          an open transaction commits; the process exits
// The records are written inside the transaction with updatedAt = the transaction's clock,
// and the transaction stays open until "commit".
import { createInterface } from 'node:readline';
import { composeRecord, openStore } from '@finum-sync/server/internal';

const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
const store = await openStore({ databaseUrl: process.env.DATABASE_URL, dataDir: process.env.DATA_DIR });
let release;
let transaction;

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const message = JSON.parse(line);
  if (message.op === 'begin') {
    const gate = new Promise((resolve) => {
      release = resolve;
    });
    transaction = store
      .transaction(async (tx) => {
        const meta = { ownerId: '', version: 1, createdMs: tx.nowMs, updatedMs: tx.nowMs, deleted: false };
        await tx.putRecords(message.records.map((r) => composeRecord(r.type, { ...meta, ...r }, r.fields ?? {})));
        send({ ready: tx.nowMs });
        await gate;
      })
      .then(
        () => send({ committed: true }),
        (error) => send({ error: String(error?.message ?? error) }),
      );
  } else if (message.op === 'commit') {
    release();
  } else if (message.op === 'close') {
    release?.();
    lines.close();
  }
});
lines.on('close', async () => {
  await transaction;
  await store.close();
  process.exit(0);
});
send({ open: true });
