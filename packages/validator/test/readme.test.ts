import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RULES, withRuleTable } from '../src/index.js';

describe('README', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

  it('lists every rule (the table is generated: npm run rules -w @finum-sync/validator)', () => {
    expect(readme).toBe(withRuleTable(readme));
    for (const rule of RULES) expect(readme).toContain(`| ${rule.id} |`);
  });

  it('rule ids are unique, and every rule says what it checks and how to fix it', () => {
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    for (const r of RULES) {
      expect(r.section, r.id).toMatch(/^§\d+/);
      expect(r.spec.length, r.id).toBeGreaterThan(20);
      expect(r.fix.length, r.id).toBeGreaterThan(20);
    }
  });

  it('has the "Going live — run it in your CI" section, and no link out of the repository', () => {
    expect(readme).toContain('## Going live — run it in your CI');
    expect(readme).not.toMatch(/\]\(https?:/);
  });
});
