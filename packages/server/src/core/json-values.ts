import { ProblemError } from '@finum-sync/spec';

/**
 * JSON bodies nested deeper than this are refused: records are flat (extension fields
 * may nest a little), and serializing a body thousands of levels deep overflows the stack.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * What a parsed JSON value holds that no request may: nesting deeper than `maxDepth`
 * (records are flat; serializing a value thousands of levels deep overflows the stack), or
 * a NUL character in a string or a name (PostgreSQL's text cannot hold it, so neither
 * dialect takes it). Iterative: no recursion, whatever the depth.
 *
 * @example
 * jsonValueProblem({ lastName: 'a\u0000b' }, 32) // → { kind: 'nul', field: 'lastName' }
 */
export function jsonValueProblem(
  value: unknown,
  maxDepth: number,
): { kind: 'depth' } | { kind: 'nul'; field: string } | undefined {
  // Each node with its depth and the top-level field it sits under ('' for the value itself).
  const stack: Array<[unknown, number, string]> = [[value, 1, '']];
  while (stack.length > 0) {
    const [node, depth, field] = stack.pop()!;
    if (typeof node === 'string') {
      if (node.includes('\u0000')) return { kind: 'nul', field };
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    if (depth > maxDepth) return { kind: 'depth' };
    for (const [key, child] of Object.entries(node)) {
      const under = depth === 1 && !Array.isArray(node) ? key : field;
      if (key.includes('\u0000')) return { kind: 'nul', field: under.replace(/\u0000/g, '\\u0000') };
      stack.push([child, depth + 1, under]);
    }
  }
  return undefined;
}

/** The 400 for a NUL character in a field or a query parameter. */
export function nulRefused(field: string, code: 'invalid-body' | 'invalid-parameter'): ProblemError {
  const where = field ? `${field} holds` : 'The body holds';
  return new ProblemError(code, `${where} a NUL character (\\u0000), which no text may contain.`, {
    errors: [{ field, message: 'must not contain a NUL character' }],
  });
}
