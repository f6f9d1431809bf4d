/**
 * A diagnostic beside a running `bench:soak`: `/healthz` on a FRESH TCP connection every 100 ms (no keep-alive), for
 * `seconds`, against the soak's node (found by its pid: `pgrep -f harness/nodeMain.ts` while the soak runs). For each
 * slow probe it prints how much of it the node's loop was stalled (the soak's stall recorder) and, from the node's
 * accept recorder (`x-probe-t0` header), how long the connection waited to be accepted and then to be read.
 *
 *   node --import tsx bench/soak/freshProbe.ts <nodePid> [seconds=60] [port]
 *
 * `port`: probe that port of the node instead of the first it listens on, e.g. its HEALTH_PORT (run the soak with
 * `--set HEALTH_PORT=<port>`): health checks on a listener of their own, not queued behind the abusers' connections.
 *
 * Why: the soak's own probe reuses one kept-alive connection, so it never sees how long a NEW connection waits in the
 * node's accept queue; a load balancer's health check or an arriving buyer does.
 */
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { acceptFile, readStalls, stalledDuring, stallFile } from './stallRecorder.ts';
import fs from 'node:fs';

const pid = Number(process.argv[2]);
const seconds = Number(process.argv[3] ?? 60);
if (!pid) throw new Error('usage: freshProbe.ts <nodePid> [seconds]');

let port = Number(process.argv[4] ?? 0);
for (let i = 0; i < 200 && !port; i++) {
  const line = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' })
    .split('\n')
    .find((l) => l.includes(`pid=${pid},`) && l.includes('127.0.0.1:'));
  if (line) port = Number(line.match(/127\.0\.0\.1:(\d+)/)?.[1]);
  else await new Promise((r) => setTimeout(r, 200));
}
if (!port) throw new Error(`no listening port for pid ${pid}`);

const records: { at: number; ms: number }[] = [];
const end = Date.now() + seconds * 1000;
while (Date.now() < end) {
  const t0 = performance.now();
  const at = Date.now();
  await new Promise<void>((resolve) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: '/healthz', agent: false, headers: { connection: 'close', 'x-probe-t0': String(at) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
      },
    );
    req.on('error', () => resolve());
    req.setTimeout(10_000, () => req.destroy());
  });
  records.push({ at, ms: performance.now() - t0 });
  const left = 100 - (performance.now() - t0);
  if (left > 0) await new Promise((r) => setTimeout(r, left));
}

const stalls = readStalls(stallFile(pid));
const sorted = records.map((r) => r.ms).sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
console.log(
  `fresh-connection probes: ${records.length}; p50 ${pct(50).toFixed(1)} / p99 ${pct(99).toFixed(1)} / max ${pct(100).toFixed(1)} ms`,
);
const slow = records.filter((r) => r.ms > 200);
const nodeStalled = slow.filter((r) => stalledDuring(stalls, r.at, r.at + r.ms) >= r.ms / 2).length;
console.log(`over 200 ms: ${slow.length}; mostly a node loop stall: ${nodeStalled}; not: ${slow.length - nodeStalled}`);
const accepts = fs
  .readFileSync(acceptFile(pid), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => l.split(' ').map(Number) as [number, number, number]);
const waits = accepts.map(([t0, acceptedAt, readAt]) => ({ t0, acceptMs: acceptedAt - t0, readMs: readAt - acceptedAt }));
console.log(
  `seen by the node: ${waits.length}; accepted more than 200 ms after the send: ${waits.filter((w) => w.acceptMs > 200).length}; ` +
    `read more than 200 ms after the accept: ${waits.filter((w) => w.readMs > 200).length}`,
);
for (const w of waits.sort((a, b) => b.acceptMs + b.readMs - (a.acceptMs + a.readMs)).slice(0, 10))
  console.log(
    `${new Date(w.t0).toISOString().slice(11, 23)}  accept wait ${w.acceptMs} ms, read wait ${w.readMs} ms, node stalled ${Math.round(
      stalledDuring(stalls, w.t0, w.t0 + w.acceptMs + w.readMs),
    )} ms`,
  );
