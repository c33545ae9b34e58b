export { DeadlineClient, type DeadlinePool, deadlinePool, READ_TIMEOUT_MESSAGE } from './pg-deadline-pool.js';
export { withStatementCache } from './sqlite-statement-cache.js';
