/**
 * HAWKER_NODE_ALLOC_PROF=<dir>: a sampling allocation profile of a benchmark's node process, written to
 * `<dir>/alloc-<pid>.heapprofile` (open it in Chrome DevTools, Memory tab) and summarised in `<dir>/alloc-<pid>.txt`
 * (the functions that allocated most, self and with callees).
 *
 * Why not `node --heap-prof`: it keeps only the samples of objects still alive when the profile is written, which
 * says nothing about garbage. A node that spends its time in scavenges (bench:soak's "the node's own view") needs to
 * know who allocates the short-lived objects, so this asks V8's sampling heap profiler, through the inspector, to keep
 * the samples of objects collected by minor and major GCs too.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

/** Starts sampling (every `intervalBytes` allocated, on average); the returned function writes the profile. */
export async function startAllocationProfile(dir: string, intervalBytes = 64 * 1024): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: intervalBytes,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  return async () => {
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: ProfileNode } };
    session.disconnect();
    fs.mkdirSync(dir, { recursive: true });
    const base = path.join(dir, `alloc-${process.pid}`);
    fs.writeFileSync(`${base}.heapprofile`, JSON.stringify(profile));
    fs.writeFileSync(`${base}.txt`, summarise(profile.head));
  };
}

/** The top allocating functions by self size, and the top by total (self + callees), in MiB. */
export function summarise(head: ProfileNode, top = 40): string {
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const label = (n: ProfileNode) =>
    `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^file:\/\//, '').replace(process.cwd(), '.')}:${n.callFrame.lineNumber + 1}`;
  const walk = (n: ProfileNode, onStack: Set<string>): number => {
    const key = label(n);
    self.set(key, (self.get(key) ?? 0) + n.selfSize);
    const inner = new Set(onStack).add(key);
    let sum = n.selfSize;
    for (const c of n.children) sum += walk(c, inner);
    // Recursion: count a function's subtree once, at its outermost frame.
    if (!onStack.has(key)) total.set(key, (total.get(key) ?? 0) + sum);
    return sum;
  };
  const all = walk(head, new Set());
  const mib = (b: number) => (b / 1048576).toFixed(1).padStart(9);
  const rows = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `${mib(v)} MiB  ${((v / all) * 100).toFixed(1).padStart(5)}%  ${k}`)
      .join('\n');
  return `sampled allocations: ${mib(all).trim()} MiB\n\nby self size\n${rows(self)}\n\nby total size (self + callees)\n${rows(total)}\n`;
}
