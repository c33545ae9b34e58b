import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildOpenApi, OPERATIONS, PROBLEMS, problemType } from '@finum-sync/spec';
import { buildAdminOpenApi } from '@finum-sync/spec/admin';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const DOCUMENTS = { 'openapi.json': buildOpenApi, 'admin-openapi.json': buildAdminOpenApi };

describe('the OpenAPI documents', () => {
  it.each(Object.entries(DOCUMENTS))(
    '%s is the committed file (run `npm run openapi` after changing the contract)',
    (name, build) => {
      const committed = readFileSync(require.resolve(`@finum-sync/spec/${name}`), 'utf8');
      expect(committed).toBe(`${JSON.stringify(build(), null, 2)}\n`);
    },
  );

  it('documents every operation of the table with its errors and the X-Sync-Until header', () => {
    const doc = buildOpenApi() as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    for (const op of OPERATIONS) {
      const documented = doc.paths[op.path]?.[op.method.toLowerCase()];
      expect(documented, `${op.method} ${op.path}`).toBeDefined();
      if (op.security === 'consumer') expect(Object.keys(documented!.responses)).toContain('401');
    }
    const updated = doc.paths['/v1/contract-id-list-updated']!.get!.responses['200'] as { headers: object };
    expect(Object.keys(updated.headers)).toContain('X-Sync-Until');
    const text = JSON.stringify(doc);
    for (const code of Object.keys(PROBLEMS)) {
      if (
        [
          'bad-request',
          'forbidden',
          'method-not-allowed',
          'conflict',
          'headers-too-large',
          'uri-too-long',
          'internal-error',
        ].includes(code)
      )
        continue;
      expect(text, code).toContain(problemType(code as keyof typeof PROBLEMS));
    }
  });

  it('lints without errors with Redocly', () => {
    const out = execFileSync(
      'npx',
      ['--no-install', '@redocly/cli', 'lint', '--format', 'json', require.resolve('@finum-sync/spec/openapi.json')],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const report = JSON.parse(out) as { totals: { errors: number } };
    expect(report.totals.errors).toBe(0);
  }, 120_000);
});
