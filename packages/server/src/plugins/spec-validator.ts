import { ProblemError } from '@finum-sync/spec';
import type { FastifySchemaCompiler } from 'fastify';

const PARSE = Symbol('the spec parser of a route schema part');

/** The spec's parser of a request part: the typed value, or a thrown `ProblemError` (a 400 with the spec's text). */
export type PartParser = (data: unknown) => unknown;

/**
 * A route schema part (`querystring`, `body`) as the spec documents it, carrying the spec's
 * own parser of that part, which {@link specValidatorCompiler} runs.
 * @example
 * schema: { querystring: withParser(querySchema(op), (query) => parseListQuery(type, query as Query)) }
 */
export function withParser(schema: object, parse: PartParser): object {
  return { ...schema, [PARSE]: parse };
}

/**
 * The validator compiler of the API surfaces (`setValidatorCompiler` in each surface's
 * plugin): a route schema part is checked by the spec's parser it carries
 * ({@link withParser}), so that a refusal is the spec's `ProblemError` — the same `type`,
 * `detail` and `errors` as when handlers parsed their input themselves — and the handler
 * receives the parsed, typed value in its place (`request.query`, `request.body`).
 * A schema without a parser stops the server at start.
 */
export const specValidatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, method, url, httpPart }) => {
  const parse = (schema as { [PARSE]?: PartParser })[PARSE];
  if (!parse) throw new Error(`${method} ${url}: the ${httpPart} schema has no spec parser (withParser)`);
  return (data: unknown) => {
    try {
      return { value: parse(data) };
    } catch (error) {
      // A refusal is answered by the problem handler as it stands; anything else is a bug (500).
      if (error instanceof ProblemError) return { error };
      throw error;
    }
  };
};
