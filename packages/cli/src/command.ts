import { parseArgs } from 'node:util';

/** SPEC §3: the algorithms a consumer key may have (the spec's table). */
export { SIGNING_ALGORITHMS } from '@finum-sync/spec/constants';

/** Bad input from the user: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  /** The arguments themselves were wrong: point at `--help`. */
  readonly pointToHelp: boolean;
  constructor(message: string, options: { pointToHelp?: boolean } = {}) {
    super(message);
    this.pointToHelp = options.pointToHelp ?? false;
  }
}

export interface OptionDef {
  readonly type: 'string' | 'boolean';
  readonly description: string;
  /** Placeholder in the usage text, e.g. `<pem-file>`. */
  readonly value?: string;
  readonly short?: string;
  readonly required?: boolean;
  readonly default?: string;
}

type Options = Readonly<Record<string, OptionDef>>;

/** Parsed option values: booleans, and strings that are set when required or defaulted. */
export type Values<O extends Options> = {
  [K in keyof O]: O[K] extends { type: 'boolean' }
    ? boolean
    : O[K] extends { required: true } | { default: string }
      ? string
      : string | undefined;
};

/** What a command may touch besides its options. */
export interface Context {
  readonly env: NodeJS.ProcessEnv;
  /** Writes a line (or lines) to stdout. */
  out(text: string): void;
  /** Writes a line to stderr. */
  err(text: string): void;
  /** Whether stdout is a terminal: results are then human tables rather than JSON. */
  readonly isTTY?: boolean;
}

export interface Command<O extends Options = Options> {
  /** Words after `finum-sync`, e.g. `['consumer', 'add']`. */
  readonly path: readonly string[];
  readonly summary: string;
  /** Paragraphs shown under the usage line of `--help`. */
  readonly details?: string;
  readonly options: O;
  readonly examples?: readonly string[];
  /** Resolves to the exit code (0 when nothing is returned). */
  run(values: Values<O>, context: Context): Promise<number | undefined>;
}

/** Keeps the option names as literal types so that `run` sees typed values. */
export const defineCommand = <const O extends Options>(command: Command<O>): Command<O> => command;

/**
 * `--json` (SPEC §10): one machine-readable result on stdout. Every command that prints a
 * result takes it; {@link JSON_ALREADY} for those whose result is JSON anyway.
 */
export const JSON_OPTION = {
  type: 'boolean',
  description: 'Print the result as one JSON document on stdout.',
} as const satisfies OptionDef;

/** `--json` for a command whose result is one JSON document already: accepted, changes nothing. */
export const JSON_ALREADY = {
  type: 'boolean',
  description: 'Accepted for scripts: the result is one JSON document on stdout anyway.',
} as const satisfies OptionDef;

const HELP: OptionDef = { type: 'boolean', short: 'h', description: 'Show this help.' };

const optionLabel = (name: string, def: OptionDef) =>
  `${def.short ? `-${def.short}, ` : ''}--${name}${def.type === 'string' ? ` ${def.value ?? '<value>'}` : ''}`;

export function commandUsage(command: Command): string {
  const name = `finum-sync ${command.path.join(' ')}`;
  const synopsis = Object.entries(command.options)
    .map(([key, def]) => (def.required ? optionLabel(key, def) : `[${optionLabel(key, def)}]`))
    .join(' ');
  const entries = Object.entries({ ...command.options, help: HELP });
  const labels = entries.map(([key, def]) => optionLabel(key, def));
  const width = Math.max(...labels.map((l) => l.length)) + 2;
  const lines = [`Usage: ${name} ${synopsis}`.trimEnd(), '', command.summary];
  if (command.details) lines.push('', command.details);
  lines.push('', 'Options:');
  entries.forEach(([, def], i) => {
    const extra = def.default !== undefined ? ` (default: ${def.default})` : def.required ? ' (required)' : '';
    lines.push(`  ${labels[i]!.padEnd(width)}${def.description}${extra}`);
  });
  if (command.examples?.length) lines.push('', 'Examples:', ...command.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

/**
 * The word of `candidates` that `word` most likely is a typo of (Levenshtein distance at
 * most a third of its length, at least 1; or a prefix of it), for "did you mean".
 * @example closest('stauts', ['status', 'attach']); // 'status'
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const scored = candidates
    .map((candidate) => ({ candidate, distance: editDistance(word, candidate) }))
    .filter(
      ({ candidate, distance }) =>
        distance <= Math.max(1, Math.floor(candidate.length / 3)) || (word.length >= 3 && candidate.startsWith(word)),
    )
    .sort((a, b) => a.distance - b.distance);
  return scored[0]?.candidate;
}

/** Levenshtein distance, for short words. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}

/** Parses a command's arguments; `undefined` when `--help` was asked for. */
export function parseCommandArgs<O extends Options>(command: Command<O>, args: string[]): Values<O> | undefined {
  const config = Object.fromEntries(
    Object.entries({ ...command.options, help: HELP }).map(([key, def]) => [
      key,
      { type: def.type, ...(def.short ? { short: def.short } : {}), ...(def.default ? { default: def.default } : {}) },
    ]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options: config, strict: true, allowPositionals: true });
  } catch (error) {
    // node:util explains the problem well, but over several sentences: keep the first.
    const message = String((error as Error).message).split(/(?<=\.) /)[0]!;
    const unknown = /^Unknown option '--([^']+)'/.exec(message)?.[1];
    const guess = unknown === undefined ? undefined : closest(unknown, Object.keys(command.options));
    throw new UsageError(guess ? `${message} (did you mean --${guess}?)` : message, { pointToHelp: true });
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) return undefined;
  if (parsed.positionals.length > 0)
    throw new UsageError(`unexpected argument '${parsed.positionals[0]}'`, { pointToHelp: true });
  for (const [key, def] of Object.entries(command.options)) {
    if (def.required && (values[key] === undefined || values[key] === '')) {
      throw new UsageError(`--${key} is required`, { pointToHelp: true });
    }
    if (def.type === 'boolean') values[key] ??= false;
  }
  return values as Values<O>;
}

/** Parses an integer option within bounds. */
export function intOption(value: string, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max} (got '${value}')`);
  }
  return n;
}

/** Parses a choice option. */
export function choiceOption<T extends string>(value: string, name: string, choices: readonly T[]): T {
  if (!choices.includes(value as T)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')} (got '${value}')`);
  }
  return value as T;
}
