// Prints the plain closing line `N passed, N failed[, N skipped]` that CI reads in any language,
// after vitest's own summary.
import type { File, Task } from '@vitest/runner';
import type { Reporter } from 'vitest/reporters';

function count(tasks: Task[], totals: { passed: number; failed: number; skipped: number }): void {
  for (const task of tasks) {
    if (task.type === 'suite') {
      count(task.tasks, totals);
      continue;
    }
    const state = task.result?.state;
    if (state === 'pass') totals.passed++;
    else if (state === 'fail') totals.failed++;
    else totals.skipped++;
  }
}

export default class SummaryLineReporter implements Reporter {
  onFinished(files: File[] = [], errors: unknown[] = []): void {
    const totals = { passed: 0, failed: 0, skipped: 0 };
    for (const file of files) {
      count(file.tasks, totals);
      // A file that failed to load has no tasks but must count as a failure.
      if (file.result?.state === 'fail' && file.tasks.length === 0) totals.failed++;
    }
    totals.failed += errors.length;
    const skipped = totals.skipped > 0 ? `, ${totals.skipped} skipped` : '';
    process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed${skipped}\n`);
  }
}
