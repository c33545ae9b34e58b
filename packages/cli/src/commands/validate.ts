import { readFileSync, writeFileSync } from 'node:fs';
import { choiceOption, defineCommand, intOption, UsageError } from '../command.js';
import { readPayload } from './token.js';

const readText = (path: string, option: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--${option}: cannot read ${path} (${(error as NodeJS.ErrnoException).code})`);
  }
};

const hostPort = (value: string) => {
  const m = /^(.*):(\d{1,5})$/.exec(value);
  if (!m || Number(m[2]) > 65535) throw new UsageError(`--callback-listen must be <host:port> (got '${value}')`);
  return { host: m[1] || '0.0.0.0', port: Number(m[2]) };
};

const write = (path: string, text: string, option: string) => {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new UsageError(`--${option}: cannot write ${path} (${(error as NodeJS.ErrnoException).code})`);
  }
};

export const validate = defineCommand({
  path: ['validate'],
  summary: 'Check any FiNUM Sync API provider against the standard, rule by rule (SPEC §12).',
  details: [
    'Sends real requests (valid and deliberately wrong) with the consumer’s credentials and reports every rule',
    '(FSV-<AREA>-<NNN>) with its SPEC section, severity and fix; each finding has a curl reproduction (token redacted).',
    'Read-only unless --allow-writes; records it creates carry externalId fsv-<run id>-… and are listed in the report.',
    'Exit 0 when no rule at or above --fail-on fails, 1 when one does, 2 for bad input or an unreachable provider.',
  ].join('\n'),
  options: {
    'base-url': {
      type: 'string',
      value: '<url>',
      required: true,
      description: 'The provider, e.g. https://syncapi.example.com.',
    },
    payload: { type: 'string', value: '<json|file>', required: true, description: 'The consumer’s JWT payload.' },
    key: { type: 'string', value: '<pem-file>', required: true, description: 'The consumer’s private key.' },
    'second-payload': { type: 'string', value: '<json|file>', description: 'A second consumer (visibility rules).' },
    'second-key': { type: 'string', value: '<pem-file>', description: 'The second consumer’s private key.' },
    'allow-writes': { type: 'boolean', description: 'Create and change records (marked with the run id).' },
    'callback-listen': { type: 'string', value: '<host:port>', description: 'Receive callbacks here.' },
    'callback-url': {
      type: 'string',
      value: '<public-url>',
      description: 'How the provider reaches --callback-listen.',
    },
    'callback-secret': { type: 'string', value: '<whsec_…|file>', description: 'Verify callback signatures with it.' },
    profile: { type: 'string', value: '<core|writes|all>', default: 'all', description: 'Which rules to run.' },
    seed: { type: 'string', value: '<n>', description: 'Repeat a run’s request sequence (printed in the report).' },
    'fail-on': { type: 'string', value: '<error|warn>', default: 'error', description: 'Lowest severity that fails.' },
    baseline: {
      type: 'string',
      value: '<file>',
      description: 'Suppress known findings (fingerprint, reason, expires).',
    },
    json: { type: 'boolean', description: 'Print the report as JSON (schema: report.schema.json).' },
    junit: { type: 'string', value: '<file>', description: 'Write a JUnit XML report.' },
    html: { type: 'string', value: '<file>', description: 'Write a self-contained HTML report.' },
    concurrency: { type: 'string', value: '<n>', default: '4', description: 'Requests in flight at most.' },
  },
  examples: [
    'finum-sync validate --base-url http://localhost:8080 --payload payload.json --key consumer.private.pem --profile core',
    'finum-sync validate --base-url https://syncapi.example.com --payload a.json --key a.pem --second-payload b.json --second-key b.pem \\\n    --allow-writes --junit validator.xml --html validator.html --baseline validator-baseline.json',
  ],
  async run(values, { out, err }) {
    const payload = readPayload(values.payload);
    const privateKeyPem = readText(values.key, 'key');
    if ((values['second-payload'] === undefined) !== (values['second-key'] === undefined))
      throw new UsageError('--second-payload and --second-key go together');
    if ((values['callback-listen'] === undefined) !== (values['callback-url'] === undefined))
      throw new UsageError('--callback-listen and --callback-url go together');
    const profile = choiceOption(values.profile, 'profile', ['core', 'writes', 'all'] as const);
    const failOn = choiceOption(values['fail-on'], 'fail-on', ['error', 'warn', 'info'] as const);
    const seed = values.seed === undefined ? undefined : intOption(values.seed, 'seed', 0, 2 ** 32 - 1);
    const concurrency = intOption(values.concurrency, 'concurrency', 1, 32);
    const secret = values['callback-secret'];
    const callbackSecret =
      secret === undefined
        ? undefined
        : secret.startsWith('whsec_')
          ? secret
          : readText(secret, 'callback-secret').trim();

    // Loaded here: the validator never loads the server, and other commands never load the validator.
    const v = await import('@finum-sync/validator');
    try {
      const baseline = values.baseline ? v.parseBaseline(readText(values.baseline, 'baseline')) : undefined;
      const inbox = values['callback-listen']
        ? await v.startCallbackInbox({ ...hostPort(values['callback-listen']), publicUrl: values['callback-url']! })
        : undefined;
      let report: Awaited<ReturnType<typeof v.validate>>;
      try {
        report = await v.validate({
          baseUrl: values['base-url'],
          payload,
          privateKeyPem,
          ...(values['second-payload']
            ? {
                second: {
                  payload: readPayload(values['second-payload']),
                  privateKeyPem: readText(values['second-key']!, 'second-key'),
                },
              }
            : {}),
          allowWrites: values['allow-writes'],
          ...(inbox ? { callbacks: inbox } : {}),
          ...(callbackSecret ? { callbackSecret } : {}),
          profile,
          failOn,
          concurrency,
          ...(seed !== undefined ? { seed } : {}),
          ...(baseline ? { baseline } : {}),
          ...(values.json ? {} : { onProgress: (line: string) => err(`validate: ${line}`) }),
        });
      } finally {
        await inbox?.close();
      }
      if (values.junit) write(values.junit, v.renderJunit(report), 'junit');
      if (values.html) write(values.html, v.renderHtml(report), 'html');
      out(
        values.json
          ? JSON.stringify(report, null, 2)
          : v.renderTerminal(report, { color: Boolean(process.stdout.isTTY) }).trimEnd(),
      );
      return report.passed ? 0 : 1;
    } catch (error) {
      if (error instanceof v.ValidatorInputError) throw new UsageError(error.message);
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE' || (error as NodeJS.ErrnoException).code === 'EACCES')
        throw new UsageError(`--callback-listen: ${(error as Error).message}`);
      throw error;
    }
  },
});
