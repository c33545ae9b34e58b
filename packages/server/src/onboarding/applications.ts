import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  type ApplicationInput,
  checkApplication,
  type FieldError,
  formatTimestamp,
  ProblemError,
  STATUS_TOKEN_PATTERN,
} from '@finum-sync/spec';
import { sha256Hex, unguessableToken } from '../admin/sessions.js';
import { KeyError, parsePublicKey } from '../auth/public-key.js';
import { audit } from '../core/audit.js';
import { addConsumer, ConsumerError } from '../core/consumers.js';
import type { CoreEvents } from '../core/events.js';
import { commitWrite } from '../core/write.js';
import { invalidBody } from '../core/write-validation.js';
import { IDEMPOTENCY_TTL_MS } from '../plugins/idempotency.js';
import type {
  Actor,
  ApplicationRow,
  ApplicationStore,
  ConsumerStore,
  RateCountStore,
  StoreDialect,
  Transactional,
} from '../store/port.js';

/**
 * Onboarding (SPEC §9): an application is submitted with the form, gets a status link
 * whose token only the applicant holds (the store keeps its hash), and is approved —
 * which registers the consumer — or rejected by an administrator.
 */

/** The slices of the store onboarding uses: applications, and the consumer an approval registers. */
export type OnboardingStore = Transactional & ApplicationStore & ConsumerStore;

export interface OnboardingDeps {
  store: OnboardingStore;
  /** The provider's base URL: the status link's origin and the JWT audience. */
  publicUrl: string;
  /** SPEC §8's policy for callback URLs. */
  checkCallbackUrl: (url: string) => Promise<unknown>;
  /** The core's event bus and the provider's webhook URLs (an `application.submitted` event). */
  events: CoreEvents;
  providerWebhookUrls: readonly string[];
}

/** Onboarding's dependencies on a page surface, whose sign-in and form limits count per address (shared on PostgreSQL). */
export type OnboardingWebDeps = OnboardingDeps & { store: OnboardingWebStore };

/** Onboarding's slices with the rate counts its address limits share (see web/address-limiter.ts). */
export type OnboardingWebStore = OnboardingStore & StoreDialect & RateCountStore;

export interface ApplicationReceipt {
  applicationId: string;
  status: 'pending';
  statusToken: string;
  statusUrl: string;
}

const STATUS_TOKEN_REGEX = new RegExp(STATUS_TOKEN_PATTERN);

/** Maps the refusals of consumer management to answers. */
export function consumerProblem(error: unknown): unknown {
  if (error instanceof KeyError) return invalidBody([{ field: 'publicKey', message: error.message }]);
  if (error instanceof ConsumerError) {
    if (error.kind === 'not-found') return new ProblemError('not-found', error.message);
    if (error.kind === 'conflict') return new ProblemError('conflict', error.message);
    return invalidBody([{ field: 'consumerId', message: error.message }]);
  }
  return error;
}

/** The checks that need I/O: the callback URL's addresses and the public key. */
async function checkWithIo(deps: OnboardingDeps, input: ApplicationInput): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  if (input.callbackUrl) {
    try {
      await deps.checkCallbackUrl(input.callbackUrl);
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      errors.push({ field: 'callbackUrl', message: error.errors?.[0]?.message ?? error.message });
    }
  }
  if (input.publicKey) {
    try {
      input.publicKey = (await parsePublicKey(input.publicKey)).pem;
    } catch (error) {
      if (!(error instanceof KeyError)) throw error;
      errors.push({ field: 'publicKey', message: error.message });
    }
  }
  return errors;
}

/**
 * The status token of an application submitted with an `Idempotency-Key`: derived from the
 * key, the application's random id and the form, so that a repeated submission can answer
 * with the very receipt of the first one while the store keeps only the token's hash.
 */
const keyedStatusToken = (idempotencyKey: string, applicationId: string, requestHash: string) =>
  createHmac('sha256', idempotencyKey).update(`${applicationId}\n${requestHash}`).digest('base64url');

/**
 * Takes a submitted form. With an idempotency key, the same form again within 24 h answers
 * with the first answer — the same application and the same status link, whatever was
 * decided meanwhile (the first answer may have been lost); it never issues another link.
 * Another form with that key is refused; after 24 h the key is free again.
 */
export async function submitApplication(
  deps: OnboardingDeps,
  body: unknown,
  idempotencyKey: string | undefined,
): Promise<{ created: boolean; receipt: ApplicationReceipt }> {
  const { value: input, errors } = checkApplication(body);
  errors.push(...(await checkWithIo(deps, input)));
  if (errors.length > 0) throw invalidBody(errors);

  const requestHash = sha256Hex(JSON.stringify(input));
  const receipt = (applicationId: string, token: string): ApplicationReceipt => ({
    applicationId,
    status: 'pending',
    statusToken: token,
    statusUrl: `${deps.publicUrl}/onboarding/status#${token}`,
  });
  const id = `app_${randomBytes(12).toString('hex')}`;
  const token = idempotencyKey ? keyedStatusToken(idempotencyKey, id, requestHash) : unguessableToken();
  const nowMs = await deps.store.nowMs();
  const row: ApplicationRow = {
    id,
    status: 'pending',
    statusTokenHash: sha256Hex(token),
    idempotencyKey: idempotencyKey ?? null,
    requestHash,
    company: input.company!,
    contactName: input.contactName!,
    email: input.email!,
    phone: input.phone!,
    website: input.website,
    intendedUse: input.intendedUse!,
    callbackUrl: input.callbackUrl,
    keySource: input.keySource,
    publicKey: input.publicKey,
    createdMs: nowMs,
    decidedMs: null,
    rejectionReason: null,
    consumerId: null,
    privateKey: null,
    privateKeyShownMs: null,
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    const inserted = await commitWrite(deps, async (tx, effects) => {
      if (!(await tx.insertApplication(row))) return false;
      const { id: applicationId, company } = row;
      await effects.providerEvent(tx, {
        type: 'application.submitted',
        occurredAt: formatTimestamp(row.createdMs),
        applicationId,
        company,
      });
      await audit(
        tx,
        { kind: 'onboarding', name: applicationId },
        {
          action: 'application.submitted',
          targetType: 'application',
          targetId: applicationId,
          detail: { company, email: row.email, keySource: row.keySource },
        },
      );
      return true;
    });
    if (inserted) return { created: true, receipt: receipt(row.id, token) };
    const first = await deps.store.findApplication({ idempotencyKey: idempotencyKey! });
    if (!first) continue; // released meanwhile: insert again
    if (first.createdMs + IDEMPOTENCY_TTL_MS <= nowMs) {
      // The key expired: it no longer names the first application.
      await deps.store.updateApplication(first.id, { idempotencyKey: null });
      continue;
    }
    if (first.requestHash !== requestHash) {
      throw new ProblemError('idempotency-key-reused', 'This Idempotency-Key was used with another form within 24 h.');
    }
    const firstToken = keyedStatusToken(idempotencyKey!, first.id, requestHash);
    if (sha256Hex(firstToken) !== first.statusTokenHash) {
      // Submitted before status tokens were derived from the key: its link cannot be shown again.
      throw new ProblemError('idempotency-key-reused', 'This form was received already; use the status link it got.');
    }
    return { created: false, receipt: receipt(first.id, firstToken) };
  }
  throw new ProblemError(
    'idempotency-in-progress',
    'A form with this Idempotency-Key is being received; retry shortly.',
    {
      headers: { 'Retry-After': '1' },
    },
  );
}

/**
 * What the status link shows. The first look after an approval with a provider-generated
 * key pair takes the private key out of the database: it is shown this once.
 */
export async function applicationStatus(deps: OnboardingDeps, token: unknown) {
  if (typeof token !== 'string' || !STATUS_TOKEN_REGEX.test(token)) {
    throw invalidBody([{ field: 'token', message: 'must be the 43-character token of the status link' }]);
  }
  const { store } = deps;
  const found = await store.findApplication({ statusTokenHash: sha256Hex(token) });
  if (!found) {
    throw new ProblemError('not-found', 'No application has this status link: check that the whole link was copied.');
  }
  const { app, privateKey } = found.privateKey
    ? await store.transaction(async (tx) => {
        const locked = (await tx.getApplication(found.id))!;
        if (!locked.privateKey) return { app: locked, privateKey: null };
        const change = { privateKey: null, privateKeyShownMs: tx.nowMs };
        await tx.updateApplication(found.id, change);
        return { app: { ...locked, ...change }, privateKey: locked.privateKey };
      })
    : { app: found, privateKey: null };
  const consumer = app.consumerId ? await store.consumer(app.consumerId) : undefined;
  return {
    applicationId: app.id,
    status: app.status,
    company: app.company,
    submittedAt: formatTimestamp(app.createdMs),
    decidedAt: app.decidedMs === null ? null : formatTimestamp(app.decidedMs),
    rejectionReason: app.rejectionReason,
    keySource: app.keySource,
    credentials: consumer
      ? {
          consumerId: consumer.id,
          payload: { sub: consumer.id, aud: deps.publicUrl },
          callbackSecret: consumer.callbackSecret,
        }
      : null,
    privateKey,
    privateKeyShownAt: app.privateKeyShownMs === null ? null : formatTimestamp(app.privateKeyShownMs),
  };
}

/** An application as the back office sees it (no token hash, no private key). */
export function applicationView(app: ApplicationRow) {
  return {
    id: app.id,
    status: app.status,
    company: app.company,
    contactName: app.contactName,
    email: app.email,
    phone: app.phone,
    website: app.website,
    intendedUse: app.intendedUse,
    callbackUrl: app.callbackUrl,
    keySource: app.keySource,
    publicKey: app.publicKey,
    submittedAt: formatTimestamp(app.createdMs),
    decidedAt: app.decidedMs === null ? null : formatTimestamp(app.decidedMs),
    rejectionReason: app.rejectionReason,
    consumerId: app.consumerId,
  };
}

async function pendingApplication(store: ApplicationStore, id: string): Promise<ApplicationRow> {
  const app = await store.findApplication({ id });
  if (!app) throw new ProblemError('not-found', `No application '${id}'.`);
  if (app.status !== 'pending') throw new ProblemError('conflict', `The application is ${app.status} already.`);
  return app;
}

/**
 * Approves an application: registers the consumer (with the application's key, or a new
 * ES256 pair whose private key waits for the status link) and marks the application
 * approved, in one transaction.
 */
export async function approveApplication(
  deps: OnboardingDeps,
  id: string,
  consumer: { consumerId: string; name?: string },
  by: Actor,
) {
  const app = await pendingApplication(deps.store, id);
  const generated =
    app.keySource === 'provider'
      ? generateKeyPairSync('ec', {
          namedCurve: 'P-256',
          publicKeyEncoding: { type: 'spki', format: 'pem' },
          privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        })
      : undefined;
  try {
    const credentials = await addConsumer(
      deps.store,
      deps.publicUrl,
      {
        id: consumer.consumerId,
        name: consumer.name ?? app.company,
        publicKeyPem: generated?.publicKey ?? app.publicKey!,
        callbackUrl: app.callbackUrl,
        by,
      },
      async (tx) => {
        if ((await tx.getApplication(id))?.status !== 'pending') {
          throw new ProblemError('conflict', 'The application was decided meanwhile.');
        }
        await tx.updateApplication(id, {
          status: 'approved',
          decidedMs: tx.nowMs,
          consumerId: consumer.consumerId,
          privateKey: generated?.privateKey ?? null,
        });
        await audit(tx, by, {
          action: 'application.approved',
          targetType: 'application',
          targetId: id,
          detail: { consumerId: consumer.consumerId, company: app.company, keySource: app.keySource },
        });
      },
    );
    const approved = (await deps.store.findApplication({ id }))!;
    return {
      application: applicationView(approved),
      credentials: {
        consumerId: credentials.consumerId,
        payload: credentials.payload,
        callbackSecret: credentials.callbackSecret,
      },
    };
  } catch (error) {
    throw consumerProblem(error);
  }
}

/** Rejects an application; its status link shows the reason. */
export async function rejectApplication(
  store: ApplicationStore & Transactional,
  id: string,
  reason: string,
  by: Actor,
) {
  await pendingApplication(store, id);
  await store.transaction(async (tx) => {
    const app = await tx.getApplication(id);
    if (app?.status !== 'pending') throw new ProblemError('conflict', 'The application was decided meanwhile.');
    const rejectionReason = reason.trim();
    await tx.updateApplication(id, { status: 'rejected', decidedMs: tx.nowMs, rejectionReason });
    await audit(tx, by, {
      action: 'application.rejected',
      targetType: 'application',
      targetId: id,
      detail: { company: app.company, reason: rejectionReason },
    });
  });
  return applicationView((await store.findApplication({ id }))!);
}
