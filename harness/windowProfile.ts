/**
 * HAWKER_NODE_WINDOW_PROF=<dir>: CPU and sampling allocation profiles of a benchmark's node over a window the
 * benchmark marks (e.g. bench:flash-sale's race alone, without the connection storm before it or the close after).
 * The benchmark sends `{ windowProfile: 'start' }` and then `{ windowProfile: 'stop' }` over the node's IPC channel
 * (harness/nodeProcess.ts `markWindow`); the node writes `<dir>/window-<pid>-<n>.cpuprofile`, `.heapprofile` and a
 * summary `.txt` (the allocation summary of harness/allocationProfile.ts, garbage included), and answers
 * `{ windowProfile: 'written' }`.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { summarise } from './allocationProfile.ts';

/** Listens for the benchmark's window marks on the IPC channel. */
export function serveWindowProfile(dir: string, intervalBytes = 32 * 1024): void {
  let session: Session | null = null;
  let n = 0;
  process.on('message', (m: { windowProfile?: string }) => {
    if (m?.windowProfile === 'start' && !session) {
      const s = new Session();
      session = s;
      s.connect();
      void (async () => {
        await s.post('Profiler.enable');
        await s.post('Profiler.setSamplingInterval', { interval: 500 });
        await s.post('HeapProfiler.enable');
        await s.post('HeapProfiler.startSampling', {
          samplingInterval: intervalBytes,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        });
        await s.post('Profiler.start');
        process.send?.({ windowProfile: 'started' });
      })();
    } else if (m?.windowProfile === 'stop' && session) {
      const s = session;
      session = null;
      void (async () => {
        const { profile: cpu } = (await s.post('Profiler.stop')) as unknown as { profile: unknown };
        const { profile: heap } = (await s.post('HeapProfiler.stopSampling')) as unknown as {
          profile: { head: Parameters<typeof summarise>[0] };
        };
        s.disconnect();
        fs.mkdirSync(dir, { recursive: true });
        const base = path.join(dir, `window-${process.pid}-${++n}`);
        fs.writeFileSync(`${base}.cpuprofile`, JSON.stringify(cpu));
        fs.writeFileSync(`${base}.heapprofile`, JSON.stringify(heap));
        fs.writeFileSync(`${base}.txt`, summarise(heap.head));
        process.send?.({ windowProfile: 'written' });
      })();
    }
  });
}
