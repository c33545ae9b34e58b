/**
 * `@finum-sync/validator`: the conformance check of SPEC §12 for any FiNUM Sync API
 * provider. Scenarios send requests and record the exchanges; rules (one a file under
 * `rules/<area>/`) judge them; reporters render the result.
 *
 * @example
 * import { validate, renderTerminal } from '@finum-sync/validator';
 * const report = await validate({ baseUrl, payload, privateKeyPem, profile: 'core' });
 * process.stdout.write(renderTerminal(report, { color: process.stdout.isTTY }));
 */

export { type CallbackInboxServer, startCallbackInbox } from './callbacks.js';
export {
  isHtml,
  metaViolations,
  nestedFields,
  problemViolations,
  schemaViolations,
  stackTraceIn,
  unknownFields,
} from './checks.js';
export { ValidatorInputError } from './errors.js';
export { Recorder, retryAfterMs } from './http.js';
export * from './model.js';
export { type Baseline, parseBaseline } from './report/baseline.js';
export { renderHtml } from './report/html.js';
export { renderJunit } from './report/junit.js';
export { curlFor, excerptOf, redact } from './report/redact.js';
export * from './report/report.js';
export { renderTerminal } from './report/terminal.js';
export { ruleTable, withRuleTable } from './rule-table.js';
export { RULES } from './rules/index.js';
export { REFUSED_TOKENS, TokenFactory } from './tokens.js';
export { type Credentials, type ValidateOptions, validate } from './validate.js';
