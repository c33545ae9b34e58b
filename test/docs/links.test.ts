import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commandUsage } from '../../packages/cli/dist/command.js';
import { COMMANDS, main } from '../../packages/cli/dist/main.js';

/**
 * Issue 10: the repository documents itself. No link in a README, in docs/ or in the CLI's
 * help points outside the repository: a relative link resolves to a file of the repository,
 * and an absolute one names localhost or a host reserved for examples (RFC 2606/6761).
 */
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SKIP = new Set(['node_modules', 'dist', '.git', 'test-results', 'data']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

const EXAMPLE_HOST =
  /^(?:localhost|127\.0\.0\.1|\[::1\]|(?:.+\.)?example(?:\.com|\.net|\.org)?|.+\.(?:test|invalid|localhost))$/;

/** Why an absolute URL points outside, or undefined when it does not (placeholders such as `https://…` pass). */
function outsideUrl(url: string): string | undefined {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return undefined;
  }
  if (/…|%E2%80%A6|\$/i.test(host) || EXAMPLE_HOST.test(host)) return undefined;
  return `${url} (host ${host})`;
}

/** Markdown without its code: what is in code is a value to type, not a link to follow. */
const prose = (markdown: string) => markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');

/** The links of a Markdown file that point outside the repository (or at nothing in it). */
function badLinks(file: string, markdown: string): string[] {
  const text = prose(markdown);
  const bad: string[] = [];
  const targets = [
    ...[...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
    ...[...text.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]!),
    ...[...text.matchAll(/<(https?:\/\/[^>\s]+)>/g)].map((m) => m[1]!),
    ...[...text.matchAll(/(?<![(<])\bhttps?:\/\/[^\s)>\]]+/g)].map((m) => m[0]),
  ];
  for (const target of targets) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
      if (/^https?:/i.test(target)) {
        const why = outsideUrl(target);
        if (why) bad.push(why);
      } else if (!/^mailto:/i.test(target)) {
        bad.push(`${target} (scheme)`);
      }
      continue;
    }
    const path = target.split('#')[0]!;
    if (path === '') continue; // an anchor in the same file
    const absolute = resolve(dirname(file), decodeURIComponent(path));
    const inside = relative(ROOT, absolute);
    if (inside.startsWith('..') || inside.startsWith(sep) || resolve(ROOT, inside) !== absolute) {
      bad.push(`${target} (outside the repository)`);
    } else if (!statSync(absolute, { throwIfNoEntry: false })) {
      bad.push(`${target} (no such file in the repository)`);
    }
  }
  return bad;
}

describe('links in the documentation', () => {
  const files = markdownFiles(ROOT);

  it('finds the READMEs and docs/', () => {
    const names = files.map((f) => relative(ROOT, f));
    for (const expected of ['README.md', 'docs/contract.md', 'docs/architecture.md']) expect(names).toContain(expected);
    for (const pkg of readdirSync(join(ROOT, 'packages'))) expect(names).toContain(`packages/${pkg}/README.md`);
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))('%s points nowhere outside the repository', (_name, file) => {
    expect(badLinks(file, readFileSync(file, 'utf8'))).toEqual([]);
  });

  it('catches a link out of the repository, a missing file and a foreign host', () => {
    const readme = join(ROOT, 'README.md');
    expect(
      badLinks(readme, 'See [the spec](../shared/SPEC.md), [gone](docs/nowhere.md) and <https://github.com/x/y>.'),
    ).toEqual([
      '../shared/SPEC.md (outside the repository)',
      'docs/nowhere.md (no such file in the repository)',
      'https://github.com/x/y (host github.com)',
    ]);
    expect(
      badLinks(readme, 'Open <http://localhost:8080/>, [docs](docs/contract.md#records), `https://real.host`.'),
    ).toEqual([]);
  });
});

describe('links in the CLI help', () => {
  it('names no host outside localhost and example hosts, in the overview and every command', async () => {
    const texts: string[] = [];
    const context = { env: {}, out: (t: string) => texts.push(t), err: (t: string) => texts.push(t) };
    expect(await main(['--help'], context)).toBe(0);
    for (const command of COMMANDS) texts.push(commandUsage(command));
    expect(texts.length).toBe(COMMANDS.length + 1);
    const urls = texts.flatMap((t) =>
      [...t.matchAll(/\bhttps?:\/\/[^\s)'"`,]+/g)].map((m) => m[0].replace(/[.:;]+$/, '')),
    );
    expect(urls.length).toBeGreaterThan(0); // the token command's example is seen
    expect(urls.map(outsideUrl).filter(Boolean)).toEqual([]);
    // The help refers to the README by name, never by a path out of the repository.
    expect(texts.join('\n')).not.toMatch(/\.\.\/|shared\/(?:SPEC|ARCHITECTURE)/);
  });
});
