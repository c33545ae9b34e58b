import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // Type tests (`*.test-d.ts`, vitest's expectTypeOf): checked by tsc in the same run, never executed.
    typecheck: {
      enabled: true,
      include: ['packages/*/test/**/*.test-d.ts'],
      tsconfig: 'test/tsconfig.json',
    },
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    // expect.poll waits for what a browser or another process does: 1 s (vitest's default) was
    // too short on a slow 2-core host (the docs page dropping the token from the address bar).
    expect: { poll: { timeout: 15_000 } },
    hookTimeout: 120_000,
    // CI=true: a skipped test is a failure (see test/helpers/global-setup.ts).
    allowOnly: !process.env.CI,
    reporters: process.env.CI ? ['default', 'junit', './test/helpers/no-skips-reporter.ts'] : ['default'],
    outputFile: { junit: 'test-results/junit.xml' },
  },
});
