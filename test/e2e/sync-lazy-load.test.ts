import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/sync.js';

/**
 * ARCHITECTURE.md: consumer commands never load the server. A module hook refuses to
 * resolve anything of @finum-sync/server; `sync` commands still work under it, while a
 * command that needs the server (the control) fails under the same hook.
 */
describe('the sync commands do not load the server', () => {
  let dir: string;
  let hookArgs: string[];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'finum-lazy-'));
    const hooks = join(dir, 'hooks.mjs');
    writeFileSync(
      hooks,
      `export async function resolve(specifier, context, next) {
        const result = await next(specifier, context);
        if (result.url.includes('/packages/server/') || result.url.includes('@finum-sync/server')) {
          throw new Error('the server was loaded: ' + result.url);
        }
        return result;
      }`,
    );
    const register = join(dir, 'register.mjs');
    writeFileSync(
      register,
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
    );
    hookArgs = ['--import', pathToFileURL(register).href];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sync status and airbyte spec run without it; consumer list (the control) cannot', async () => {
    const env = { NODE_OPTIONS: hookArgs.join(' '), DATA_DIR: join(dir, 'data') };
    const status = await runCli(['sync', 'status', '--database', join(dir, 'mirror.db')], env);
    expect(status.code, status.stderr).toBe(0);
    const spec = await runCli(['airbyte', 'spec'], env);
    expect(spec.code, spec.stderr).toBe(0);
    const control = await runCli(['consumer', 'list'], env);
    expect(control.code).not.toBe(0);
    expect(control.stderr).toMatch(/the server was loaded/);
  });
});
