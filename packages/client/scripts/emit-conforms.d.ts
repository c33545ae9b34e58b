/** The TypeScript source of the conformance functions of `schemas` (name → inlined JSON Schema). */
export function emitConforms(schemas: Record<string, unknown>): string;
/** The regular expression source with short fixed repeats (`\d{4}`, `[A-Z]{3}`) written out. */
export function unrollShortRepeats(source: string): string;
