import {
  APPLICATION_STATUSES,
  type ApplicationStatus,
  compileParse,
  formatTimestamp,
  ProblemError,
  type Query,
} from '@finum-sync/spec';
import {
  AdminSignIn,
  ApproveApplication,
  ConsumerStatusChange,
  NewConsumer,
  NewConsumerKey,
  RejectApplication,
} from '@finum-sync/spec/admin';
import type { Config } from '../config.js';
import {
  addConsumer,
  addConsumerKey,
  removeConsumerKey,
  rotateCallbackSecret,
  setConsumerStatus,
} from '../core/consumers.js';
import { invalidBody } from '../core/write-validation.js';
import {
  applicationView,
  approveApplication,
  consumerProblem,
  type OnboardingWebDeps,
  rejectApplication,
} from '../onboarding/applications.js';
import { adminActor, checkAdminToken } from '../plugins/admin-auth.js';
import { bodyOf, checked, type Handlers, pathParam } from '../routes/handlers.js';
import type { ConsumerKeyRow, ConsumerRow, ConsumerStore, ConsumerUsage } from '../store/port.js';
import { addressLimiter } from '../web/address-limiter.js';
import type { AdminSessions } from './sessions.js';

/** The console's request bodies, each parsed by its documented schema (and typed by it). */
const parse = {
  signIn: compileParse(AdminSignIn),
  approval: compileParse(ApproveApplication),
  rejection: compileParse(RejectApplication),
  newConsumer: compileParse(NewConsumer),
  statusChange: compileParse(ConsumerStatusChange),
  newKey: compileParse(NewConsumerKey),
};

/** A status of the applications' table (a query parameter may also be repeated: then it is not). */
const isApplicationStatus = (value: unknown): value is ApplicationStatus =>
  APPLICATION_STATUSES.some((status) => status === value);

const keyView = (k: ConsumerKeyRow) => ({
  kid: k.kid,
  alg: k.alg,
  publicKey: k.publicKey,
  createdAt: formatTimestamp(k.createdMs),
});

const consumerView = (c: ConsumerRow, keys: readonly ConsumerKeyRow[], usage: ReadonlyMap<string, ConsumerUsage>) => {
  const used = usage.get(c.id);
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    callbackUrl: c.callbackUrl,
    createdAt: formatTimestamp(c.createdMs),
    keys: keys.filter((k) => k.consumerId === c.id).map(keyView),
    usage: {
      requests: used?.requests ?? 0,
      errors: used?.errors ?? 0,
      lastSeenAt: used ? formatTimestamp(used.lastSeenMs) : null,
    },
  };
};

/** `GET /admin/api/applications`: one status of the applications' table, when given. */
function applicationsFilterOf(query: Query): { status?: ApplicationStatus } {
  const { status } = query;
  if (status !== undefined && !isApplicationStatus(status)) {
    throw new ProblemError('invalid-parameter', `status must be one of ${APPLICATION_STATUSES.join(', ')}.`, {
      errors: [{ field: 'status', message: `must be one of ${APPLICATION_STATUSES.join(', ')}` }],
    });
  }
  return status ? { status } : {};
}

/** A rejection's reason: the applicant reads it, so it is not blank. */
function rejectionReasonOf(body: unknown): string {
  const { reason } = bodyOf(parse.rejection, body);
  if (!reason.trim()) throw invalidBody([{ field: 'reason', message: 'is required: the applicant reads it' }]);
  return reason;
}

const usageById = (usage: readonly ConsumerUsage[]) => new Map(usage.map((u) => [u.consumerId, u]));

async function consumerById(store: ConsumerStore, id: string) {
  const [state, usage] = await Promise.all([store.loadAuthState(), store.consumerUsage()]);
  const consumer = state.consumers.find((c) => c.id === id);
  if (!consumer) throw new ProblemError('not-found', `No consumer '${id}'.`);
  return consumerView(consumer, state.keys, usageById(usage));
}

/** Runs consumer management, answering its refusals as problems. */
async function managing<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw consumerProblem(error);
  }
}

const sessionView = (session: { csrfToken: string; expiresMs: number } | undefined) =>
  session
    ? { via: 'cookie', csrfToken: session.csrfToken, expiresAt: formatTimestamp(session.expiresMs) }
    : { via: 'bearer', csrfToken: null, expiresAt: null };

/** The console endpoints of `ADMIN_OPERATIONS` (sign-in, applications, consumers). */
export function adminConsoleHandlers(deps: OnboardingWebDeps, config: Config, sessions: AdminSessions): Handlers {
  const { store } = deps;
  const limit = addressLimiter(config.adminSignInRateLimit, 'admin sign-in', store);
  return {
    adminSignIn: async (request, reply) => {
      await limit(request);
      const { token } = bodyOf(parse.signIn, request.body);
      checkAdminToken(config.adminToken, token);
      const { setCookie, session } = await sessions.open();
      return reply.header('Set-Cookie', setCookie).send(sessionView(session));
    },

    adminSession: async (request, reply) => reply.send(sessionView(request.adminSession)),

    adminSignOut: async (request, reply) => {
      const clear = await sessions.close(request.adminSession);
      return reply.header('Set-Cookie', clear).code(204).send();
    },

    adminApplications: checked({ query: applicationsFilterOf }, async (request, reply) => {
      const list = await store.listApplications(request.query);
      return reply.send(list.map(applicationView));
    }),

    adminApproveApplication: checked({ body: (body) => bodyOf(parse.approval, body) }, async (request, reply) =>
      reply.send(await approveApplication(deps, pathParam(request, 'id'), request.body, adminActor(request))),
    ),

    adminRejectApplication: checked({ body: rejectionReasonOf }, async (request, reply) =>
      reply.send(await rejectApplication(store, pathParam(request, 'id'), request.body, adminActor(request))),
    ),

    adminConsumers: async (_request, reply) => {
      const [{ consumers, keys }, usage] = await Promise.all([store.loadAuthState(), store.consumerUsage()]);
      const sorted = [...consumers].sort((a, b) => a.id.localeCompare(b.id));
      const byId = usageById(usage);
      return reply.send(sorted.map((c) => consumerView(c, keys, byId)));
    },

    adminAddConsumer: checked({ body: (body) => bodyOf(parse.newConsumer, body) }, async (request, reply) => {
      const { id, publicKey, callbackUrl, ...options } = request.body;
      if (callbackUrl !== undefined) {
        try {
          await deps.checkCallbackUrl(callbackUrl);
        } catch (error) {
          if (!(error instanceof ProblemError)) throw error;
          throw invalidBody([{ field: 'callbackUrl', message: error.errors?.[0]?.message ?? error.message }]);
        }
      }
      const { consumerId, payload, callbackSecret } = await managing(() =>
        addConsumer(store, deps.publicUrl, {
          id,
          publicKeyPem: publicKey,
          ...options,
          ...(callbackUrl !== undefined ? { callbackUrl } : {}),
          by: adminActor(request),
        }),
      );
      return reply.code(201).send({ consumerId, payload, callbackSecret });
    }),

    adminSetConsumerStatus: checked({ body: (body) => bodyOf(parse.statusChange, body) }, async (request, reply) => {
      const id = pathParam(request, 'id');
      await managing(() => setConsumerStatus(store, id, request.body.status, adminActor(request)));
      return reply.send(await consumerById(store, id));
    }),

    adminAddConsumerKey: checked({ body: (body) => bodyOf(parse.newKey, body) }, async (request, reply) => {
      const id = pathParam(request, 'id');
      const { publicKey, ...options } = request.body;
      const key = await managing(() => addConsumerKey(store, id, publicKey, options, adminActor(request)));
      return reply.code(201).send(keyView(key));
    }),

    adminRemoveConsumerKey: async (request, reply) => {
      const [id, kid] = [pathParam(request, 'id'), pathParam(request, 'kid')];
      await managing(() => removeConsumerKey(store, id, kid, adminActor(request)));
      return reply.code(204).send();
    },

    adminRotateCallbackSecret: async (request, reply) => {
      const id = pathParam(request, 'id');
      const callbackSecret = await managing(() => rotateCallbackSecret(store, id, adminActor(request)));
      return reply.send({ consumerId: id, callbackSecret });
    },
  };
}
