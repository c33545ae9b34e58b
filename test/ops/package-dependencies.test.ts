// Every package declares what its code imports: a package installed on its own (npm install
// @finum-sync/server) must not rely on a neighbour that the monorepo's hoisting happens to provide.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const PACKAGES = readdirSync(join(ROOT, 'packages'));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Package names imported at run time (`import type …` erases, so it needs no declaration). */
function importedPackages(source: string): Set<string> {
  const names = new Set<string>();
  const pattern =
    /(?:^|\n)\s*(?:import|export)\s+(?!type\s)(?:[^'"]*?\sfrom\s+)?['"]([^'".][^'"]*)['"]|import\(\s*['"]([^'".][^'"]*)['"]\s*\)/g;
  for (const match of source.matchAll(pattern)) {
    const specifier = match[1] ?? match[2]!;
    if (specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
    const parts = specifier.split('/');
    names.add(specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!);
  }
  return names;
}

describe('package manifests', () => {
  it.each(PACKAGES)('packages/%s declares every package its source imports', (name) => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'packages', name, 'package.json'), 'utf8'));
    const declared = new Set([
      manifest.name,
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
      ...Object.keys(manifest.optionalDependencies ?? {}),
    ]);
    const missing: string[] = [];
    for (const file of sourceFiles(join(ROOT, 'packages', name, 'src')))
      for (const imported of importedPackages(readFileSync(file, 'utf8')))
        if (!declared.has(imported)) missing.push(`${imported} (${file.slice(ROOT.length + 1)})`);
    expect(missing).toEqual([]);
  });

  it('reads the import forms the packages use', () => {
    const names = importedPackages(
      [
        "import { a } from '@finum-sync/spec';",
        "import type { B } from '@finum-sync/server';",
        "import x from 'undici/lib/x.js';",
        "export { c } from 'jose';",
        "const m = await import('@finum-sync/server');",
        "import { join } from 'node:path';",
        "import { d } from './local.js';",
      ].join('\n'),
    );
    expect([...names].sort()).toEqual(['@finum-sync/server', '@finum-sync/spec', 'jose', 'undici']);
  });
});
