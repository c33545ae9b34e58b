import { readFileSync } from 'node:fs';
import { satisfies } from 'semver';
import { describe, expect, it } from 'vitest';

/**
 * "Node.js 20 runs here and in CI: pin the line that supports 20." Every package `npm ci`
 * installs must accept the oldest Node the project declares (`engines` of the root
 * package.json): a new major of a transitive dependency that drops Node 20 is pinned back by
 * the root's `overrides` (README, "Testing"), not left to warn at install.
 */
describe('installed packages and the Node version the project declares', () => {
  const root = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
    packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
  };
  const oldest = /^>=(\d+\.\d+(?:\.\d+)?)$/.exec(root.engines.node)?.[1];

  it('the project declares its oldest Node as ">=X.Y"', () => {
    expect(oldest).toBeDefined();
  });

  it('no package in the lockfile excludes it', () => {
    const version = oldest!.split('.').length === 2 ? `${oldest}.0` : oldest!;
    const excluding = Object.entries(lock.packages)
      .filter(([path]) => path !== '')
      .flatMap(([path, entry]) => {
        const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
        return range && !satisfies(version, range) ? [`${path}@${entry.version}: node ${range}`] : [];
      });
    expect(excluding, `packages whose engines exclude Node ${version}`).toEqual([]);
  });
});
