import { type ListRequest, operations, parseListQuery, type Query } from '@finum-sync/spec';
import type { FastifyInstance } from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type ApiHandlers,
  checked,
  type Handler,
  type HandlersFor,
  type PlainHandler,
  registerOperations,
} from '../src/routes/handlers.js';

// Checked by tsc (vitest typecheck), never executed.
declare const app: FastifyInstance;
declare const handler: Handler;
declare const all: ApiHandlers;

describe('the handlers of the operations map', () => {
  it('needs a handler for every OperationId', () => {
    registerOperations(app, all, operations);
    const { healthz: _healthz, ...withoutHealthz } = all;
    // @ts-expect-error: no handler for healthz
    registerOperations(app, withoutHealthz, operations);
    // @ts-expect-error: `contractCreate` is missing from the map
    const partial: ApiHandlers = { ...withoutHealthz, healthz: handler, contractCreate: undefined };
    expectTypeOf(partial).toEqualTypeOf<ApiHandlers>();
  });

  it('refuses a misspelt operation id', () => {
    // @ts-expect-error: `helthz` is no operation
    const misspelt: ApiHandlers = { ...all, helthz: handler };
    // @ts-expect-error: a handler map of two operations has no third
    const extra: HandlersFor<'healthz' | 'readyz'> = { healthz: handler, readyz: handler, readz: handler };
    expectTypeOf(misspelt).toEqualTypeOf<ApiHandlers>();
    expectTypeOf(extra).toEqualTypeOf<HandlersFor<'healthz' | 'readyz'>>();
  });

  it('hands a plain handler the raw query and an unknown body, to be checked by the spec', () => {
    type Request = Parameters<PlainHandler>[0];
    expectTypeOf<Request['query']>().toEqualTypeOf<Query>();
    expectTypeOf<Request['body']>().toEqualTypeOf<unknown>();
  });

  it('hands a checked handler what the spec parsers made of its query and body', () => {
    checked({ query: (query) => parseListQuery('contract', query) }, async (request) => {
      expectTypeOf(request.query).toEqualTypeOf<ListRequest>();
      expectTypeOf(request.body).toEqualTypeOf<unknown>();
    });
    checked({ body: (body) => ({ reason: String(body) }) }, async (request) => {
      expectTypeOf(request.body).toEqualTypeOf<{ reason: string }>();
    });
  });
});
