import { defineCommand } from '../command.js';

/** How long a graceful stop may take before the process gives up on in-flight work. */
const STOP_TIMEOUT_MS = 30_000;

export const serve = defineCommand({
  path: ['serve'],
  summary: 'Run the provider server (what `npm start` runs).',
  details: [
    'Configuration comes from the environment (SPEC §10): PORT (default 8080), HOST, PUBLIC_URL (also the JWT',
    'audience), DATABASE_URL (postgres://…) or DATA_DIR (SQLite, default ./data), ADMIN_TOKEN, DEMO (on/off),',
    'MAX_TOKEN_LIFETIME, MAX_FILE_SIZE, ALLOW_PRIVATE_CALLBACKS, RATE_LIMIT, LOG_LEVEL.',
    'SIGTERM or SIGINT stops it gracefully: no new connections, in-flight requests finish, the database closes.',
  ].join('\n'),
  options: {},
  examples: ['finum-sync serve', 'PORT=9000 DEMO=off DATABASE_URL=postgres://localhost/finum finum-sync serve'],
  async run(_values, context) {
    const { loadConfig, startServer } = await import('@finum-sync/server');
    const server = await startServer(loadConfig(context.env));
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
