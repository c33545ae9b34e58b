import { ONBOARDING_OPERATIONS, operations, parseListQuery, problemType } from '@finum-sync/spec';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerProblemHandling } from '../src/plugins/problems.js';
import { specValidatorCompiler, withParser } from '../src/plugins/spec-validator.js';
import { checked, type Handler, registerOperations } from '../src/routes/handlers.js';

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

  it("checks a checked handler's query with the spec's parser before it runs, and hands it the typed value", async () => {
    const app = Fastify();
    registerProblemHandling(app, { maxBody: 1024, maxFileSize: 1024 });
    await app.register(
      async (v1) => {
        v1.setValidatorCompiler(specValidatorCompiler);
        const list = checked({ query: (query) => parseListQuery('contract', query) }, async (request, reply) =>
          reply.send(request.query),
        );
        registerOperations(v1, { contractList: list }, [operations.contractList]);
      },
      { prefix: '/v1' },
    );
    const ok = await app.inject({ method: 'GET', url: '/v1/contract-list?id-list=a,b' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ kind: 'ids', ids: ['a', 'b'] });
    // The refusal is the parser's own problem, as it was when the handler parsed the query.
    let thrown: { code: string; message: string; errors?: unknown } | undefined;
    try {
      parseListQuery('contract', {});
    } catch (error) {
      thrown = error as typeof thrown;
    }
    const refused = await app.inject({ method: 'GET', url: '/v1/contract-list' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ type: problemType(thrown!.code as never), detail: thrown!.message });
    await app.close();
  });

  it('stops at start on a route schema without the spec parser', async () => {
    const app = Fastify();
    app.setValidatorCompiler(specValidatorCompiler);
    app.get('/x', { schema: { querystring: { type: 'object' } } }, async () => 'x');
    await expect(app.ready()).rejects.toThrow('GET /x: the querystring schema has no spec parser (withParser)');
    const withOne = Fastify();
    withOne.setValidatorCompiler(specValidatorCompiler);
    withOne.get('/x', { schema: { querystring: withParser({ type: 'object' }, () => 1) } }, async () => 'x');
    await withOne.ready();
    await withOne.close();
  });
});
