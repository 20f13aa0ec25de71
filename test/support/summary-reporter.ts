import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends the run with one plain line, `N passed, N failed` (CI logs and scripts read it). A test
 * file that fails to load, or an error outside any test, counts as one failure, so that a
 * broken run never reads "0 failed".
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      let moduleFailed = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') moduleFailed += 1;
        else skipped += 1;
      }
      if (moduleFailed === 0 && (module.errors().length > 0 || module.state() === 'failed')) moduleFailed = 1;
      failed += moduleFailed;
    }
    failed += unhandledErrors.length;
    if (skipped) process.stdout.write(`${skipped} skipped\n`);
    process.stdout.write(`${passed} passed, ${failed} failed\n`);
  }
}
