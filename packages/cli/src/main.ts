import { readFileSync } from 'node:fs';
import { type Command, type Context, closest, commandUsage, parseCommandArgs, UsageError } from './command.js';
import { administrationCommands } from './commands/administration.js';
import { backOfficeCommands } from './commands/back-office.js';
import { consumerCommands } from './commands/consumer.js';
import { keysGenerate } from './commands/keys.js';
import { seed } from './commands/seed.js';
import { serve } from './commands/serve.js';
import { syncCommands } from './commands/sync.js';
import { token } from './commands/token.js';
import { validate } from './commands/validate.js';

export const COMMANDS: readonly Command[] = [
  serve,
  keysGenerate,
  token,
  ...consumerCommands,
  ...administrationCommands,
  seed,
  ...backOfficeCommands,
  validate,
  ...syncCommands,
] as Command[];

/** Exit codes: 0 done, 1 failed (database, network…), 2 bad input or configuration. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

const version = () =>
  (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function topUsage(prefix: readonly string[] = []): string {
  const shown = COMMANDS.filter((c) => prefix.every((word, i) => c.path[i] === word));
  const names = shown.map((c) => c.path.join(' '));
  const width = Math.max(...names.map((n) => n.length)) + 2;
  return [
    `Usage: finum-sync ${prefix.length ? `${prefix.join(' ')} <command>` : '<command>'} [options]`,
    '',
    'FiNUM Sync API: the provider server and its tools.',
    '',
    'Commands:',
    ...shown.map((c, i) => `  ${names[i]!.padEnd(width)}${c.summary}`),
    '',
    `Run 'finum-sync ${[...prefix, '<command>'].join(' ')} --help' for its options.`,
    'Configuration comes from the environment: DATABASE_URL (PostgreSQL) or DATA_DIR (SQLite, default ./data),',
    'PUBLIC_URL (the JWT audience), PORT, HOST, DEMO, RATE_LIMIT… (see the README).',
  ].join('\n');
}

/** A one-line message for any error (plus the field errors of a refused input): never a stack trace. */
function describe(error: unknown): string {
  const fieldErrors = (error as { errors?: Array<{ line?: number; field: string; message: string }> }).errors;
  // One error is said by the message itself; several (an import's lines) are listed.
  const listed = fieldErrors && (fieldErrors.length > 1 || fieldErrors.some((e) => e.line !== undefined));
  if (error instanceof Error && error.name === 'ProblemError' && listed) {
    const lines = fieldErrors.map(
      (e) => `  ${e.line ? `line ${e.line}: ` : ''}${e.field ? `${e.field} ` : ''}${e.message}`,
    );
    return [error.message.replace(/ line \d+:.*$/, ''), ...lines].join('\n');
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = error.message || error.name;
    return code && !message.includes(code) ? `${message} (${code})` : message;
  }
  return String(error);
}

/**
 * Errors of bad input, by name: the server package's classes are not imported here, so
 * that commands that do not need it (`token`, `--help`) start fast.
 */
const INPUT_ERRORS = new Set(['UsageError', 'KeyError', 'ConsumerError']);
const isInputError = (error: unknown) =>
  error instanceof Error &&
  (INPUT_ERRORS.has(error.name) ||
    // The core's refusals (4xx problems): not found, invalid body, transition not allowed…
    (error.name === 'ProblemError' && (error as { status?: number }).status! < 500));

/**
 * The provider server is an optional peer dependency: consumer-side commands (`keys`, `token`)
 * never import it, so that installing the CLI for them installs no Fastify and no native
 * module. The server's commands import it when they run; without it they say what to install.
 */
const SERVER_PACKAGE = '@finum-sync/server';
const isServerMissing = (error: unknown) =>
  error instanceof Error &&
  (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
  error.message.includes(`'${SERVER_PACKAGE}`);

/** The command a mistyped one most likely meant (`contract stauts` → `contract status`). */
function didYouMean(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  const [first, second] = words;
  if (first === undefined) return undefined;
  const firstWords = [...new Set(COMMANDS.map((c) => c.path[0]!))];
  const group = firstWords.includes(first) ? first : closest(first, firstWords);
  if (group === undefined) return undefined;
  const inGroup = COMMANDS.filter((c) => c.path[0] === group);
  if (inGroup.length === 1 && inGroup[0]!.path.length === 1) return group;
  if (second === undefined) return group === first ? undefined : group;
  const sub = closest(
    second,
    inGroup.map((c) => c.path[1] ?? ''),
  );
  return sub ? `${group} ${sub}` : group === first ? undefined : group;
}

/**
 * Runs the CLI: `argv` without the node binary and script. Resolves to the exit code;
 * writes only through `context`.
 */
export async function main(argv: readonly string[], context: Context): Promise<number> {
  const args = [...argv];
  if (args.length === 0 || args[0] === '--help' || args[0] === '-h' || args[0] === 'help') {
    (args.length === 0 ? context.err : context.out)(topUsage());
    return args.length === 0 ? EXIT_USAGE : 0;
  }
  if (args[0] === '--version' || args[0] === '-v') {
    context.out(version());
    return 0;
  }
  // The command whose words start the arguments; what follows is its options.
  const command = COMMANDS.find((c) => c.path.every((word, i) => args[i] === word));
  if (!command) {
    const [first] = args;
    if (COMMANDS.some((c) => c.path.length > 1 && c.path[0] === first)) {
      const help = args[1] === undefined || args[1].startsWith('-');
      const asked = args.includes('--help') || args.includes('-h');
      if (help) {
        (asked ? context.out : context.err)(topUsage([first!]));
        return asked ? 0 : EXIT_USAGE;
      }
    }
    const name = first?.startsWith('-')
      ? first
      : args
          .slice(0, 2)
          .filter((a) => !a.startsWith('-'))
          .join(' ');
    const guess = first?.startsWith('-') ? undefined : didYouMean(args);
    context.err(
      `finum-sync: unknown command '${name}'.${guess ? ` Did you mean 'finum-sync ${guess}'?` : ''} Run 'finum-sync --help' for the commands.`,
    );
    return EXIT_USAGE;
  }
  args.splice(0, command.path.length);
  try {
    const values = parseCommandArgs(command, args);
    if (values === undefined) {
      context.out(commandUsage(command));
      return 0;
    }
    return (await command.run(values, context)) ?? 0;
  } catch (error) {
    if (error instanceof Error && error.name === 'ConfigError') {
      context.err(`finum-sync: ${error.message}`);
      return EXIT_USAGE;
    }
    if (isServerMissing(error)) {
      context.err(
        `finum-sync ${command.path.join(' ')}: needs the provider server package ${SERVER_PACKAGE}, an optional peer of the CLI (npm install ${SERVER_PACKAGE})`,
      );
      return EXIT_USAGE;
    }
    const hint =
      error instanceof UsageError && error.pointToHelp ? ` (see 'finum-sync ${command.path.join(' ')} --help')` : '';
    context.err(`finum-sync ${command.path.join(' ')}: ${describe(error)}${hint}`);
    return isInputError(error) ? EXIT_USAGE : EXIT_FAILURE;
  }
}
