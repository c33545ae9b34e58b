import {
  MAX_IDS_PER_CALL,
  ProblemError,
  parseDownloadQuery,
  parseIdList,
  parseListQuery,
  parseTimestamp,
  parseUpdatedQuery,
  SINCE_FUTURE_TOLERANCE_MS,
} from '@finum-sync/spec';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** The pure parsing of SPEC §6 query parameters, at its exact boundaries (the socket tests cover the rest). */

/** The problem code a parse throws with. */
function codeOf(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    if (error instanceof ProblemError) return error.code;
    throw error;
  }
  throw new Error('did not throw');
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `id-${i}`);

describe('parseIdList', () => {
  it('keeps the first occurrence of each id, in order, and reads a repeated parameter as one list', () => {
    expect(parseIdList(' b ,a,,b, c,a ')).toEqual(['b', 'a', 'c']);
    expect(parseIdList(['b,a', 'c', 'b'])).toEqual(['b', 'a', 'c']);
  });

  it(`takes ${MAX_IDS_PER_CALL} distinct ids (any number of repeats), not one more`, () => {
    expect(parseIdList([...ids(MAX_IDS_PER_CALL), ...ids(MAX_IDS_PER_CALL)].join(','))).toHaveLength(MAX_IDS_PER_CALL);
    expect(codeOf(() => parseIdList(ids(MAX_IDS_PER_CALL + 1).join(',')))).toBe('too-many-ids');
  });

  it('refuses a list without ids and an id of 65 characters; takes 64', () => {
    expect(codeOf(() => parseIdList(' , ,'))).toBe('invalid-parameter');
    expect(parseIdList('a'.repeat(64))).toEqual(['a'.repeat(64)]);
    expect(codeOf(() => parseIdList('a'.repeat(65)))).toBe('invalid-parameter');
  });

  it('reads any list as the rule says, whether the whole-text shortcut or the entry-by-entry reading takes it', () => {
    // The rule, spelled out: entries trimmed, empty ones skipped, each id valid, the first of
    // each kept, at most MAX_IDS_PER_CALL distinct. Plain lists (ids and single commas) take
    // parseIdList's shortcut; the spaces, empty entries and bad ids here take the long way.
    const byRule = (text: string): string[] | string => {
      const kept = new Set<string>();
      for (const entry of text.split(',').map((e) => e.trim())) {
        if (entry === '') continue;
        if (!/^[A-Za-z0-9_-]{1,64}$/.test(entry)) return 'invalid-parameter';
        kept.add(entry);
        if (kept.size > MAX_IDS_PER_CALL) return 'too-many-ids';
      }
      return kept.size === 0 ? 'invalid-parameter' : [...kept];
    };
    const id = fc.oneof(
      fc.constantFrom('a', 'b', 'c-1', 'null', 'X_9'),
      fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
      fc.constantFrom('', ' ', ' a ', 'a'.repeat(65), 'bad!', 'é'),
    );
    fc.assert(
      fc.property(fc.array(id, { maxLength: 30 }), (entries) => {
        const text = entries.join(',');
        const expected = byRule(text);
        if (typeof expected === 'string') expect(codeOf(() => parseIdList(text))).toBe(expected);
        else expect(parseIdList(text)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
    // Many distinct ids, plain: the shortcut counts them too.
    expect(codeOf(() => parseIdList([...ids(MAX_IDS_PER_CALL), 'one-more', 'id-0'].join(',')))).toBe('too-many-ids');
  });
});

describe('parseListQuery', () => {
  it('trims a filter value and takes an external-id of 255 characters, not 256', () => {
    expect(parseListQuery('contract', { 'holder-id': ' cl-1 ' })).toMatchObject({ kind: 'field', value: 'cl-1' });
    expect(parseListQuery('client', { 'external-id': 'e'.repeat(255) })).toMatchObject({ kind: 'field' });
    expect(codeOf(() => parseListQuery('client', { 'external-id': 'e'.repeat(256) }))).toBe('invalid-parameter');
  });

  it('has no filter but id-list for types without one', () => {
    expect(codeOf(() => parseListQuery('product', { 'holder-id': 'x' }))).toBe('invalid-parameter');
    expect(codeOf(() => parseListQuery('user', {}))).toBe('missing-filter');
  });
});

describe('parseUpdatedQuery', () => {
  const now = Date.parse('2026-11-23T10:00:00.000Z');

  it(`accepts since up to ${SINCE_FUTURE_TOLERANCE_MS} ms ahead of the clock, not 1 ms more`, () => {
    const at = (ms: number) => ({ since: new Date(now + ms).toISOString() });
    expect(parseUpdatedQuery(at(SINCE_FUTURE_TOLERANCE_MS), now)).toBe(now + SINCE_FUTURE_TOLERANCE_MS);
    expect(codeOf(() => parseUpdatedQuery(at(SINCE_FUTURE_TOLERANCE_MS + 1), now))).toBe('invalid-parameter');
  });

  it('reads offsets and fractions of any length; no since is undefined', () => {
    expect(parseUpdatedQuery({ since: '2026-11-23T11:00:00.123456+01:00' }, now)).toBe(now + 123);
    expect(parseUpdatedQuery({}, now)).toBeUndefined();
  });
});

describe('parseTimestamp', () => {
  it.each(['2026-02-29T00:00:00Z', '2026-11-23T24:00:00Z', '2026-11-23T10:00Z', '2026-11-23T10:00:00+0100', ''])(
    'refuses %j',
    (text) => {
      expect(parseTimestamp(text)).toBeUndefined();
    },
  );

  it('accepts 29 February of a leap year', () => {
    expect(parseTimestamp('2028-02-29T00:00:00.000Z')).toBe(Date.UTC(2028, 1, 29));
  });
});

describe('parseDownloadQuery', () => {
  it('takes one valid id', () => {
    expect(parseDownloadQuery({ id: 'f-1' })).toBe('f-1');
    expect(codeOf(() => parseDownloadQuery({ id: ['f-1', 'f-2'] }))).toBe('invalid-parameter');
  });
});
