import { randomBytes } from 'node:crypto';
import type { Config } from '@finum-sync/server';
import { defineCommand } from '../command.js';

/** How long a graceful stop may take before the process gives up on in-flight work. */
const STOP_TIMEOUT_MS = 30_000;

/**
 * With the demo on and no `ADMIN_TOKEN`, a development server still gets its back office
 * (onboarding needs an administrator to approve): a token made for this run, printed once
 * in the banner. A production server sets its own (and the demo off).
 */
export function withDevelopmentAdminToken(config: Config): { config: Config; devAdminToken?: string } {
  if (config.adminToken !== undefined || !config.demo) return { config };
  const devAdminToken = `dev-${randomBytes(18).toString('base64url')}`;
  return { config: { ...config, adminToken: devAdminToken }, devAdminToken };
}

/**
 * What `npm start` says once it listens: where the pages are, the demo consumer, whether
 * the back office is on. Human text on stderr, so that stdout keeps the logs alone.
 *
 * @example startupBanner(config, { listening: 'http://127.0.0.1:8080' })
 */
export function startupBanner(
  config: Config,
  { listening, devAdminToken }: { listening: string; devAdminToken?: string },
) {
  const url = config.publicUrl;
  const database = config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`;
  const backOffice = devAdminToken
    ? `${url}/admin/ — on, with the development admin token of this run (DEMO=on, no ADMIN_TOKEN set):\n${' '.repeat(20)}${devAdminToken}\n${' '.repeat(20)}set ADMIN_TOKEN (16 characters or more) to keep your own`
    : config.adminToken
      ? `${url}/admin/ — on (sign in with ADMIN_TOKEN)`
      : 'off: set ADMIN_TOKEN (16 characters or more) to approve onboarding applications';
  const demo = config.demo
    ? `consumer 'demo', credentials at ${url}/demo/credentials (public by design: turn off with DEMO=off in production)`
    : 'off';
  const rows: [string, string][] = [
    ['Home, “Test it”', `${url}/`],
    ['API docs', `${url}/v1/docs/`],
    ['Onboarding', `${url}/onboarding/`],
    ['Back office', backOffice],
    ['Demo', demo],
    ['JWT audience', `${url} (PUBLIC_URL)`],
  ];
  return [
    '',
    `finum-sync is serving on ${listening} (${database})`,
    ...rows.map(([label, value]) => `  ${label.padEnd(18)}${value}`),
    '  Stop with Ctrl+C.',
    '',
  ].join('\n');
}

export const serve = defineCommand({
  path: ['serve'],
  summary: 'Run the provider server (what `npm start` runs).',
  details: [
    'Configuration comes from the environment (SPEC §10): PORT (default 8080), HOST, PUBLIC_URL (also the JWT',
    'audience), DATABASE_URL (postgres://…) or DATA_DIR (SQLite, default ./data), ADMIN_TOKEN, DEMO (on/off),',
    'MAX_TOKEN_LIFETIME, MAX_FILE_SIZE, ALLOW_PRIVATE_CALLBACKS, RATE_LIMIT, LOG_LEVEL, LOG_FORMAT.',
    'Prints where the pages are on stderr once it listens. With DEMO=on and no ADMIN_TOKEN, the back office',
    'is on with a development admin token made for this run, printed there.',
    'SIGTERM or SIGINT stops it gracefully: no new connections, in-flight requests finish, the database closes.',
  ].join('\n'),
  options: {},
  examples: ['finum-sync serve', 'PORT=9000 DEMO=off DATABASE_URL=postgres://localhost/finum finum-sync serve'],
  async run(_values, context) {
    const { loadConfig, startServer } = await import('@finum-sync/server');
    const { config, devAdminToken } = withDevelopmentAdminToken(loadConfig(context.env));
    const server = await startServer(config);
    context.err(startupBanner(config, { listening: server.url, ...(devAdminToken ? { devAdminToken } : {}) }));
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    server.app.log.info({ signal }, 'stopping: finishing in-flight requests');
    // A second signal, or a stop that hangs, ends the process at once.
    const force = (reason: string) => {
      context.err(`finum-sync serve: ${reason}; exiting without a clean stop`);
      process.exit(1);
    };
    process.once('SIGTERM', () => force('second signal'));
    process.once('SIGINT', () => force('second signal'));
    const timer = setTimeout(() => force(`still stopping after ${STOP_TIMEOUT_MS / 1000} s`), STOP_TIMEOUT_MS);
    timer.unref();
    // A connection a client keeps alive would hold up the close until it times out (72 s):
    // from now on, a connection closes (within a second) once its request under way is answered.
    server.app.server.keepAliveTimeout = 1;
    await server.close();
    clearTimeout(timer);
    return 0;
  },
});
