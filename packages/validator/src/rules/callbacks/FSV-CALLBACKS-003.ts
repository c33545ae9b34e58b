import { CallbackEvent } from '@finum-sync/spec';
import { valueViolations } from '../../checks.js';
import { defineRule, onePer, skip, verdictOf } from '../../rule.js';
import { callbackObservations } from './received.js';

export default defineRule({
  id: 'FSV-CALLBACKS-003',
  area: 'CALLBACKS',
  section: '§8',
  severity: 'error',
  title: 'Callback events have the documented shape',
  spec: '`POST` with JSON `{ "type": "contract.status-changed", "contractId", "status", "previousStatus", "changedBy", "occurredAt" }`.',
  fix: 'Send exactly these fields (JSON, Content-Type application/json) for every status change.',
  needs: ['writes', 'callbacks'],
  check: (o) => {
    const { received, contract } = callbackObservations(o);
    if (!received?.length) return skip('no callback arrived');
    const failures = received.flatMap((c) => {
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(c.body);
      } catch {
        return [{ message: 'the callback body is not JSON' }];
      }
      const wrong = valueViolations(CallbackEvent, event);
      if (event.contractId !== contract?.id)
        wrong.push(`contractId ${JSON.stringify(event.contractId)} is not the contract's`);
      return wrong.map((w) => ({ message: `event: ${w}` }));
    });
    return verdictOf(
      onePer(failures, (f) => f.message),
      received.length,
    );
  },
});
