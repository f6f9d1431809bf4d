import fs from 'node:fs';

/** Clock ticks per second for /proc/<pid>/stat times (Linux x86-64 and arm64 use 100). */
const CLK_TCK = 100;

/** User + system CPU seconds a process (all its threads) has used so far, from /proc; undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime (fields 14 and 15 of stat)
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds the whole machine has been busy so far, all cores together (/proc/stat: everything but idle and iowait):
 * over a window, how much of the machine anything (other people's jobs included) was using.
 */
export function machineBusySeconds(): number {
  const [, ...ticks] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
  return (user + nice + system + irq + softirq + steal) / CLK_TCK;
}

/**
 * Seconds a process's main thread has spent runnable but waiting for a CPU so far (/proc/<pid>/schedstat, second
 * field): how much a busy machine starved it. Undefined once it is gone or without scheduler statistics.
 */
export function runQueueSeconds(pid: number): number | undefined {
  try {
    const waitedNs = Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]);
    return Number.isFinite(waitedNs) ? waitedNs / 1e9 : undefined;
  } catch {
    return undefined;
  }
}

/** Resident memory of a process in MiB, from /proc; undefined once it is gone. */
export function rssMiB(pid: number): number | undefined {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Measures the CPU share (1.0 = one core) of processes over a window: `start()` then `stop()`. */
export class CpuMeter {
  private t0 = 0;
  private readonly c0 = new Map<number, number>();

  constructor(private readonly pids: Record<string, number>) {}

  start(): void {
    this.t0 = performance.now();
    for (const pid of Object.values(this.pids)) this.c0.set(pid, cpuSeconds(pid) ?? 0);
  }

  /** Length of the last measured window, seconds (set by `stop()`). */
  wallSeconds = 0;

  /** Cores used per named process since `start()` (CPU seconds = cores x `wallSeconds`). */
  stop(): Record<string, number> {
    const wall = (this.wallSeconds = (performance.now() - this.t0) / 1000);
    return Object.fromEntries(Object.entries(this.pids).map(([name, pid]) => [name, ((cpuSeconds(pid) ?? 0) - (this.c0.get(pid) ?? 0)) / wall]));
  }
}
