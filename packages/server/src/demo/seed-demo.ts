import { DOC_EXAMPLES } from '@finum-sync/spec';
import { sha256Hex } from '../admin/sessions.js';
import { parsePublicKey } from '../auth/public-key.js';
import { audit, systemActor } from '../core/audit.js';
import type { ApplicationStore, BlobStore, Transactional } from '../store/port.js';

/** What seeding the demo writes to. */
type DemoSeedStore = Transactional & BlobStore & ApplicationStore;

import { DEMO_CALLBACK_SECRET, DEMO_CONSUMER_ID, DEMO_PUBLIC_KEY } from './credentials.js';
import { buildDemoData } from './demo-data.js';

/** Bumped when the demo data set changes, so that existing demo databases are re-seeded. */
const DEMO_DATA_VERSION = '1';

/**
 * Makes sure the demo consumer (with its published key) and its data set exist. Runs at
 * start with `DEMO=on`; cheap when they are there already. A demo consumer an operator
 * disabled stays disabled.
 */
export async function seedDemo(store: DemoSeedStore): Promise<{ seeded: boolean }> {
  const key = await parsePublicKey(DEMO_PUBLIC_KEY);
  const seededAlready = await store.transaction(async (tx) => {
    if (!(await tx.getConsumer(DEMO_CONSUMER_ID))) {
      await tx.putConsumer({
        id: DEMO_CONSUMER_ID,
        name: 'Demo broker',
        status: 'active',
        callbackUrl: null,
        callbackSecret: DEMO_CALLBACK_SECRET,
        createdMs: tx.nowMs,
      });
      await tx.putKey({
        consumerId: DEMO_CONSUMER_ID,
        kid: key.kid,
        alg: key.alg,
        publicKey: key.pem,
        createdMs: tx.nowMs,
      });
      await tx.bumpAuthRevision();
      await audit(tx, systemActor('demo'), {
        action: 'consumer.added',
        targetType: 'consumer',
        targetId: DEMO_CONSUMER_ID,
        detail: { name: 'Demo broker', kid: key.kid, alg: key.alg, callbackUrl: null },
      });
    }
    return (await tx.getMeta('demo_data_version')) === DEMO_DATA_VERSION;
  });
  await seedDemoApplication(store);
  if (seededAlready) return { seeded: false };
  const data = await buildDemoData(await store.nowMs());
  for (const bytes of data.blobs) await store.putBlob(bytes);
  return store.transaction(async (tx) => {
    // Another process may have seeded meanwhile.
    if ((await tx.getMeta('demo_data_version')) === DEMO_DATA_VERSION) return { seeded: false };
    await tx.putRecords(data.records);
    await tx.setMeta('demo_data_version', DEMO_DATA_VERSION);
    return { seeded: true };
  });
}

/**
 * The demo application: rejected, with a public status token, so that the documented
 * example of `application-status` answers (there is nothing to take from it).
 */
async function seedDemoApplication(store: ApplicationStore & Transactional): Promise<void> {
  const id = DOC_EXAMPLES.demoApplicationId;
  if (await store.findApplication({ id })) return;
  const nowMs = await store.nowMs();
  await store.insertApplication({
    id,
    status: 'rejected',
    statusTokenHash: sha256Hex(DOC_EXAMPLES.demoStatusToken),
    idempotencyKey: null,
    requestHash: sha256Hex(id),
    company: 'Demo application',
    contactName: 'Demo',
    email: 'demo@demo-broker.example',
    phone: '+43 1 234 5678',
    website: null,
    intendedUse: 'The demo application: its status link is public, to try the status API.',
    callbackUrl: null,
    keySource: 'provider',
    publicKey: null,
    createdMs: nowMs,
    decidedMs: nowMs,
    rejectionReason: 'This is the public demo application. Apply with your own details on the onboarding page.',
    consumerId: null,
    privateKey: null,
    privateKeyShownMs: null,
  });
}
