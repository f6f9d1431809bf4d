/**
 * P4 SFU: one real VP8 publisher (ffmpeg testsrc, ~1 Mbit/s) fanned out to N consumers on ONE mediasoup worker,
 * stepping N up until loss appears. Consumers are PlainTransport consumers sending real RTP to a UDP sink in a
 * separate process (WebRTC viewers are too heavy to run by the hundred on 2 cores; the worker's per-consumer work,
 * RTP rewriting and sending, is the same; SRTP encryption is not included). Baseline, same run, same stream: a naive
 * Node relay re-sending every packet to N destinations.
 *
 *   npm run bench:sfu [-- --steps 100,200,400,600,800 --window 4]
 */
import { spawn } from 'node:child_process';
import type { types } from 'mediasoup';
import { createLogger } from '../server/infra/log.ts';
import { WorkerPool } from '../media/workerPool.ts';
import { cpuSeconds } from './lib/cpu.ts';
import { LoadProcess, onCleanup, runMain } from './lib/procs.ts';
import { percentile, printTable, progress, round, writeResult } from './lib/report.ts';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const STEPS = arg('steps', '100,200,300,400,500,600,800').split(',').map(Number).filter((n) => n > 0 && n <= 5_000);
const WINDOW_S = Math.min(30, Math.max(1, Number(arg('window', '4'))));
const LOSS_LIMIT = 0.01; // "loss appears": more than 1% of expected packets missing at the receivers
const SSRC = 22334455;

type Counts = Record<string, { packets: number; bytes: number; firstAt: number }>;
type StepRow = { system: string; consumers: number; cores: number; msPerConsumerPerS: number; lossPct: number; joinP50Ms?: number; joinP99Ms?: number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** ffmpeg testsrc encoded with libvpx, as RTP to `port` (and RTCP to `rtcpPort` when given); bounded by `seconds`. */
function ffmpegVp8(port: number, rtcpPort: number | undefined, seconds: number) {
  const url = `rtp://127.0.0.1:${port}?${rtcpPort ? `rtcpport=${rtcpPort}&` : ''}pkt_size=1200`;
  const ff = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=30', '-t', String(seconds),
    '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '1000k', '-g', '60', '-ssrc', String(SSRC), '-payload_type', '101', '-f', 'rtp', url], { stdio: 'ignore' });
  onCleanup(() => void ff.kill('SIGKILL'));
  return ff;
}

const received = (before: Counts, after: Counts, ports: Set<number>) => {
  let n = 0;
  for (const [port, c] of Object.entries(after)) if (ports.has(Number(port))) n += c.packets - (before[port]?.packets ?? 0);
  return n;
};

async function main(): Promise<void> {
  // Long enough for slow consumer set-up on a loaded box; the run's cleanup kills ffmpeg when the benchmark ends.
  const streamSeconds = 800;
  const sink = LoadProcess.start('sink', 'bench/sfu/sink.ts', {});
  onCleanup(() => sink.stop());
  const { port: sinkPort } = await sink.call<{ port: number }>('bindSink');

  // --- Hawker's SFU: one mediasoup worker, as the node runs it.
  const pool = await WorkerPool.start({ numWorkers: 1, logLevel: 'warn', listenIp: '127.0.0.1', portBase: 0, respawn: false, log: createLogger('warn') });
  onCleanup(() => pool.close());
  const workerPid = pool.workers[0]!.worker.pid;
  const { router } = await pool.createRouter();
  const input = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: true });
  const producer = await input.produce({ kind: 'video', rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }], encodings: [{ ssrc: SSRC }] } });
  ffmpegVp8(input.tuple.localPort, input.rtcpTuple!.localPort, streamSeconds);
  const producerPackets = async () => (await producer.getStats()).find((s) => s.type === 'inbound-rtp')?.packetCount ?? 0;
  const t0 = Date.now();
  while ((await producerPackets()) === 0) {
    if (Date.now() - t0 > 15_000) throw new Error('no RTP from ffmpeg within 15 s (is ffmpeg with libvpx installed? npm run setup)');
    await sleep(200);
  }

  const rows: StepRow[] = [];
  const consumerPorts = new Set<number>();
  const createdAt = new Map<number, number>();
  const transports: types.PlainTransport[] = [];
  let hawkerLossAt: number | undefined;
  for (const n of STEPS) {
    progress(`hawker: growing to ${n} consumers on one worker`);
    const stepPorts: number[] = [];
    while (transports.length < n) {
      const t = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: false });
      await t.connect({ ip: '127.0.0.1', port: sinkPort });
      createdAt.set(t.tuple.localPort, Date.now());
      await t.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities });
      transports.push(t);
      consumerPorts.add(t.tuple.localPort);
      stepPorts.push(t.tuple.localPort);
    }
    await sleep(2_000);
    // CPU is read right at the window's edges with their own clock: under load the sink's answer can come late.
    const [w0, at0] = [cpuSeconds(workerPid) ?? 0, performance.now()];
    const [c0, p0] = [await sink.call<Counts>('counts'), await producerPackets()];
    await sleep(WINDOW_S * 1000);
    const [w1, at1] = [cpuSeconds(workerPid) ?? 0, performance.now()];
    const [c1, p1] = [await sink.call<Counts>('counts'), await producerPackets()];
    const expected = (p1 - p0) * n;
    if (expected === 0) throw new Error('the publisher stopped sending (ffmpeg ended?); rerun with fewer steps');
    const lossPct = Math.max(0, 1 - received(c0, c1, consumerPorts) / expected) * 100;
    const joins = stepPorts.map((port) => (c1[port]?.firstAt ?? Number.NaN) - createdAt.get(port)!).filter(Number.isFinite);
    const cores = (w1 - w0) / ((at1 - at0) / 1000);
    rows.push({ system: 'hawker (mediasoup)', consumers: n, cores: round(cores, 2), msPerConsumerPerS: round((cores * 1000) / n, 3), lossPct: round(lossPct, 2), joinP50Ms: round(percentile(joins, 50)), joinP99Ms: round(percentile(joins, 99)) });
    progress(`hawker: ${n} consumers, ${round(cores, 2)} cores, loss ${round(lossPct, 2)}%`);
    if (lossPct > LOSS_LIMIT * 100) {
      hawkerLossAt = n;
      break;
    }
  }
  pool.close(); // frees the worker's CPU for the baseline

  // --- Baseline: a naive Node relay, same stream, same receivers.
  const relay = LoadProcess.start('naive-relay', 'bench/sfu/sink.ts', {});
  onCleanup(() => relay.stop());
  const { port: relayPort } = await relay.call<{ port: number }>('startRelay', { sinkPort });
  ffmpegVp8(relayPort, undefined, streamSeconds);
  let naiveLossAt: number | undefined;
  for (const n of STEPS) {
    progress(`naive relay: fanning out to ${n}`);
    const { ports } = await relay.call<{ ports: number[] }>('relayTo', { n });
    const portSet = new Set(ports);
    await sleep(2_000);
    const [u0, at0] = [cpuSeconds(relay.pid) ?? 0, performance.now()];
    const [c0, r0] = [await sink.call<Counts>('counts'), await relay.call<{ packetsIn: number }>('relayStats')];
    await sleep(WINDOW_S * 1000);
    const [u1, at1] = [cpuSeconds(relay.pid) ?? 0, performance.now()];
    const [c1, r1] = [await sink.call<Counts>('counts'), await relay.call<{ packetsIn: number }>('relayStats')];
    const expected = (r1.packetsIn - r0.packetsIn) * n;
    if (expected === 0) throw new Error('the baseline stream stopped (ffmpeg ended?); rerun with fewer steps');
    const lossPct = Math.max(0, 1 - received(c0, c1, portSet) / expected) * 100;
    const cores = (u1 - u0) / ((at1 - at0) / 1000);
    rows.push({ system: 'naive Node relay', consumers: n, cores: round(cores, 2), msPerConsumerPerS: round((cores * 1000) / n, 3), lossPct: round(lossPct, 2) });
    progress(`naive relay: ${n} targets, ${round(cores, 2)} cores, loss ${round(lossPct, 2)}%`);
    if (lossPct > LOSS_LIMIT * 100) {
      naiveLossAt = n;
      break;
    }
  }

  printTable('P4 SFU: one VP8 publisher (~1 Mbit/s) -> N consumers on one worker (PlainTransport receivers)', [
    ['system', 'consumers', 'cores', 'CPU ms per consumer per s', 'loss %', 'join->first packet p50 ms', 'p99 ms'],
    ...rows.map((r) => [r.system, r.consumers, r.cores, r.msPerConsumerPerS, r.lossPct, r.joinP50Ms ?? '-', r.joinP99Ms ?? '-']),
  ]);
  const lastClean = (system: string) => rows.filter((r) => r.system.startsWith(system) && r.lossPct <= LOSS_LIMIT * 100).at(-1)?.consumers ?? 0;
  const summary = {
    hawkerConsumersPerWorkerWithoutLoss: lastClean('hawker'),
    hawkerLossAppearsAt: hawkerLossAt ?? null,
    naiveTargetsWithoutLoss: lastClean('naive'),
    naiveLossAppearsAt: naiveLossAt ?? null,
    goal: '>= 500 consumers per worker',
  };
  console.log(`\n${JSON.stringify(summary)}`);
  console.log(`results: ${writeResult('sfu', { steps: STEPS, windowS: WINDOW_S, rows, summary })}`);
}

runMain('bench:sfu', main, 900);
