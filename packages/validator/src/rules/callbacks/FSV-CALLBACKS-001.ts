import { defineRule, pass, skip, verdictOf } from '../../rule.js';
import { callbackObservations } from './received.js';

export default defineRule({
  id: 'FSV-CALLBACKS-001',
  area: 'CALLBACKS',
  section: '§8',
  severity: 'error',
  title: 'A callbackUrl is called at the contract’s next status change by the provider',
  spec: 'A `callbackUrl` given with a POST or PATCH of a contract is called once, at that contract’s next status change made by the provider.',
  fix: 'Store the callbackUrl with the contract and enqueue a delivery (in the same transaction) when the provider changes the status.',
  needs: ['writes', 'callbacks'],
  check: (o) => {
    const { received, contract, providerActed } = callbackObservations(o);
    if (!contract || !received) return skip('no contract with a callbackUrl could be created');
    if (received.length > 0) return pass(`${received.length} deliveries`);
    if (!providerActed) return skip('the provider did not change the contract’s status while the validator waited');
    return verdictOf([
      { message: `the provider changed contract ${String(contract.id)}'s status, but no callback arrived` },
    ]);
  },
});
