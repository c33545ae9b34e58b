import { fileURLToPath } from 'node:url';

const specFile = (name: string) => fileURLToPath(new URL(`../../packages/spec/${name}`, import.meta.url));

/** The committed OpenAPI documents: the consumer API and the provider's back office. */
export const CONSUMER_DOCUMENT = specFile('openapi.json');
export const ADMIN_DOCUMENT = specFile('admin-openapi.json');

/** Which document describes which paths (longest prefix first), e.g. for `startPrismProxy`. */
export const API_DOCUMENTS: Record<string, string> = { '/admin/': ADMIN_DOCUMENT, '/': CONSUMER_DOCUMENT };
