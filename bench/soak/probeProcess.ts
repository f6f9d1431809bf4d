/**
 * The soak's `/healthz` probe in a process of its own (bench/soak.ts, `--probe child`): nothing else runs on its event
 * loop, so a slow probe is the node's or the network's time, never the bench's own work. Commands: `start`, `stop`
 * (returns the ProbeSummary); each start begins a new series.
 */
import { serveLoad } from '../lib/procs.ts';
import { startProbe } from './probe.ts';

serveLoad<{ url: string; everyMs: number }>((init) => {
  let probe: ReturnType<typeof startProbe> | undefined;
  return {
    start() {
      probe?.stop();
      probe = startProbe(init.url, init.everyMs);
      return {};
    },
    stop() {
      if (!probe) throw new Error('probe not started');
      const summary = probe.stop();
      probe = undefined;
      return summary;
    },
    exit() {
      probe?.stop();
    },
  };
}, 3_600);
