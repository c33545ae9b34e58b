import { CONTRACT_STATUS_CODES, parseTimestamp } from '@finum-sync/spec';
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
      const wrong: string[] = [];
      if (event.type !== 'contract.status-changed') wrong.push(`type ${JSON.stringify(event.type)}`);
      if (event.contractId !== contract?.id) wrong.push(`contractId ${JSON.stringify(event.contractId)}`);
      for (const k of ['status', 'previousStatus'])
        if (!CONTRACT_STATUS_CODES.includes(event[k] as never)) wrong.push(`${k} ${JSON.stringify(event[k])}`);
      if (!['provider', 'consumer'].includes(event.changedBy as string))
        wrong.push(`changedBy ${JSON.stringify(event.changedBy)}`);
      if (typeof event.occurredAt !== 'string' || parseTimestamp(event.occurredAt) === undefined)
        wrong.push(`occurredAt ${JSON.stringify(event.occurredAt)}`);
      return wrong.length ? [{ message: `the event has a wrong ${wrong.join(', ')}` }] : [];
    });
    return verdictOf(
      onePer(failures, (f) => f.message),
      received.length,
    );
  },
});
