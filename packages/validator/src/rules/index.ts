import type { Rule } from '../model.js';
import FSV_AUTH_001 from './auth/FSV-AUTH-001.js';
import FSV_AUTH_002 from './auth/FSV-AUTH-002.js';
import FSV_AUTH_003 from './auth/FSV-AUTH-003.js';
import FSV_AUTH_004 from './auth/FSV-AUTH-004.js';
import FSV_AUTH_005 from './auth/FSV-AUTH-005.js';
import FSV_AUTH_006 from './auth/FSV-AUTH-006.js';
import FSV_AUTH_007 from './auth/FSV-AUTH-007.js';
import FSV_AUTH_008 from './auth/FSV-AUTH-008.js';
import FSV_AUTH_009 from './auth/FSV-AUTH-009.js';
import FSV_AUTH_010 from './auth/FSV-AUTH-010.js';
import FSV_AUTH_011 from './auth/FSV-AUTH-011.js';
import FSV_AUTH_012 from './auth/FSV-AUTH-012.js';
import FSV_AUTH_013 from './auth/FSV-AUTH-013.js';
import FSV_AUTH_014 from './auth/FSV-AUTH-014.js';
import FSV_AUTH_015 from './auth/FSV-AUTH-015.js';
import FSV_AUTH_016 from './auth/FSV-AUTH-016.js';
import FSV_CALLBACKS_001 from './callbacks/FSV-CALLBACKS-001.js';
import FSV_CALLBACKS_002 from './callbacks/FSV-CALLBACKS-002.js';
import FSV_CALLBACKS_003 from './callbacks/FSV-CALLBACKS-003.js';
import FSV_CALLBACKS_004 from './callbacks/FSV-CALLBACKS-004.js';
import FSV_ERRORS_001 from './errors/FSV-ERRORS-001.js';
import FSV_ERRORS_002 from './errors/FSV-ERRORS-002.js';
import FSV_ERRORS_003 from './errors/FSV-ERRORS-003.js';
import FSV_ERRORS_004 from './errors/FSV-ERRORS-004.js';
import FSV_ERRORS_005 from './errors/FSV-ERRORS-005.js';
import FSV_PERF_001 from './perf/FSV-PERF-001.js';
import FSV_PERF_002 from './perf/FSV-PERF-002.js';
import FSV_RATE_001 from './rate/FSV-RATE-001.js';
import FSV_READ_001 from './read/FSV-READ-001.js';
import FSV_READ_002 from './read/FSV-READ-002.js';
import FSV_READ_003 from './read/FSV-READ-003.js';
import FSV_READ_004 from './read/FSV-READ-004.js';
import FSV_READ_005 from './read/FSV-READ-005.js';
import FSV_READ_006 from './read/FSV-READ-006.js';
import FSV_READ_007 from './read/FSV-READ-007.js';
import FSV_READ_008 from './read/FSV-READ-008.js';
import FSV_READ_009 from './read/FSV-READ-009.js';
import FSV_READ_010 from './read/FSV-READ-010.js';
import FSV_READ_011 from './read/FSV-READ-011.js';
import FSV_READ_012 from './read/FSV-READ-012.js';
import FSV_READ_013 from './read/FSV-READ-013.js';
import FSV_READ_014 from './read/FSV-READ-014.js';
import FSV_READ_015 from './read/FSV-READ-015.js';
import FSV_SYNC_001 from './sync/FSV-SYNC-001.js';
import FSV_SYNC_002 from './sync/FSV-SYNC-002.js';
import FSV_SYNC_003 from './sync/FSV-SYNC-003.js';
import FSV_SYNC_004 from './sync/FSV-SYNC-004.js';
import FSV_SYNC_005 from './sync/FSV-SYNC-005.js';
import FSV_SYNC_006 from './sync/FSV-SYNC-006.js';
import FSV_SYNC_007 from './sync/FSV-SYNC-007.js';
import FSV_SYNC_008 from './sync/FSV-SYNC-008.js';
import FSV_SYNC_009 from './sync/FSV-SYNC-009.js';
import FSV_SYNC_010 from './sync/FSV-SYNC-010.js';
import FSV_SYNC_011 from './sync/FSV-SYNC-011.js';
import FSV_VISIBILITY_001 from './visibility/FSV-VISIBILITY-001.js';
import FSV_VISIBILITY_002 from './visibility/FSV-VISIBILITY-002.js';
import FSV_VISIBILITY_003 from './visibility/FSV-VISIBILITY-003.js';
import FSV_VISIBILITY_004 from './visibility/FSV-VISIBILITY-004.js';
import FSV_WRITES_001 from './writes/FSV-WRITES-001.js';
import FSV_WRITES_002 from './writes/FSV-WRITES-002.js';
import FSV_WRITES_003 from './writes/FSV-WRITES-003.js';
import FSV_WRITES_004 from './writes/FSV-WRITES-004.js';
import FSV_WRITES_005 from './writes/FSV-WRITES-005.js';
import FSV_WRITES_006 from './writes/FSV-WRITES-006.js';
import FSV_WRITES_007 from './writes/FSV-WRITES-007.js';
import FSV_WRITES_008 from './writes/FSV-WRITES-008.js';
import FSV_WRITES_009 from './writes/FSV-WRITES-009.js';
import FSV_WRITES_010 from './writes/FSV-WRITES-010.js';

/** Every rule, in report order (area, then number). */
export const RULES: readonly Rule[] = [
  FSV_AUTH_001,
  FSV_AUTH_002,
  FSV_AUTH_003,
  FSV_AUTH_004,
  FSV_AUTH_005,
  FSV_AUTH_006,
  FSV_AUTH_007,
  FSV_AUTH_008,
  FSV_AUTH_009,
  FSV_AUTH_010,
  FSV_AUTH_011,
  FSV_AUTH_012,
  FSV_AUTH_013,
  FSV_AUTH_014,
  FSV_AUTH_015,
  FSV_AUTH_016,
  FSV_CALLBACKS_001,
  FSV_CALLBACKS_002,
  FSV_CALLBACKS_003,
  FSV_CALLBACKS_004,
  FSV_ERRORS_001,
  FSV_ERRORS_002,
  FSV_ERRORS_003,
  FSV_ERRORS_004,
  FSV_ERRORS_005,
  FSV_PERF_001,
  FSV_PERF_002,
  FSV_RATE_001,
  FSV_READ_001,
  FSV_READ_002,
  FSV_READ_003,
  FSV_READ_004,
  FSV_READ_005,
  FSV_READ_006,
  FSV_READ_007,
  FSV_READ_008,
  FSV_READ_009,
  FSV_READ_010,
  FSV_READ_011,
  FSV_READ_012,
  FSV_READ_013,
  FSV_READ_014,
  FSV_READ_015,
  FSV_SYNC_001,
  FSV_SYNC_002,
  FSV_SYNC_003,
  FSV_SYNC_004,
  FSV_SYNC_005,
  FSV_SYNC_006,
  FSV_SYNC_007,
  FSV_SYNC_008,
  FSV_SYNC_009,
  FSV_SYNC_010,
  FSV_SYNC_011,
  FSV_VISIBILITY_001,
  FSV_VISIBILITY_002,
  FSV_VISIBILITY_003,
  FSV_VISIBILITY_004,
  FSV_WRITES_001,
  FSV_WRITES_002,
  FSV_WRITES_003,
  FSV_WRITES_004,
  FSV_WRITES_005,
  FSV_WRITES_006,
  FSV_WRITES_007,
  FSV_WRITES_008,
  FSV_WRITES_009,
  FSV_WRITES_010,
];
