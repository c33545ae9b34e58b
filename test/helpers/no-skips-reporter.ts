import type { Reporter, TestModule } from 'vitest/node';

/**
 * With `CI=true`, a skipped or todo test fails the run: CI proves what it claims, and a
 * missing PostgreSQL or Chromium must not turn into quietly skipped tests.
 */
export default class NoSkipsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>) {
    const skipped = testModules.flatMap((m) =>
      [...m.children.allTests('skipped')].map((t) => `${m.moduleId.replace(`${process.cwd()}/`, '')} > ${t.fullName}`),
    );
    if (skipped.length === 0) return;
    console.error(`\nCI=true: ${skipped.length} skipped test(s) fail the run:\n  ${skipped.join('\n  ')}`);
    process.exitCode = 1;
  }
}
