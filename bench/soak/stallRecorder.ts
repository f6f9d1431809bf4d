/**
 * The soak's stall recorder, loaded into its node with `--import bench/soak/recordNodeStalls.ts` (bench/soak.ts, through
 * HAWKER_NODE_EXEC_ARGV): records every stall of
 * the node's event loop (a 10 ms timer firing more than 20 ms late) with its wall-clock end, appended to
 * `stallFile(pid)` as it happens, so the bench can line the node's stalls up with its slow /healthz probes. It changes
 * nothing in the node but one 10 ms timer (unref'd: it keeps nothing alive).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where the node with this pid writes its stalls: one `endEpochMs lengthMs` line each. */
export function stallFile(pid: number): string {
  return path.join(os.tmpdir(), `hawker-soak-stalls-${pid}.log`);
}

/**
 * Calls `onStall(endMs, lengthMs)` (performance.now() time) whenever this process's event loop stalls: an `everyMs`
 * timer firing more than `overMs` late. Unref'd: it keeps nothing alive. Returns the timer, for clearInterval.
 */
export function watchStalls(onStall: (endMs: number, lengthMs: number) => void, everyMs = 10, overMs = 20): NodeJS.Timeout {
  let last = performance.now();
  return setInterval(() => {
    const now = performance.now();
    const late = now - last - everyMs;
    last = now;
    if (late > overMs) onStall(now, late);
  }, everyMs).unref();
}

/** Starts the recorder in this process (idempotent). */
export function recordStalls(file = stallFile(process.pid), everyMs = 10, overMs = 20): void {
  if ((globalThis as { __hawkerStalls?: boolean }).__hawkerStalls) return;
  (globalThis as { __hawkerStalls?: boolean }).__hawkerStalls = true;
  fs.writeFileSync(file, '');
  watchStalls((end, late) => fs.appendFileSync(file, `${Math.round(performance.timeOrigin + end)} ${Math.round(late)}\n`), everyMs, overMs);
}

/** Reads a stall file: [endEpochMs, lengthMs] pairs. */
export function readStalls(file: string): [number, number][] {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ').map(Number) as [number, number]);
  } catch {
    return [];
  }
}

/** How much of [from, to] (epoch ms) the stalls cover. */
export function stalledDuring(stalls: readonly [number, number][], from: number, to: number): number {
  let ms = 0;
  for (const [end, len] of stalls) {
    const start = end - len;
    if (end > from && start < to) ms += Math.min(end, to) - Math.max(start, from);
  }
  return ms;
}

/** Where the node with this pid writes, for each request carrying `x-probe-t0`, when it was sent, accepted and read. */
export function acceptFile(pid: number): string {
  return path.join(os.tmpdir(), `hawker-soak-accepts-${pid}.log`);
}

/**
 * Records, for every HTTP request that carries an `x-probe-t0` header (the client's send time, epoch ms), when the
 * node accepted its connection ('connection' event) and when it read the request ('request' event):
 * `t0 acceptedAt requestAt` lines in `acceptFile(pid)`. Tells a slow accept from a slow read.
 */
export async function recordAccepts(file = acceptFile(process.pid)): Promise<void> {
  const net = await import('node:net');
  fs.writeFileSync(file, '');
  const accepted = new WeakMap<object, number>();
  const proto = net.Server.prototype as unknown as { emit(event: string | symbol, ...args: unknown[]): boolean };
  const emit = proto.emit;
  proto.emit = function (this: unknown, event: string | symbol, ...args: unknown[]) {
    if (event === 'connection') accepted.set(args[0] as object, Date.now());
    else if (event === 'request') {
      const req = args[0] as { headers: Record<string, string | undefined>; socket: object };
      const t0 = req.headers['x-probe-t0'];
      if (t0) fs.appendFileSync(file, `${t0} ${accepted.get(req.socket) ?? 0} ${Date.now()}\n`);
    }
    return emit.call(this, event, ...args);
  };
}
