import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * Every environment variable the server reads is in the README's configuration table
 * (issue 11, item 20): the list comes from `loadConfig`'s source, not from a second list.
 */
describe('the configuration table of the README', () => {
  const source = readFileSync(new URL('../src/config.ts', import.meta.url), 'utf8');
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const variables = [...source.matchAll(/\bread\(\s*'([A-Z_]+)'/g)].map((m) => m[1]!);
  const table = readme.slice(
    readme.indexOf('## Configuration'),
    readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1),
  );

  it('finds the variables in the source', () => {
    expect(variables).toEqual(expect.arrayContaining(['PORT', 'PUBLIC_URL', 'ONBOARDING_RATE_LIMIT']));
    expect(variables.length).toBeGreaterThan(15);
  });

  it.each(variables)('documents %s', (name) => {
    expect(table).toMatch(new RegExp(`^\\|[^\\n]*\`${name}\``, 'm'));
  });
});
