/**
 * Polls `fn` until it returns a truthy value or `timeoutMs` passes (then throws with `what`, and the last error `fn`
 * threw as the cause). For "until this is true" checks where no event says so; re-exported by node.ts.
 *
 * The default bound is generous on purpose: it only limits how long a failing test waits, and a 2-core machine busy
 * with other work (a second suite, a benchmark) was seen taking over 10 s for a stats tick that takes milliseconds.
 */
export const WAIT_DEFAULT_MS = 20_000;

export async function waitFor<T>(
  what: string,
  fn: () => T | Promise<T>,
  timeoutMs = WAIT_DEFAULT_MS,
  everyMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: last });
    await new Promise((r) => setTimeout(r, everyMs)); // the poll interval
  }
}
