export { type Command, type Context, defineCommand, UsageError } from './command.js';
export { writeKeyPair } from './commands/keys.js';
export { readPayload, readPrivateKey } from './commands/token.js';
export { COMMANDS, EXIT_FAILURE, EXIT_USAGE, main } from './main.js';
export { type SeededConsumer, type SeedOptions, type SeedResult, seedDatabase } from './seed/seed-database.js';
export {
  contractsOf,
  PRODUCT_COUNT,
  partRecords,
  partRows,
  type SeedPlan,
  seedConsumerIds,
  seedCounts,
  seedParts,
  syntheticProducts,
  syntheticRecords,
  USERS_PER_CONSUMER,
} from './seed/synthetic-data.js';
