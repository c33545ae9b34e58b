import { describe, expect, it } from 'vitest';
import { keepRecordText, recordJson, splitRecords } from '../src/record-text.js';

describe('splitRecords', () => {
  it('splits an array of records into their texts, with each top-level id and version', () => {
    const records = [
      { id: 'c-1', version: 3, deleted: false, holder: { id: 'nested', version: 99 }, tags: ['a,b', '}'] },
      { version: 12, id: 'c-"2"\\', note: 'quote " brace { bracket [', items: [{ id: 'x' }] },
      { id: 'c-3', deleted: true, version: 1 },
    ];
    const text = JSON.stringify(records);
    const slices = splitRecords(text);
    expect(slices?.map((s) => [s.id, s.version])).toEqual([
      ['c-1', 3],
      ['c-"2"\\', 12],
      ['c-3', 1],
    ]);
    expect(slices?.map((s) => JSON.parse(s.text))).toEqual(records);
  });

  it('reads spaced JSON and an empty array', () => {
    const slices = splitRecords(' [ {"id" : "a" , "version" : 7 } ,\n{ "id":"b","version":8} ] ');
    expect(slices?.map((s) => [s.id, s.version, s.text])).toEqual([
      ['a', 7, '{"id" : "a" , "version" : 7 }'],
      ['b', 8, '{ "id":"b","version":8}'],
    ]);
    expect(splitRecords('[]')).toEqual([]);
  });

  it('leaves id and version unknown when they are not a string and a number', () => {
    const [slice] = splitRecords('[{"id":5,"version":"5"}]') ?? [];
    expect(slice).toMatchObject({ id: undefined, version: undefined });
  });

  it('refuses what is not an array of objects', () => {
    expect(splitRecords('{"id":"a"}')).toBeUndefined();
    expect(splitRecords('[1,2]')).toBeUndefined();
    expect(splitRecords('[{"id":"a"}')).toBeUndefined();
  });
});

describe('recordJson', () => {
  it('is the kept text of a record, else its serialization', () => {
    const kept = { id: 'a', version: 1 };
    keepRecordText(kept, '{"id":"a","version":1,"_x":1}');
    expect(recordJson(kept)).toBe('{"id":"a","version":1,"_x":1}');
    expect(recordJson({ id: 'b', version: 2 })).toBe('{"id":"b","version":2}');
  });
});
