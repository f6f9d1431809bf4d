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

/**
 * Write system calls (`write`, `writev`, `sendmsg`, ...: /proc/<pid>/io `syscw`) a process has made so far: a count
 * that does not move with the machine's load, for comparing write paths. Undefined once it is gone.
 */
export function writeSyscalls(pid: number): number | undefined {
  try {
    const m = fs.readFileSync(`/proc/${pid}/io`, 'utf8').match(/^syscw:\s+(\d+)$/m);
    return m ? Number(m[1]) : undefined;
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
    return Object.fromEntries(
      Object.entries(this.pids).map(([name, pid]) => [name, ((cpuSeconds(pid) ?? 0) - (this.c0.get(pid) ?? 0)) / wall]),
    );
  }
}

/** Every live process as pid -> parent pid, from /proc/<pid>/stat. */
function parentsOf(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited while we looked
    }
  }
  return parents;
}

/**
 * The PostgreSQL postmaster of this machine that listens on `port` (its command line has `port=<port>`, as the embedded
 * cluster's has, or `-p <port>`); undefined if there is none. By port, not by user: other clusters (other people's test
 * runs) run as `postgres` on the same box. Its backends and helpers rewrite their command lines ("postgres: ..."),
 * so only the postmaster matches.
 */
export function postmasterPid(port: number): number | undefined {
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (!argv[0]?.endsWith('/postgres') && argv[0] !== 'postgres') continue;
      if (argv.some((a, i) => a === `port=${port}` || (a === '-p' && argv[i + 1] === String(port)))) return Number(name);
    } catch {
      // exited while we looked
    }
  }
  return undefined;
}

/**
 * CPU seconds used so far by a process and all its descendants, those that have exited included: a live process's
 * utime + stime, plus the cutime + cstime of the root, where the kernel adds the times of children it has reaped (the
 * postmaster reaps its backends). Over a window, the difference counts every backend, checkpointer and WAL writer of a
 * PostgreSQL cluster, even backends that came and went within it. Undefined once the root is gone.
 */
export function treeCpuSeconds(root: number): number | undefined {
  let reaped: number;
  try {
    const stat = fs.readFileSync(`/proc/${root}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    reaped = (Number(fields[13]) + Number(fields[14])) / CLK_TCK; // cutime, cstime (fields 16 and 17 of stat)
  } catch {
    return undefined;
  }
  const parents = parentsOf();
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  let total = reaped;
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    total += cpuSeconds(pid) ?? 0;
    todo.push(...(children.get(pid) ?? []));
  }
  return total;
}
