/**
 * The validator could not run: bad options, unreadable credentials, an unreachable
 * provider or credentials the provider refuses. The CLI prints the message in one line
 * and exits 2 (SPEC §12).
 */
export class ValidatorInputError extends Error {
  override name = 'ValidatorInputError';
}
