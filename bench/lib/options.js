// The command-line options the bench scripts share: --dialect, --database-url, --help, and
// integer options checked the same way.
import { parseArgs } from 'node:util';
import { DIALECTS } from './dialects.js';

/**
 * Parses `specific` options beside the shared ones; prints `usage` and exits on --help.
 * Returns the raw values, the chosen dialect and PostgreSQL admin URL, and `int(name, min)`.
 */
export function benchOptions(usage, specific) {
  const { values } = parseArgs({
    options: {
      dialect: { type: 'string', default: 'sqlite' },
      'database-url': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
      ...specific,
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  if (!DIALECTS[values.dialect]) throw new Error(`--dialect must be one of ${Object.keys(DIALECTS).join(', ')}`);
  const int = (name, min = 1) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
    return n;
  };
  return {
    values,
    int,
    dialect: values.dialect,
    adminUrl: values['database-url'] ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  };
}

/** A number with thousands separators and `digits` decimals. */
export const fmt = (n, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
