/**
 * Writes (with `--write`) or checks the committed `openapi.json` against the document
 * emitted from the schemas. Run `npm run openapi` after changing the contract.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildAdminOpenApi } from './admin/openapi.js';
import { buildOpenApi } from './openapi.js';

/** The committed documents and what they are emitted from. */
export const DOCUMENTS = {
  'openapi.json': buildOpenApi,
  'admin-openapi.json': buildAdminOpenApi,
} as const;

export const documentPath = (name: keyof typeof DOCUMENTS) => fileURLToPath(new URL(`../${name}`, import.meta.url));

export const renderDocument = (name: keyof typeof DOCUMENTS) => `${JSON.stringify(DOCUMENTS[name](), null, 2)}\n`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let stale = false;
  for (const name of Object.keys(DOCUMENTS) as (keyof typeof DOCUMENTS)[]) {
    const text = renderDocument(name);
    if (process.argv.includes('--write')) {
      writeFileSync(documentPath(name), text);
      console.log(`wrote ${documentPath(name)}`);
    } else if (readFileSync(documentPath(name), 'utf8') !== text) {
      console.error(`${name} is out of date: run \`npm run openapi\``);
      stale = true;
    }
  }
  if (stale) process.exit(1);
}
