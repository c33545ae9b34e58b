import {
  CONSUMER_TARGET_STATUSES,
  checkWriteFields,
  compileCheck,
  createSchema,
  type FieldError,
  isContractStatus,
  ProblemError,
  patchSchema,
  type Static,
  statusDef,
  type WritableType,
} from '@finum-sync/spec';

const checks = new Map<string, ReturnType<typeof compileCheck>>();

function schemaCheck(type: WritableType, mode: 'create' | 'patch') {
  const key = `${type}:${mode}`;
  let check = checks.get(key);
  if (!check) {
    check = compileCheck(mode === 'create' ? createSchema(type) : patchSchema(type));
    checks.set(key, check);
  }
  return check;
}

export function invalidBody(errors: FieldError[]): ProblemError {
  const list = errors.map((e) => (e.field ? `${e.field} ${e.message}` : e.message)).join('; ');
  return new ProblemError(
    'invalid-body',
    `The body has ${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${list}.`,
    { errors },
  );
}

/**
 * Validates a consumer's write body against the record's write schema (SPEC §7): unknown
 * fields without `_` and read-only fields are named; values are checked; a status the
 * provider sets is refused as read-only. Throws `invalid-body` with every field error.
 */
export function validateWrite(
  type: WritableType,
  mode: 'create' | 'patch',
  body: unknown,
): asserts body is Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidBody([{ field: '', message: 'the body must be a JSON object' }]);
  }
  const record = body as Record<string, unknown>;
  const errors = checkWriteFields(type, mode, record);
  if (type === 'contract' && isContractStatus(record.status) && statusDef(record.status).setBy === 'provider') {
    errors.push({
      field: 'status',
      message: `${record.status} is set by the provider only; a consumer may set ${CONSUMER_TARGET_STATUSES.join(', ')}`,
    });
  }
  const named = new Set(errors.map((e) => e.field));
  for (const e of schemaCheck(type, mode)(record)) if (!named.has(e.field)) errors.push(e);
  if (errors.length > 0) throw invalidBody(errors);
}

/** A consumer's write body as the spec types it (`ClientCreate`, `ContractPatch`…). */
export type WriteBody<T extends WritableType, M extends 'create' | 'patch'> = Static<
  M extends 'create' ? ReturnType<typeof createSchema<T>> : ReturnType<typeof patchSchema<T>>
>;

/**
 * A consumer's write body checked by {@link validateWrite} (a 400 `invalid-body` naming
 * every wrong field), typed by the spec's schema of it: what the core's writes take.
 * @example
 * const body = writeBodyOf('contract', 'create', request.body); // ContractCreate
 */
export function writeBodyOf<T extends WritableType, M extends 'create' | 'patch'>(
  type: T,
  mode: M,
  body: unknown,
): WriteBody<T, M> {
  validateWrite(type, mode, body);
  return body as WriteBody<T, M>;
}
