#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
// Bundles the main entry (dist/index.js, jose and standardwebhooks included) into one
// minified ES module for browsers and edge runtimes: dist/browser/finum-sync-client.js.
// platform=browser makes any `node:` import reachable from the entry a build error.
import { build } from 'esbuild';

export const BUNDLE = fileURLToPath(new URL('../dist/browser/finum-sync-client.js', import.meta.url));

export async function bundle({ write = true } = {}) {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../dist/index.js', import.meta.url))],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: BUNDLE,
    write,
    metafile: true,
    legalComments: 'none',
    logLevel: 'error',
  });
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundle();
