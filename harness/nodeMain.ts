/**
 * A Hawker node as a process of its own (for benchmarks and fault drills that measure it, SIGKILL it, or run several):
 * `startNode` with the configuration given as a JSON argument, then reports `{ ready, url, port, prefix, workerPids }`
 * to the parent over IPC. Exits after a graceful close on SIGTERM, and at once if the parent goes away.
 */
import { startAllocationProfile } from './allocationProfile.ts';
import { startNode } from './node.ts';
import { serveWindowProfile } from './windowProfile.ts';

const { env, redisUrl } = JSON.parse(process.argv[2] ?? '{}') as { env: Record<string, string>; redisUrl: string };
const node = await startNode(env, redisUrl);
// HAWKER_NODE_ALLOC_PROF=<dir>: who allocates, garbage included, from ready to a graceful close (harness/allocationProfile.ts).
const allocDir = process.env.HAWKER_NODE_ALLOC_PROF;
const writeAllocations = allocDir ? await startAllocationProfile(allocDir) : undefined;
// HAWKER_NODE_WINDOW_PROF=<dir>: CPU and allocation profiles of a window the benchmark marks (harness/windowProfile.ts).
if (process.env.HAWKER_NODE_WINDOW_PROF) serveWindowProfile(process.env.HAWKER_NODE_WINDOW_PROF);
process.send?.({
  ready: true,
  url: node.url,
  port: node.port,
  prefix: node.prefix,
  workerPids: node.node.ctx.media.workers.map((w) => w.worker.pid),
});
process.on(
  'SIGTERM',
  () =>
    void node
      .close()
      .then(() => writeAllocations?.())
      .finally(() => process.exit(0)),
);
process.on('disconnect', () => process.exit(0));
