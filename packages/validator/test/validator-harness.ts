import { Webhook } from 'standardwebhooks';
import {
  type DialectName,
  startTestServer,
  TEST_AUDIENCE,
  type TestConsumer,
  type TestServer,
} from '../../../test/helpers/server.js';
import {
  type CallbackInboxServer,
  type Report,
  startCallbackInbox,
  TokenFactory,
  type ValidateOptions,
  validate,
} from '../src/index.js';

/**
 * A real server (demo data on, fast demo provider and callback retries) with the demo
 * consumer and a second consumer, for running the validator against it over real sockets.
 */
export interface ValidatorTarget {
  server: TestServer;
  demo: { payload: Record<string, unknown>; privateKey: string; callbackSecret: string };
  second: TestConsumer;
  /** The options of a full run (writes, second consumer) against `baseUrl`. */
  options(baseUrl: string, extra?: Partial<ValidateOptions>): ValidateOptions;
  /** A callback inbox on a free port of 127.0.0.1. */
  inbox(): Promise<CallbackInboxServer>;
  /** Valid tokens of the two consumers (for the mutant proxy). */
  validToken(sub: string): Promise<string>;
  /** Re-signs a callback with the demo consumer's secret. */
  sign(id: string, body: string): { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string };
  close(): Promise<void>;
}

export const SECOND_CONSUMER = 'fsv-second';

export async function startValidatorTarget(
  dialect: DialectName = 'sqlite',
  env: Record<string, string> = {},
): Promise<ValidatorTarget> {
  const server = await startTestServer({
    dialect,
    demo: true,
    env: { DEMO_DELAY_MS: '200', CALLBACK_RETRY_BASE_MS: '200', ...env },
  });
  const demo = (await (await fetch(`${server.url}/demo/credentials`)).json()) as ValidatorTarget['demo'];
  const second = await server.addConsumer(SECOND_CONSUMER);
  const secondPayload = { sub: SECOND_CONSUMER, aud: TEST_AUDIENCE };
  const factories = {
    [String(demo.payload.sub)]: new TokenFactory(demo.payload, demo.privateKey),
    [SECOND_CONSUMER]: new TokenFactory(secondPayload, second.privateKey),
  };
  const webhook = new Webhook(demo.callbackSecret);
  return {
    server,
    demo,
    second,
    options: (baseUrl, extra = {}) => ({
      baseUrl,
      payload: demo.payload,
      privateKeyPem: demo.privateKey,
      second: { payload: secondPayload, privateKeyPem: second.privateKey },
      allowWrites: true,
      callbackSecret: demo.callbackSecret,
      callbackWaitMs: 20_000,
      ...extra,
    }),
    inbox: () => startCallbackInbox({ host: '127.0.0.1', port: 0, publicUrl: 'http://127.0.0.1:0' }),
    validToken: (sub) => factories[sub]!.valid(),
    sign: (id, body) => {
      const timestamp = new Date();
      return {
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': webhook.sign(id, timestamp, body),
      };
    },
    close: () => server.close(),
  };
}

/** The ids of the rules that failed at any severity. */
export const failedRules = (report: Report) =>
  report.results
    .filter((r) => r.outcome === 'fail')
    .map((r) => r.id)
    .sort();

/** Failures with their messages, for an assertion message that explains itself. */
export const failureText = (report: Report) =>
  report.results
    .filter((r) => r.outcome === 'fail')
    .map((r) => `${r.id} [${r.severity}]: ${r.findings.map((f) => f.message).join(' | ')}`)
    .join('\n');

export { validate };
