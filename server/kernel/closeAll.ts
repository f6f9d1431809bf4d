import type { Logger } from './log.ts';

/** One step of a shutdown: a name for the report and what to run (it may return a promise). */
export type CloseStep = readonly [name: string, run: () => unknown];

/** What `closeAll` throws: every failed step's error (in `errors`, as thrown) and the steps' names, in order. */
export class CloseError extends AggregateError {
  override readonly name = 'CloseError';
  constructor(
    readonly steps: readonly string[],
    errors: readonly unknown[],
    message: string,
  ) {
    super(errors, message);
  }
}

/**
 * Runs every step of a shutdown in order, each once the previous one has settled, whatever failed before it: a step
 * that throws or rejects does not stop the ones after it (stopping at the first failure leaks the connections, timers
 * and workers the later steps would have closed). Falsy entries are skipped, for optional parts:
 * `cache && ['cache', () => cache.close()]`. With `log`, each failure is logged at error level as it happens, with
 * its step's name. Resolves when all succeeded; otherwise rejects, after the last step, with one CloseError of every
 * failure.
 */
export async function closeAll(what: string, steps: readonly (CloseStep | false | null | undefined)[], log?: Logger): Promise<void> {
  const failedSteps: string[] = [];
  const errors: unknown[] = [];
  let ran = 0;
  for (const step of steps) {
    if (!step) continue;
    const [name, run] = step;
    ran += 1;
    // A step that hangs (a connection waiting on a server that went away) is named in the log while it hangs, so a
    // stuck shutdown says where it is stuck.
    const slow = log && setTimeout(() => log.warn({ step: name }, `${what}: closing ${name} is taking more than 10 s`), 10_000);
    try {
      await run();
    } catch (err) {
      failedSteps.push(name);
      errors.push(err);
      log?.error({ err, step: name }, `${what}: closing ${name} failed; closing the rest`);
    } finally {
      if (slow) clearTimeout(slow);
    }
  }
  if (errors.length === 0) return;
  const detail = errors.map((err, i) => `${failedSteps[i]} (${err instanceof Error ? err.message : String(err)})`).join('; ');
  throw new CloseError(failedSteps, errors, `${what}: ${errors.length} of ${ran} close steps failed: ${detail}`);
}
