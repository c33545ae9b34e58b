import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { publint } from 'publint';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript build scripts, no declarations
import { bundle } from '../scripts/bundle.js';
// @ts-expect-error: plain JavaScript build scripts, no declarations
import { CONFORMS_OUTPUT, emitSpecConforms, emitSpecData, OUTPUT } from '../scripts/emit-spec-data.js';
import { SUPPORTED_KEYWORDS } from '../src/schema-check.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The size budget of the main entry, minified and gzipped, jose and standardwebhooks included. */
const BUDGET_BYTES = 25 * 1024;

describe('packaging of @finum-sync/client', () => {
  it('keeps its response schemas in step with the spec (run scripts/emit-spec-data.js after a spec change)', async () => {
    expect(readFileSync(OUTPUT, 'utf8')).toBe(await emitSpecData());
    expect(readFileSync(CONFORMS_OUTPUT, 'utf8')).toBe(await emitSpecConforms());
  });

  it('checks every keyword the spec’s schemas use', () => {
    const { SCHEMAS } = JSON.parse(
      `{"SCHEMAS":${/SCHEMAS = (\{.*\}) as const/.exec(readFileSync(OUTPUT, 'utf8'))![1]}}`,
    ) as { SCHEMAS: Record<string, unknown> };
    const used = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) {
        for (const item of node) walk(item);
        return;
      }
      if (!node || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        used.add(key);
        if (key === 'properties' || key === 'patternProperties') walk(Object.values(value as object));
        else walk(value);
      }
    };
    walk(Object.values(SCHEMAS));
    expect([...used].filter((k) => !(SUPPORTED_KEYWORDS as readonly string[]).includes(k))).toEqual([]);
  });

  it(`bundles the main entry for browsers without any node: import, within ${BUDGET_BYTES / 1024} KB min+gz`, async () => {
    const result = await bundle({ write: false });
    const text = result.outputFiles[0].text as string;
    const imports = Object.values(result.metafile.inputs as Record<string, { imports: { path: string }[] }>).flatMap(
      (input) => input.imports.map((i) => i.path),
    );
    expect(imports.filter((path) => path.startsWith('node:'))).toEqual([]);
    expect(text).not.toMatch(/["']node:/);
    const size = gzipSync(text, { level: 9 }).length;
    console.log(`main entry: ${text.length} bytes minified, ${size} bytes min+gz (budget ${BUDGET_BYTES})`);
    expect(size).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it('is clean for publint and for Are the Types Wrong (ESM only: Node ≥ 20.19 require()s ESM)', async () => {
    const { messages } = await publint({ pkgDir: PACKAGE_DIR, strict: true });
    expect(messages).toEqual([]);
    // Throws (non-zero exit) when attw finds a problem.
    execFileSync(
      process.execPath,
      [`${ROOT}/node_modules/@arethetypeswrong/cli/dist/index.js`, '--pack', PACKAGE_DIR, '--profile', 'esm-only'],
      {
        cwd: ROOT,
        stdio: 'pipe',
      },
    );
  });
});
