/**
 * The long synchronous tasks of a V8 CPU profile (`--cpu-prof`, e.g. HAWKER_NODE_CPU_PROF): stretches of consecutive
 * busy samples (anything but `(idle)`) longer than a threshold, i.e. the times the event loop could not answer anything
 * else (a `/healthz` probe waits behind them). For each stretch: its length, and what ran in it by self time and by the
 * task's entry (the outermost JavaScript frame under the root, what the loop called). Load-independent enough to
 * compare two runs of the same soak on a shared box: count and total length of the stretches, and who is in them.
 *
 *   node --import tsx bench/lib/longTasks.ts <file.cpuprofile> [--over-ms 50] [--top 15]
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';

interface CpuNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: CpuNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One long task: its length (ms) and its busy samples' node ids with their durations (µs). */
export interface LongTask {
  startMs: number;
  ms: number;
  samples: { node: number; us: number }[];
}

/** Splits the profile's sample timeline into busy stretches over `overMs`. */
export function longTasks(profile: CpuProfile, overMs: number): { tasks: LongTask[]; busyMs: number; wallMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const tasks: LongTask[] = [];
  let current: LongTask | null = null;
  let t = 0;
  let busyUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    // A sample's duration is the delta to the next sample's time stamp.
    const us = profile.timeDeltas[i + 1] ?? 0;
    t += profile.timeDeltas[i] ?? 0;
    const node = byId.get(profile.samples[i]!)!;
    const idle = node.callFrame.functionName === '(idle)';
    if (!idle) {
      busyUs += us;
      current ??= { startMs: t / 1000, ms: 0, samples: [] };
      current.ms += us / 1000;
      current.samples.push({ node: node.id, us });
    } else if (current) {
      if (current.ms >= overMs) tasks.push(current);
      current = null;
    }
  }
  if (current && current.ms >= overMs) tasks.push(current);
  return { tasks, busyMs: busyUs / 1000, wallMs: t / 1000 };
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'over-ms': { type: 'string', default: '50' }, top: { type: 'string', default: '15' } },
  });
  const file = positionals[0];
  if (!file) throw new Error('usage: longTasks.ts <file.cpuprofile> [--over-ms 50] [--top 15]');
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const overMs = Number(values['over-ms']);
  const top = Number(values.top);
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const label = (n: CpuNode) =>
    `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^file:\/\//, '').replace(process.cwd(), '.')}:${n.callFrame.lineNumber + 1}`;
  /** The outermost frame under the root that is not a native/runtime pseudo-frame: what the event loop called. */
  const entryOf = (id: number): string => {
    const chain: CpuNode[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) chain.push(byId.get(at)!);
    chain.reverse(); // root first
    const js = chain.slice(1).filter((n) => n.callFrame.url !== '' || n.callFrame.functionName.startsWith('('));
    // Skip Node's own dispatch frames (processTicksAndRejections, listOnTimeout, emit...) to name the first app or library frame.
    const first = js.find((n) => !n.callFrame.url.startsWith('node:')) ?? js[0] ?? chain[0]!;
    return label(first);
  };
  const { tasks, busyMs, wallMs } = longTasks(profile, overMs);
  const selfMs = new Map<string, number>();
  const entryMs = new Map<string, number>();
  for (const task of tasks)
    for (const s of task.samples) {
      const n = byId.get(s.node)!;
      selfMs.set(label(n), (selfMs.get(label(n)) ?? 0) + s.us / 1000);
      const e = entryOf(s.node);
      entryMs.set(e, (entryMs.get(e) ?? 0) + s.us / 1000);
    }
  const lengths = tasks.map((x) => x.ms).sort((a, b) => a - b);
  const sum = lengths.reduce((a, b) => a + b, 0);
  const q = (p: number) => lengths[Math.min(lengths.length - 1, Math.floor(p * lengths.length))] ?? 0;
  console.log(
    `profile: ${(wallMs / 1000).toFixed(1)} s wall, ${(busyMs / 1000).toFixed(1)} s busy; ` +
      `${tasks.length} busy stretches >= ${overMs} ms, ${(sum / 1000).toFixed(2)} s in them; ` +
      `p50 ${q(0.5).toFixed(0)} / p90 ${q(0.9).toFixed(0)} / max ${q(1).toFixed(0)} ms`,
  );
  const rows = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `${v.toFixed(0).padStart(8)} ms ${((v / Math.max(sum, 1e-9)) * 100).toFixed(1).padStart(5)}%  ${k}`)
      .join('\n');
  console.log(`\nin the stretches, by self time\n${rows(selfMs)}`);
  console.log(`\nin the stretches, by entry (what the loop called)\n${rows(entryMs)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
