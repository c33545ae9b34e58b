/**
 * Writes (with `--write`) or checks the committed `openapi.json` against the document
 * emitted from the schemas. Run `npm run openapi` after changing the contract.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildOpenApi } from './openapi.js';

export const OPENAPI_PATH = fileURLToPath(new URL('../openapi.json', import.meta.url));

export const renderOpenApi = () => `${JSON.stringify(buildOpenApi(), null, 2)}\n`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = renderOpenApi();
  if (process.argv.includes('--write')) {
    writeFileSync(OPENAPI_PATH, text);
    console.log(`wrote ${OPENAPI_PATH}`);
  } else if (readFileSync(OPENAPI_PATH, 'utf8') !== text) {
    console.error('openapi.json is out of date: run `npm run openapi`');
    process.exit(1);
  }
}
