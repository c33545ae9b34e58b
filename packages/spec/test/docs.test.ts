import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTRACT_DOC, GENERATED_BLOCKS, renderContractDoc } from '../src/emit-docs.js';

describe('docs/contract.md', () => {
  const text = readFileSync(CONTRACT_DOC, 'utf8');

  it('holds the tables generated from the spec as they are today (`npm run docs` rewrites them)', () => {
    expect(renderContractDoc(text)).toBe(text);
  });

  it('has every generated block, and each one is filled', () => {
    for (const name of Object.keys(GENERATED_BLOCKS)) {
      expect(text).toMatch(new RegExp(`<!-- generated: ${name} -->\\n\\S[\\s\\S]*?\\n<!-- end generated -->`));
    }
  });

  it('fails on a table that drifted from the spec', () => {
    const stale = text.replace('| **130** | Proposal available |', '| **130** | Proposal ready |');
    expect(stale).not.toBe(text);
    expect(renderContractDoc(stale)).toBe(text);
    expect(() => renderContractDoc(text.replace('<!-- generated: problems -->', ''))).toThrow(
      /missing generated blocks problems/,
    );
  });
});
