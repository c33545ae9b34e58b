import type { Observations } from '../../model.js';
import { fact } from '../../rule.js';
import type { ReceivedCallback } from '../../scenarios/context.js';

/** The callbacks that arrived for the validator's contract, and whether the provider changed its status. */
export function callbackObservations(o: Observations) {
  const received = fact<ReceivedCallback[]>(o, 'callbacks.received');
  const contract = fact<Record<string, unknown>>(o, 'callbacks.contract');
  const after = o.exchanges.find((e) => e.probe === 'writes.callback-contract.after');
  const now = Array.isArray(after?.response?.json)
    ? (after.response.json as Array<Record<string, unknown>>)[0]
    : undefined;
  const providerActed = contract !== undefined && now !== undefined && now.status !== contract.status;
  return { received, contract, providerActed };
}
