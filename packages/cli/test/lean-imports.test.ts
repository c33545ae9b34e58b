import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from './run-cli.js';

/**
 * Issue 10 (packages that install what they need): the consumer-side commands never load
 * the provider server, Fastify, a database driver or a native module. Each command runs as
 * a child process with fixtures/import-trace.mjs preloaded, which lists every module it
 * loaded (ESM resolve hook, CommonJS cache, shared objects).
 */
const TRACER = fileURLToPath(new URL('./fixtures/import-trace.mjs', import.meta.url));

/** What only the provider's side loads. */
const SERVER_SIDE =
  /\/packages\/server\/|\/node_modules\/(?:@finum-sync\/server|fastify|@fastify\/[^/]+|better-sqlite3|pg|kysely)\//;
/** The spec's schemas: TypeBox, or a spec module that builds schemas with it. */
const SCHEMAS = /\/node_modules\/typebox\/|\/packages\/spec\/dist\/(?:index|records|operations|auth|headers)\.js$/;
const WITHOUT_SERVER = fileURLToPath(new URL('./fixtures/without-server.mjs', import.meta.url));
const NATIVE = /^so .*\.node$/;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'finum-lean-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let runs = 0;
/** Runs `finum-sync <args>` with the tracer; resolves to its exit code and the modules it loaded. */
async function traced(args: string[], env: Record<string, string> = {}, preload: string[] = []) {
  const trace = join(dir, `trace-${++runs}.txt`);
  const imports = [TRACER, ...preload].flatMap((file) => ['--import', file]);
  const child = spawn(process.execPath, [...imports, CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: dir, FINUM_IMPORT_TRACE: trace, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  child.stdout.resume();
  const [code] = (await once(child, 'close')) as [number | null];
  const loaded = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
  return { code, stderr, loaded };
}

const serverSide = (loaded: string[]) => loaded.filter((line) => SERVER_SIDE.test(line) || NATIVE.test(line));

describe('consumer-side commands load no server module', () => {
  it('keys generate and token load the client, and neither the server, Fastify, a driver nor a native module', async () => {
    const prefix = join(dir, 'acme');
    const keys = await traced(['keys', 'generate', '--out', prefix]);
    expect(keys.stderr).toBe('');
    expect(keys.code).toBe(0);
    expect(serverSide(keys.loaded)).toEqual([]);

    const payload = join(dir, 'payload.json');
    writeFileSync(payload, JSON.stringify({ sub: 'acme-broker', aud: 'https://provider.example' }));
    const token = await traced(['token', '--payload', payload, '--key', `${prefix}.private.pem`]);
    expect(token.stderr).toBe('');
    expect(token.code).toBe(0);
    // The trace sees what the command does load: the SDK and jose.
    expect(token.loaded.some((line) => /\/packages\/client\/dist\//.test(line))).toBe(true);
    expect(token.loaded.some((line) => /\/node_modules\/jose\//.test(line))).toBe(true);
    expect(serverSide(token.loaded)).toEqual([]);

    const help = await traced(['--help']);
    expect(help.code).toBe(0);
    expect(serverSide(help.loaded)).toEqual([]);
    // Nor the spec's schemas: the commands' option lists come from @finum-sync/spec/constants,
    // so TypeBox (some 340 modules, a third of a second) is not loaded to start the CLI.
    for (const run of [token, help]) expect(run.loaded.filter((line) => SCHEMAS.test(line))).toEqual([]);
  });

  it('validate loads no server side either; sync loads its own mirror database, but not the server nor Fastify', async () => {
    const prefix = join(dir, 'consumer');
    expect((await traced(['keys', 'generate', '--out', prefix])).code).toBe(0);
    // A provider that cannot be reached: each command fails fast, after loading what it needs.
    const provider = ['--base-url', 'http://127.0.0.1:9', '--payload', '{"sub":"a","aud":"http://127.0.0.1:9"}'];
    const validate = await traced(['validate', ...provider, '--key', `${prefix}.private.pem`]);
    expect(validate.code).toBe(2);
    expect(validate.loaded.some((line) => /\/packages\/validator\/dist\//.test(line))).toBe(true);
    expect(serverSide(validate.loaded)).toEqual([]);
    const database = join(dir, 'mirror.db');
    const sync = await traced(['sync', ...provider, '--key', `${prefix}.private.pem`, '--database', database]);
    expect(sync.code).toBe(1);
    expect(
      sync.loaded.filter((line) => /\/packages\/server\/|\/node_modules\/(?:fastify|@fastify)\//.test(line)),
    ).toEqual([]);
    // A sync starts without the spec's schemas, PostgreSQL's driver (a SQLite mirror) or the metrics library.
    expect(
      sync.loaded.filter((line) => SCHEMAS.test(line) || /\/node_modules\/(?:pg|prom-client)\//.test(line)),
    ).toEqual([]);
  });

  it('a back-office command loads the store and the core, not the HTTP server; serve loads Fastify (the trace can fail)', async () => {
    const list = await traced(['consumer', 'list'], { DATA_DIR: join(dir, 'data') });
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    const seen = serverSide(list.loaded);
    expect(seen.some((line) => /\/packages\/server\/dist\/core\//.test(line))).toBe(true);
    expect(seen.some((line) => /better_sqlite3\.node$/.test(line))).toBe(true);
    // @finum-sync/server/operations: no Fastify, no app, no routes (half the module loading).
    expect(
      list.loaded.filter((line) =>
        /\/node_modules\/(?:fastify|@fastify\/[^/]+)\/|\/packages\/server\/dist\/(?:app|server|routes\/)/.test(line),
      ),
    ).toEqual([]);

    // serve loads the server; a bad PORT ends it once it has.
    const serve = await traced(['serve'], { DATA_DIR: join(dir, 'data'), PORT: 'not-a-port' });
    expect(serve.code).toBe(2);
    expect(serve.loaded.some((line) => /\/node_modules\/fastify\//.test(line))).toBe(true);
  });
});

describe('the CLI without its optional peer @finum-sync/server', () => {
  it('still generates keys and signs tokens; a server command says in one line what to install, exit 2', async () => {
    const prefix = join(dir, 'lean');
    expect((await traced(['keys', 'generate', '--out', prefix], {}, [WITHOUT_SERVER])).code).toBe(0);
    const payload = JSON.stringify({ sub: 'acme-broker', aud: 'https://provider.example' });
    const token = await traced(['token', '--payload', payload, '--key', `${prefix}.private.pem`], {}, [WITHOUT_SERVER]);
    expect(token.stderr).toBe('');
    expect(token.code).toBe(0);
    for (const command of [['serve'], ['consumer', 'list']]) {
      const result = await traced(command, { DATA_DIR: join(dir, 'data') }, [WITHOUT_SERVER]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `finum-sync ${command.join(' ')}: needs the provider server package @finum-sync/server, an optional peer of the CLI (npm install @finum-sync/server)\n`,
      );
    }
  });
});
