import { readFileSync, realpathSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Issue 10, deliverable 5: every export of the public entries of `@finum-sync/spec` and
 * `@finum-sync/client` (each `types` of its package.json `exports`) carries a JSDoc with an
 * `@example`, read with the TypeScript compiler API from the sources.
 *
 * An export counts as documented when a declaration along its alias chain has an `@example`:
 * its own declaration (any of them: a schema constant and its type of the same name, the first
 * of overloads), or an export specifier that re-exports it (`export type { /** … *\/ Static }`),
 * which is where a third-party type such as TypeBox's `Static` gets its example.
 */
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const PACKAGES = ['spec', 'client'] as const;

/** The source files behind a package's public entries: `./dist/x.d.ts` → `src/x.ts`. */
function publicEntries(pkg: string): string[] {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'packages', pkg, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { types?: string }>;
  };
  const entries = new Set<string>();
  for (const target of Object.values(manifest.exports)) {
    if (typeof target === 'string' || !target.types) continue;
    const source = target.types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts');
    entries.add(join(ROOT, 'packages', pkg, source));
  }
  return [...entries];
}

function hasExample(node: ts.Node): boolean {
  const nodes = ts.isVariableDeclaration(node) ? [node, node.parent.parent] : [node];
  return nodes.some((n) => ts.getJSDocTags(n).some((tag) => tag.tagName.text === 'example'));
}

/** The texts of the `@example` tags of a declaration. */
function exampleTexts(node: ts.Node): string[] {
  return ts
    .getJSDocTags(node)
    .filter((tag) => tag.tagName.text === 'example')
    .map((tag) => ts.getTextOfJSDocComment(tag.comment) ?? '');
}

interface EntryExports {
  entry: string;
  /** Each export with the declarations along its alias chain. */
  exports: { name: string; declarations: ts.Declaration[] }[];
}

function exportsOf(pkg: string): EntryExports[] {
  const configFile = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'packages', pkg, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  )!;
  const program = ts.createProgram(configFile.fileNames, configFile.options);
  const checker = program.getTypeChecker();
  return publicEntries(pkg).map((file) => {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`${file} is not in packages/${pkg}/tsconfig.json`);
    const module = checker.getSymbolAtLocation(source)!;
    return {
      entry: relative(ROOT, file),
      exports: checker.getExportsOfModule(module).map((exported) => {
        const declarations: ts.Declaration[] = [];
        let symbol: ts.Symbol | undefined = exported;
        for (let hops = 0; symbol && hops < 20; hops++) {
          declarations.push(...(symbol.declarations ?? []));
          if (!(symbol.flags & ts.SymbolFlags.Alias)) break;
          symbol = checker.getImmediateAliasedSymbol(symbol);
        }
        return { name: exported.name, declarations };
      }),
    };
  });
}

/** Where a declaration lives, relative to the repository (real paths: node_modules/@finum-sync links back). */
const home = (declaration: ts.Declaration) => relative(ROOT, realpathSync(declaration.getSourceFile().fileName));

const EXAMPLE_HOST =
  /^(?:localhost|127\.0\.0\.1|\[::1\]|(?:.+\.)?example(?:\.com|\.net|\.org)?|.+\.(?:test|invalid|localhost))$/;

describe.each(PACKAGES)('@finum-sync/%s: JSDoc @example on every public export', (pkg) => {
  const entries = exportsOf(pkg);

  it('reads the public entries of package.json', () => {
    const names = entries.map((e) => e.entry.split(sep).join('/'));
    expect(names).toContain(`packages/${pkg}/src/index.ts`);
    if (pkg === 'spec')
      expect(names).toEqual(
        expect.arrayContaining(['packages/spec/src/constants.ts', 'packages/spec/src/admin/index.ts']),
      );
    if (pkg === 'client') expect(names).toContain('packages/client/src/node.ts');
    for (const e of entries) expect(e.exports.length, e.entry).toBeGreaterThan(0);
  });

  it('documents every export with an @example', () => {
    const missing = entries.flatMap(({ entry, exports }) =>
      exports.filter((e) => !e.declarations.some(hasExample)).map((e) => `${entry}: ${e.name}`),
    );
    expect(missing).toEqual([]);
  });

  it('names only hosts reserved for examples in its @example code', () => {
    const outside = new Set<string>();
    for (const { exports } of entries) {
      for (const { name, declarations } of exports) {
        for (const declaration of declarations) {
          if (home(declaration).startsWith('node_modules')) continue;
          for (const text of exampleTexts(declaration)) {
            for (const [url] of text.matchAll(/\bhttps?:\/\/[^\s'"`)>\]]+/g)) {
              const host = new URL(url).hostname;
              if (!EXAMPLE_HOST.test(host)) outside.add(`${name}: ${url}`);
            }
          }
        }
      }
    }
    expect([...outside]).toEqual([]);
  });
});
