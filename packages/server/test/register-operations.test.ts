import { ONBOARDING_OPERATIONS, operations } from '@finum-sync/spec';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { type Handler, registerOperations } from '../src/routes/handlers.js';

const handler: Handler = async (_request, reply) => reply.send({ ok: true });

describe('registerOperations', () => {
  it('stops at start when an operation of a list has no handler, naming it (it used to be skipped)', () => {
    const app = Fastify();
    const [first, ...rest] = ONBOARDING_OPERATIONS;
    const handlers = Object.fromEntries(rest.map((op) => [op.operationId, handler]));
    expect(() => registerOperations(app, handlers, ONBOARDING_OPERATIONS)).toThrow(
      `registerOperations: no handler for ${first!.operationId}`,
    );
  });

  it('stops at start on a handler for no operation (a misspelt id)', () => {
    const app = Fastify();
    const handlers = {
      ...Object.fromEntries(ONBOARDING_OPERATIONS.map((op) => [op.operationId, handler])),
      provderInfo: handler,
    };
    expect(() => registerOperations(app, handlers, ONBOARDING_OPERATIONS)).toThrow(
      'registerOperations: handlers for no operation: provderInfo',
    );
  });

  it('registers every operation of the map with its method and path', async () => {
    const app = Fastify();
    const all = Object.fromEntries(Object.keys(operations).map((id) => [id, handler]));
    // The map built at run time is checked at run time; the app's own map is checked by tsc.
    registerOperations(app, all as Record<keyof typeof operations, Handler>, operations);
    await app.ready();
    for (const op of Object.values(operations)) {
      expect(app.hasRoute({ method: op.method, url: op.path.replace(/\{(\w+)\}/g, ':$1') })).toBe(true);
    }
    await app.close();
  });
});
