/**
 * CPU pinning for benchmarks that must measure the server, not the box: the server's threads on CPU 0, everything else
 * (Redis, PostgreSQL, the bench process and the load processes it forks later, which inherit its affinity) on the
 * others. On a 2-core box the load generators otherwise take the server's CPU, and the figure measures the machine.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { progress } from './report.ts';

/** The CPUs other than 0 as a taskset list ("1", "1-3"), or "0" on a one-CPU box. The machine's count, not this
 * process's affinity (which a pin narrows). */
export function otherCpus(): string {
  const cpus = os.cpus().length;
  return cpus > 2 ? `1-${cpus - 1}` : cpus === 2 ? '1' : '0';
}

/** Pins every thread of `pid` to `list` (taskset syntax). */
export function pin(pid: number, list: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', list, String(pid)], { stdio: 'ignore' });
}

/**
 * Pins the server on CPU 0 and `rest` (Redis, ...), this process and PostgreSQL's processes on the other CPUs.
 * Call it before forking the load processes, so they inherit this process's affinity.
 */
export function pinServerApart(serverPid: number, rest: readonly number[], opts: { postgres?: boolean } = {}): void {
  const others = otherCpus();
  pin(serverPid, '0');
  for (const pid of rest) pin(pid, others);
  pin(process.pid, others);
  if (opts.postgres) {
    for (const pg of execFileSync('pgrep', ['-f', 'postgres'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
      try {
        pin(Number(pg), others);
      } catch {
        // a postgres process of another user or one that just exited: not ours to move
      }
    }
  }
  progress(`pinned: the server on CPU 0; Redis, the bench and the load processes on CPU ${others}`);
}
