import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { testDatabaseUrl } from './node.ts';

/** A Hawker node running in a child process (harness/nodeMain.ts). */
export interface NodeProcess {
  url: string;
  port: number;
  prefix: string;
  pid: number;
  /** Its mediasoup worker processes. */
  workerPids: number[];
  child: ChildProcess;
  /** Resolves when the process has exited (code or signal). */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** SIGKILL: no cleanup at all, as a crash. */
  kill(): Promise<void>;
  /** SIGTERM (graceful close), SIGKILL after `timeoutMs`. */
  close(timeoutMs?: number): Promise<void>;
}

const repoRoot = path.resolve(import.meta.dirname, '..');

/** The node entry of the checkout at `root`: harness/nodeMain.ts, or test/helpers/nodeMain.ts in one older than harness/. */
function nodeMainIn(root: string): string {
  const entry = path.join(root, 'harness/nodeMain.ts');
  return fs.existsSync(entry) ? entry : path.join(root, 'test/helpers/nodeMain.ts');
}

/**
 * Stops a child process: `signal`, then SIGKILL if it has not exited `killAfterMs` later. Resolves once it has exited
 * (at once if it already had).
 */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', killAfterMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts a full node (every domain, like `startNode`) as a child process against `redisUrl`, with `env` as its
 * configuration (a random key prefix unless REDIS_KEY_PREFIX is given; pass the same one to nodes meant to share
 * state). Rejects if it exits or does not report ready within `timeoutMs`. `root` is the checkout whose
 * `harness/nodeMain.ts` (and so whose server code) runs: this repository unless given (a benchmark's git worktree
 * of an older commit, for a baseline; one older than harness/ runs its `test/helpers/nodeMain.ts`).
 */
export async function spawnNode(env: Record<string, string>, redisUrl: string, timeoutMs = 30_000, root = repoRoot): Promise<NodeProcess> {
  const child = fork(nodeMainIn(root), [JSON.stringify({ env: { DATABASE_URL: testDatabaseUrl(), ...env }, redisUrl })], {
    cwd: root,
    // HAWKER_NODE_CPU_PROF=<dir>: write a V8 CPU profile of the node there when it exits (benchmarks' profiling).
    // HAWKER_NODE_EXEC_ARGV="--trace-gc ...": more flags for the node's Node.js (a benchmark's diagnosis).
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.HAWKER_NODE_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.HAWKER_NODE_CPU_PROF}`] : []),
      ...(process.env.HAWKER_NODE_EXEC_ARGV?.split(/\s+/).filter(Boolean) ?? []),
    ],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEST_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      // HAWKER_NODE_ALLOC_PROF=<dir>: a sampling allocation profile, garbage included (harness/allocationProfile.ts).
      ...(process.env.HAWKER_NODE_ALLOC_PROF ? { HAWKER_NODE_ALLOC_PROF: process.env.HAWKER_NODE_ALLOC_PROF } : {}),
      // HAWKER_NODE_WINDOW_PROF=<dir>: CPU and allocation profiles of the window a benchmark marks (markWindow).
      ...(process.env.HAWKER_NODE_WINDOW_PROF ? { HAWKER_NODE_WINDOW_PROF: process.env.HAWKER_NODE_WINDOW_PROF } : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  try {
    const ready = await new Promise<{ url: string; port: number; prefix: string; workerPids: number[] }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node process not ready within ${timeoutMs} ms`)), timeoutMs);
      child.once('message', (m) => {
        clearTimeout(timer);
        resolve(m as never);
      });
      void exited.then(([code, signal]) => {
        clearTimeout(timer);
        reject(new Error(`node process exited during start-up (${code ?? signal})`));
      });
    });
    return {
      ...ready,
      pid: child.pid!,
      child,
      exited,
      kill: () => stopProcess(child, 'SIGKILL', 0),
      close: (t = 10_000) => stopProcess(child, 'SIGTERM', t),
    };
  } catch (err) {
    await stopProcess(child, 'SIGKILL', 0);
    throw err;
  }
}

/**
 * Marks the start or the end of the window HAWKER_NODE_WINDOW_PROF profiles (harness/windowProfile.ts) in a node
 * process, and waits until the node has started profiling or written its profiles. Does nothing without it.
 */
export async function markWindow(node: Pick<NodeProcess, 'child'>, phase: 'start' | 'stop', timeoutMs = 60_000): Promise<void> {
  if (!process.env.HAWKER_NODE_WINDOW_PROF) return;
  const answer = phase === 'start' ? 'started' : 'written';
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      node.child.off('message', onMessage);
      reject(new Error(`node process did not answer windowProfile ${phase} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (m: { windowProfile?: string }) => {
      if (m?.windowProfile !== answer) return;
      clearTimeout(timer);
      node.child.off('message', onMessage);
      resolve();
    };
    node.child.on('message', onMessage);
  });
  node.child.send({ windowProfile: phase });
  await done;
}
