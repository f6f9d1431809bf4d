/**
 * P4 SFU: one real VP8 publisher (ffmpeg testsrc, ~1 Mbit/s) fanned out to N consumers on ONE mediasoup worker,
 * stepping N up until loss appears; K real WebRTC viewers (headless Chromium on Hawker's viewer page) measure join →
 * first decoded frame with the worker idle, then with the ramp's last loss-free load on it.
 *
 * Everything media goes through a real Hawker node (in this process, one worker): the creator publishes over WebRTC
 * through the room's signaling (harness/webrtc.ts: werift, fed by ffmpeg), so the producer is the room's and the
 * Chromium viewers consume it like any viewer. The ramp's consumers are PlainTransport consumers of that producer on
 * the room's origin router (WebRTC viewers are too heavy to run by the hundred on 2 cores; the worker's per-consumer
 * work, RTP rewriting, SRTP encryption and sending, is the same), sending to a UDP receiver in a separate process
 * that counts per source port. With `--srtp on` (default) they are encrypted as a WebRTC viewer's are; `off` is plain
 * RTP; `both` ramps each in turn. Encryption's cost as a ratio comes from `--compare-at N`: N SRTP and N plain
 * consumers side by side, each set paused in turn. Baseline, same run, same stream: a naive Node relay re-sending
 * every packet to N destinations.
 *
 *   npm run bench:sfu [-- --steps 100,200,400,600 --window 4 --srtp on|off|both --compare-at 150 --viewers 4]
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { types } from 'mediasoup';
import type { Browser } from 'playwright-core';
import { call, connect, ok } from '../harness/clients.ts';
import { liveRoom } from '../harness/live.ts';
import { startNode, waitFor } from '../harness/node.ts';
import { spawnVp8, WebRtcPeer, type Vp8Source } from '../harness/webrtc.ts';
import { launchChromium } from '../harness/browser.ts';
import { cpuSeconds, machineBusySeconds, runQueueSeconds } from './lib/cpu.ts';
import { LoadProcess, onCleanup, runMain } from './lib/procs.ts';
import { percentile, printTable, progress, round, writeResult } from './lib/report.ts';
import { benchRedis } from './lib/setup.ts';
import { pool } from './lib/sockets.ts';
import { STAGES, stageTimes, viewersJoin, type ViewerJoin } from './sfu/viewers.ts';

const { values: opt } = parseArgs({
  options: {
    steps: { type: 'string', default: '100,200,300,400,500,600,800' },
    window: { type: 'string', default: '4' },
    srtp: { type: 'string', default: 'on' },
    'srtp-suite': { type: 'string', default: 'AEAD_AES_256_GCM' },
    'compare-at': { type: 'string', default: '150' },
    viewers: { type: 'string', default: '4' },
    'viewer-timeout': { type: 'string', default: '30' },
  },
});
const STEPS = opt.steps
  .split(',')
  .map(Number)
  .filter((n) => n > 0 && n <= 5_000);
const WINDOW_S = Math.min(30, Math.max(1, Number(opt.window)));
type Mode = 'srtp' | 'plain';
const MODES_BY_FLAG: Record<string, readonly Mode[]> = { on: ['srtp'], off: ['plain'], both: ['srtp', 'plain'] };
if (!Object.hasOwn(MODES_BY_FLAG, opt.srtp)) throw new Error('--srtp must be on, off or both');
const MODES = MODES_BY_FLAG[opt.srtp]!;
const SRTP_SUITES: readonly types.SrtpCryptoSuite[] = [
  'AEAD_AES_256_GCM',
  'AEAD_AES_128_GCM',
  'AES_CM_128_HMAC_SHA1_80',
  'AES_CM_128_HMAC_SHA1_32',
];
const SRTP_SUITE = opt['srtp-suite'] as types.SrtpCryptoSuite;
if (!SRTP_SUITES.includes(SRTP_SUITE)) throw new Error(`--srtp-suite must be one of ${SRTP_SUITES.join(', ')}`);
const COMPARE_AT = Math.min(1_000, Math.max(0, Number(opt['compare-at'])));
const COMPARE_ROUNDS = 3;
const VIEWERS = Math.min(10, Math.max(0, Number(opt.viewers)));
const VIEWER_TIMEOUT_MS = Math.min(120, Math.max(5, Number(opt['viewer-timeout']))) * 1000;
/** "Loss appears": more than 1% of what the SFU sent missing at the receivers (beyond their own socket drops), or of what the publisher sent missing at the SFU. */
const LOSS_LIMIT = 0.01;
const HARD_LIMIT_S = 1_800;
/** The publisher's stream, and the baseline's: ~1 Mbit/s, a keyframe every 2 s; ffmpeg outlives any run. */
const SOURCE: Vp8Source = { size: '640x360', bitrate: '1000k', gop: 60, seconds: HARD_LIMIT_S };
const CREATE_CONCURRENCY = 8;
const SETTLE_LIMIT_MS = 20_000;
/**
 * A worker short of CPU keeps forwarding RTP but answers its control channel later and later (tens of seconds, then
 * minutes, seen at 300-600 consumers on this shared box): past these limits the ramp records the stall as the step's
 * outcome instead of waiting for answers.
 */
const GROW_LIMIT_MS = 90_000;
const REQUEST_LIMIT_MS = 15_000;
const RECOVER_LIMIT_MS = 120_000;

/** The sink's totals: per source port, and the datagrams its socket dropped (its receive buffer full). */
type Counts = {
  sources: Record<string, { packets: number; bytes: number; firstAt: number; firstSeq: number; highestSeq: number }>;
  receiverDrops: number;
};
type StepRow = {
  system: string;
  /** Consumers (or relay targets) fully set up. */
  consumers: number;
  cores: number;
  /** Share of the window the SFU's (main) thread was runnable but waiting for a CPU: the machine starving it. */
  waitingPct: number;
  /** The receiving process's CPU: on the same 2 cores, it competes with the SFU. */
  receiverCores: number;
  /** The whole machine's busy cores (everything: this benchmark, the browsers, other people's jobs). */
  machineCores: number;
  msPerConsumerPerS: number;
  /** CPU per media packet sent to a receiver: independent of how fast the publisher happened to send. */
  usPerPacket: number;
  /** Media packets the sources sent in the window (by sequence number) that the receivers did not get. */
  lossPct: number;
  /** Of those, what the receiving socket dropped (its buffer full: the receiver starved, not the sender's fault). */
  receiverDropPct: number;
  /** Packets the worker missed from the publisher in the window (its inbound stream's sequence gaps); Hawker only. */
  upstreamLossPct?: number;
  /** Set-up (create, connect, consume: three control-channel round trips) of the step's new consumers, p99. */
  setupP99Ms?: number;
  /** Consumer set-up started → first media packet at the receiver: a keyframe's (mediasoup starts a consumer on one). */
  firstKeyframeP50Ms?: number;
  firstKeyframeP99Ms?: number;
  /** Why the ramp stopped here when it was not loss. */
  note?: string;
};
/** One ramp's consumers; `over` once the ramp has ended, so a set-up a stalled worker finishes later is undone. */
type Ramp = { transports: types.PlainTransport[]; over: boolean };
/** The side-by-side SRTP / plain comparison: worker CPU per round and mode, and the medians' ratio. */
type Comparison = {
  consumers: number;
  check: { srtpPackets: number; plainPackets: number; srtpBytesPerPacketMore: number };
  rounds: Record<Mode, { cores: number; machineCores: number; usPerPacket: number }>[];
  srtpUsPerPacket: number;
  plainUsPerPacket: number;
  ratio: number;
};
type ViewerPhase = { phase: string; consumersOnWorker: number; joins: ViewerJoin[]; keyframeRequests: number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** `p`, or undefined if it has not settled within `ms` (a saturated worker may answer minutes later, or never). */
const answered = <T>(p: Promise<T>, ms = REQUEST_LIMIT_MS) => Promise.race([p, sleep(ms).then(() => undefined)]);

/**
 * What the sources in `ports` sent between two sink snapshots (sequence numbers' progress) and what of it arrived.
 * A source with nothing at the end counts `fallback` packets sent, all missing: a consumer that got nothing lost it all.
 */
function delivery(before: Counts, after: Counts, ports: Iterable<number>, fallback: number) {
  let sent = 0;
  let arrived = 0;
  let bytes = 0;
  for (const port of ports) {
    const [b, a] = [before.sources[port], after.sources[port]];
    if (!a) {
      sent += fallback;
      continue;
    }
    sent += a.highestSeq - (b ? b.highestSeq : a.firstSeq - 1);
    arrived += a.packets - (b?.packets ?? 0);
    bytes += a.bytes - (b?.bytes ?? 0);
  }
  const pct = (n: number) => (sent > 0 ? Math.max(0, n / sent) * 100 : 0);
  return { sent, arrived, bytes, lossPct: pct(sent - arrived), receiverDropPct: pct(after.receiverDrops - before.receiverDrops) };
}

/** Whether a step lost more than the limit by the SFU's doing: receiver-socket drops are the receiver's. */
const lossy = (r: { lossPct: number; receiverDropPct: number; upstreamLossPct?: number }) =>
  r.lossPct - r.receiverDropPct > LOSS_LIMIT * 100 || (r.upstreamLossPct ?? 0) > LOSS_LIMIT * 100;

/**
 * The room's origin router and the creator's video producer, as the worker creates them. Hawker keeps both private to
 * its RoomMedia; mediasoup's observer API hands them to the benchmark without touching the server.
 */
function originProducer(worker: types.Worker): Promise<{ router: types.Router; producer: types.Producer }> {
  return new Promise((resolve) => {
    worker.observer.on('newrouter', (router) => {
      router.observer.on('newtransport', (transport) => {
        transport.observer.on('newproducer', (producer) => {
          if (producer.kind === 'video') resolve({ router, producer });
        });
      });
    });
  });
}

async function main(): Promise<void> {
  const redis = await benchRedis('sfu');
  const node = await startNode(
    // Unset (empty) means the node's default; the run reports the delay it used.
    {
      LOG_LEVEL: 'warn',
      MEDIASOUP_WORKERS: '1',
      MEDIASOUP_KEYFRAME_REQUEST_DELAY_MS: process.env.MEDIASOUP_KEYFRAME_REQUEST_DELAY_MS ?? '',
    },
    redis.url,
  );
  onCleanup(() => node.close());
  const keyFrameRequestDelayMs = node.node.ctx.config.MEDIASOUP_KEYFRAME_REQUEST_DELAY_MS;
  const { worker } = node.node.ctx.media.workers[0]!;
  const workerPid = worker.pid;
  const origin = originProducer(worker);

  // --- The creator publishes through the room, as the studio does (werift instead of a browser, ffmpeg as camera).
  const { roomId, creator } = await liveRoom(node.url, { creatorId: 'bench-creator' });
  const creatorSocket = await connect(node.url, creator);
  onCleanup(() => void creatorSocket.disconnect());
  ok(await call(creatorSocket, 'room:join', { roomId }));
  const publisher = await WebRtcPeer.open(creatorSocket, roomId);
  onCleanup(() => publisher.close()); // also kills its ffmpeg
  await publisher.publishVp8(await publisher.transport('send'), SOURCE);
  const { router, producer } = await origin;
  const inbound = async () => (await producer.getStats()).find((s) => s.type === 'inbound-rtp');
  const t0 = Date.now();
  while (((await inbound())?.packetCount ?? 0) === 0) {
    if (Date.now() - t0 > 30_000) throw new Error('no RTP from the publisher within 30 s (is ffmpeg with libvpx installed? npm run setup)');
    await sleep(200);
  }

  // The consumers' VP8 payload type: the sink counts only those packets (not RTCP, not bandwidth probes).
  const mediaPt = router.rtpCapabilities.codecs!.find((c) => c.mimeType === 'video/VP8')!.preferredPayloadType!;
  const sink = LoadProcess.start('sink', 'bench/sfu/sink.ts', {});
  onCleanup(() => sink.stop());
  const { port: sinkPort } = await sink.call<{ port: number }>('bindSink', { pt: mediaPt });

  let browser: Browser | undefined;
  if (VIEWERS > 0) {
    // Playwright's own SIGINT/SIGTERM handlers would exit before runMain's cleanups kill ffmpeg and the worker.
    browser = await launchChromium(['--autoplay-policy=no-user-gesture-required'], {
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    onCleanup(() => browser!.close());
  }
  const phases: ViewerPhase[] = [];
  const viewerPhase = async (phase: string, consumersOnWorker: number) => {
    if (!browser) return;
    progress(`${VIEWERS} Chromium viewers join (${phase})`);
    const requests = async () => {
      const s = await answered(inbound());
      return s ? s.pliCount + s.firCount : Number.NaN;
    };
    const before = await requests();
    const joins = await viewersJoin(browser, node.url, roomId, VIEWERS, `${phases.length}`, VIEWER_TIMEOUT_MS);
    phases.push({ phase, consumersOnWorker, joins, keyframeRequests: (await requests()) - before });
    const frame = stageTimes(joins, 'frame');
    progress(`viewers (${phase}): ${frame.n}/${VIEWERS} saw a frame, join → first frame p50 ${frame.p50} ms, max ${frame.max} ms`);
  };
  await viewerPhase('worker idle', 0);

  // --- Hawker's SFU: PlainTransport consumers of the room's producer on its origin router (the node's one worker).
  // The key given to connect() is the receiver's, for what it would send back: any valid one does for sending.
  const srtpKey = randomBytes(SRTP_SUITE.startsWith('AEAD_AES_256') ? 44 : SRTP_SUITE.startsWith('AEAD') ? 28 : 30).toString('base64');
  /** A consumer sending (S)RTP to the sink; its transport joins `ramp` at once, so it is closed with it. */
  const addConsumer = async (srtp: boolean, ramp: Ramp) => {
    const t = await router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
      rtcpMux: true,
      comedia: false,
      ...(srtp ? { enableSrtp: true, srtpCryptoSuite: SRTP_SUITE } : {}),
    });
    ramp.transports.push(t);
    if (ramp.over) t.close(); // connect() then throws: the set-up ends here
    await t.connect({
      ip: '127.0.0.1',
      port: sinkPort,
      ...(srtp ? { srtpParameters: { cryptoSuite: SRTP_SUITE, keyBase64: srtpKey } } : {}),
    });
    const consumer = await t.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities });
    return { port: t.tuple.localPort, consumer };
  };

  // --- SRTP vs plain RTP side by side: N consumers of each on the worker, each set paused in turn, so both see the same
  // machine (other people's jobs come and go) and the same stream. First, both sets on together check that SRTP is
  // counted right without decrypting: the same media packets arrive from both (SRTP leaves the RTP header, payload
  // type included, in clear), the SRTP ones longer by exactly the suite's authentication tag (the worker encrypts).
  const compare = async (n: number): Promise<Comparison | string> => {
    const sets: Record<Mode, Ramp> = { srtp: { transports: [], over: false }, plain: { transports: [], over: false } };
    const made: Record<Mode, { port: number; consumer: types.Consumer }[]> = { srtp: [], plain: [] };
    try {
      const created = pool(Array.from({ length: 2 * n }), CREATE_CONCURRENCY, async (_, i) => {
        const mode = i % 2 === 0 ? 'srtp' : 'plain';
        made[mode].push(await addConsumer(mode === 'srtp', sets[mode]));
      }).then(() => true);
      created.catch(() => {}); // a set-up failing after the comparison gave up on it is expected
      if (!(await answered(created, GROW_LIMIT_MS)))
        return `control channel stalled: ${made.srtp.length + made.plain.length} of ${2 * n} consumers set up in ${GROW_LIMIT_MS / 1000} s`;
      const ports = { srtp: made.srtp.map((c) => c.port), plain: made.plain.map((c) => c.port) };
      await waitFor(
        'a first keyframe at every compared consumer',
        async () => {
          const c = await sink.call<Counts>('counts');
          return [...ports.srtp, ...ports.plain].every((port) => c.sources[port]);
        },
        SETTLE_LIMIT_MS,
        200,
      );
      const c0 = await sink.call<Counts>('counts');
      await sleep(2_000);
      const c1 = await sink.call<Counts>('counts');
      const [enc, plain] = [delivery(c0, c1, ports.srtp, 0), delivery(c0, c1, ports.plain, 0)];
      const check = {
        srtpPackets: enc.arrived,
        plainPackets: plain.arrived,
        srtpBytesPerPacketMore: round(enc.bytes / enc.arrived - plain.bytes / plain.arrived, 2),
      };
      progress(`SRTP check: ${JSON.stringify(check)}`);
      const rounds: Comparison['rounds'] = [];
      for (let r = 0; r < COMPARE_ROUNDS; r++) {
        const result: Partial<Comparison['rounds'][number]> = {};
        for (const [on, off] of [
          ['srtp', 'plain'],
          ['plain', 'srtp'],
        ] as const) {
          const switched = Promise.all([...made[off].map((c) => c.consumer.pause()), ...made[on].map((c) => c.consumer.resume())]);
          if (!(await answered(switched)))
            return `control channel stalled: pausing and resuming ${2 * n} consumers took over ${REQUEST_LIMIT_MS / 1000} s`;
          await sleep(2_500); // resumed consumers wait for the next keyframe (every 2 s)
          const [w0, b0, at0, s0] = [
            cpuSeconds(workerPid) ?? 0,
            machineBusySeconds(),
            performance.now(),
            await sink.call<Counts>('counts'),
          ];
          await sleep(WINDOW_S * 1000);
          const [w1, b1, at1, s1] = [
            cpuSeconds(workerPid) ?? 0,
            machineBusySeconds(),
            performance.now(),
            await sink.call<Counts>('counts'),
          ];
          const sent = delivery(s0, s1, ports[on], 0).sent;
          const wall = (at1 - at0) / 1000;
          result[on] = {
            cores: round((w1 - w0) / wall, 3),
            machineCores: round((b1 - b0) / wall, 2),
            usPerPacket: round(((w1 - w0) * 1e6) / sent, 1),
          };
        }
        rounds.push(result as Comparison['rounds'][number]);
        progress(`SRTP vs plain, round ${r + 1}: ${JSON.stringify(result)}`);
      }
      const median = (mode: Mode) =>
        percentile(
          rounds.map((x) => x[mode].usPerPacket),
          50,
        );
      return {
        consumers: n,
        check,
        rounds,
        srtpUsPerPacket: median('srtp'),
        plainUsPerPacket: median('plain'),
        ratio: round(median('srtp') / median('plain'), 2),
      };
    } finally {
      for (const set of Object.values(sets)) {
        set.over = true;
        for (const t of set.transports) t.close();
      }
    }
  };
  let comparison: Comparison | undefined;
  if (COMPARE_AT > 0) {
    progress(`SRTP vs plain: ${COMPARE_AT} consumers of each`);
    const outcome = await compare(COMPARE_AT);
    if (typeof outcome === 'string') progress(`SRTP vs plain skipped: ${outcome}`);
    else comparison = outcome;
    if (!(await answered(worker.getResourceUsage(), RECOVER_LIMIT_MS)))
      throw new Error(`the worker does not answer ${RECOVER_LIMIT_MS / 1000} s after the comparison`);
  }

  const rows: StepRow[] = [];
  const lossAt: Record<string, number | null> = {};
  for (const [m, mode] of MODES.entries()) {
    const srtp = mode === 'srtp';
    const system = srtp ? `hawker, SRTP ${SRTP_SUITE}` : 'hawker, plain RTP';
    const ramp: Ramp = { transports: [], over: false };
    /** Consumers fully set up, by the source port they send from: when their set-up started and how long it took. */
    const ready = new Map<number, { startedAt: number; setupMs: number }>();
    await sink.call('reset'); // OS ports may be reused by the next ramp's transports
    lossAt[mode] = null;
    for (const n of STEPS) {
      progress(`${system}: growing to ${n} consumers on one worker`);
      const stepPorts: number[] = [];
      const grown = pool(Array.from({ length: Math.max(0, n - ready.size) }), CREATE_CONCURRENCY, async () => {
        const startedAt = Date.now();
        const { port } = await addConsumer(srtp, ramp);
        ready.set(port, { startedAt, setupMs: Date.now() - startedAt });
        stepPorts.push(port);
      }).then(() => 'grown' as const);
      grown.catch(() => {}); // a set-up failing after the ramp gave up on it is expected; before, answered() rethrows
      const growth = (await answered(grown, GROW_LIMIT_MS)) ?? 'stalled';
      if (growth === 'grown') {
        // A consumer starts on a keyframe, every 2 s from ffmpeg (less often when the box starves it): let them all
        // get one before the window opens. One that has not within the limit counts as losing everything.
        await waitFor(
          'a first keyframe at every consumer',
          async () => {
            const c = await sink.call<Counts>('counts');
            return [...ready.keys()].every((port) => c.sources[port]);
          },
          SETTLE_LIMIT_MS,
          200,
        ).catch(() => progress(`${system}: some consumers still without a keyframe after ${SETTLE_LIMIT_MS} ms`));
        await sleep(1_000);
      }
      // CPU is read right at the window's edges with their own clock: under load the sink's answer can come late.
      const [w0, q0, r0, b0, at0] = [
        cpuSeconds(workerPid) ?? 0,
        runQueueSeconds(workerPid) ?? 0,
        cpuSeconds(sink.pid) ?? 0,
        machineBusySeconds(),
        performance.now(),
      ];
      const [c0, p0] = [await sink.call<Counts>('counts'), growth === 'grown' ? await answered(inbound()) : undefined];
      await sleep(WINDOW_S * 1000);
      const [w1, q1, r1, b1, at1] = [
        cpuSeconds(workerPid) ?? 0,
        runQueueSeconds(workerPid) ?? 0,
        cpuSeconds(sink.pid) ?? 0,
        machineBusySeconds(),
        performance.now(),
      ];
      const [c1, p1] = [await sink.call<Counts>('counts'), p0 ? await answered(inbound()) : undefined];
      const producerPackets = p0 && p1 ? p1.packetCount - p0.packetCount : undefined;
      if (producerPackets === 0) throw new Error('the publisher stopped sending (ffmpeg ended?); rerun with fewer steps');
      const sent = delivery(c0, c1, ready.keys(), producerPackets ?? 0);
      const upstreamLost = p0 && p1 ? p1.packetsLost - p0.packetsLost : undefined;
      const upstreamLossPct = upstreamLost !== undefined ? (upstreamLost / (producerPackets! + upstreamLost)) * 100 : undefined;
      const joins = stepPorts.map((port) => (c1.sources[port]?.firstAt ?? Number.NaN) - ready.get(port)!.startedAt).filter(Number.isFinite);
      const cores = (w1 - w0) / ((at1 - at0) / 1000);
      const note =
        growth === 'stalled'
          ? `control channel stalled: ${ready.size} of ${n} consumers set up in ${GROW_LIMIT_MS / 1000} s`
          : !p1
            ? `control channel stalled: producer stats unanswered for ${REQUEST_LIMIT_MS / 1000} s`
            : undefined;
      rows.push({
        system,
        consumers: ready.size,
        cores: round(cores, 2),
        waitingPct: round(((q1 - q0) / ((at1 - at0) / 1000)) * 100),
        receiverCores: round((r1 - r0) / ((at1 - at0) / 1000), 2),
        machineCores: round((b1 - b0) / ((at1 - at0) / 1000), 2),
        msPerConsumerPerS: ready.size > 0 ? round((cores * 1000) / ready.size, 3) : Number.NaN,
        usPerPacket: sent.sent > 0 ? round(((w1 - w0) * 1e6) / sent.sent, 1) : Number.NaN,
        lossPct: round(sent.lossPct, 2),
        receiverDropPct: round(sent.receiverDropPct, 2),
        ...(upstreamLossPct !== undefined ? { upstreamLossPct: round(upstreamLossPct, 2) } : {}),
        setupP99Ms: round(
          percentile(
            stepPorts.map((port) => ready.get(port)!.setupMs),
            99,
          ),
        ),
        firstKeyframeP50Ms: round(percentile(joins, 50)),
        firstKeyframeP99Ms: round(percentile(joins, 99)),
        ...(note ? { note } : {}),
      });
      const row = rows.at(-1)!;
      progress(
        `${system}: ${row.consumers} consumers, ${row.cores} cores, loss ${row.lossPct}% (receiver drops ${row.receiverDropPct}%, publisher->worker ${row.upstreamLossPct ?? '?'}%)${note ? `; ${note}` : ''}`,
      );
      if (note || lossy(row)) {
        lossAt[mode] = n;
        break;
      }
    }
    // Viewers joining a loaded worker: back to the ramp's last step without loss (a saturated worker answers no one,
    // which the step's row already says), then K browsers join on top of it.
    ramp.over = true; // set-ups a stalled worker finishes from now on are undone as they complete
    const keep = rows.filter((r) => r.system === system && !r.note && !lossy(r)).at(-1)?.consumers ?? 0;
    if (m === 0 && keep > 0) {
      for (const t of ramp.transports.slice(keep)) {
        t.close();
        ready.delete(t.tuple.localPort);
      }
      if (await answered(worker.getResourceUsage(), RECOVER_LIMIT_MS)) {
        await sleep(2_000);
        await viewerPhase(`${keep} ${srtp ? 'SRTP' : 'plain'} consumers (last step without loss)`, keep);
      } else
        progress(`the worker still does not answer ${RECOVER_LIMIT_MS / 1000} s after shrinking to ${keep} consumers; no viewers join`);
    }
    for (const t of ramp.transports) t.close();
    // The closes queue behind whatever backlog the worker has; the next ramp needs it answering again.
    if (m < MODES.length - 1 && !(await answered(worker.getResourceUsage(), RECOVER_LIMIT_MS))) {
      progress(`the worker still does not answer ${RECOVER_LIMIT_MS / 1000} s after the ramp; skipping the next one`);
      break;
    }
  }
  // Free the worker's and the publisher's CPU for the baseline.
  await browser?.close();
  publisher.close();
  await node.close();

  // --- Baseline: a naive Node relay, same stream, same receivers.
  await sink.call('reset');
  const relay = LoadProcess.start('naive-relay', 'bench/sfu/sink.ts', {});
  onCleanup(() => relay.stop());
  const { port: relayPort } = await relay.call<{ port: number }>('startRelay', { sinkPort });
  const ff = spawnVp8(relayPort, { ...SOURCE, payloadType: mediaPt });
  onCleanup(() => void ff.kill('SIGKILL'));
  lossAt.naive = null;
  for (const n of STEPS) {
    progress(`naive relay: fanning out to ${n}`);
    const { ports } = await relay.call<{ ports: number[] }>('relayTo', { n });
    await sleep(2_000);
    const [u0, q0, s0, b0, at0] = [
      cpuSeconds(relay.pid) ?? 0,
      runQueueSeconds(relay.pid) ?? 0,
      cpuSeconds(sink.pid) ?? 0,
      machineBusySeconds(),
      performance.now(),
    ];
    const [c0, r0] = [await sink.call<Counts>('counts'), await relay.call<{ packetsIn: number }>('relayStats')];
    await sleep(WINDOW_S * 1000);
    const [u1, q1, s1, b1, at1] = [
      cpuSeconds(relay.pid) ?? 0,
      runQueueSeconds(relay.pid) ?? 0,
      cpuSeconds(sink.pid) ?? 0,
      machineBusySeconds(),
      performance.now(),
    ];
    const [c1, r1] = [await sink.call<Counts>('counts'), await relay.call<{ packetsIn: number }>('relayStats')];
    const relayed = r1.packetsIn - r0.packetsIn;
    if (relayed === 0) throw new Error('the baseline stream stopped (ffmpeg ended?); rerun with fewer steps');
    // The relay keeps ffmpeg's sequence numbers, so what it failed to read shows up as gaps at every receiver too.
    const { lossPct, receiverDropPct, sent } = delivery(c0, c1, ports, relayed);
    const cores = (u1 - u0) / ((at1 - at0) / 1000);
    const row: StepRow = {
      system: 'naive Node relay',
      consumers: n,
      cores: round(cores, 2),
      waitingPct: round(((q1 - q0) / ((at1 - at0) / 1000)) * 100),
      receiverCores: round((s1 - s0) / ((at1 - at0) / 1000), 2),
      machineCores: round((b1 - b0) / ((at1 - at0) / 1000), 2),
      msPerConsumerPerS: round((cores * 1000) / n, 3),
      usPerPacket: round(((u1 - u0) * 1e6) / sent, 1),
      lossPct: round(lossPct, 2),
      receiverDropPct: round(receiverDropPct, 2),
    };
    rows.push(row);
    progress(`naive relay: ${n} targets, ${row.cores} cores, loss ${row.lossPct}% (receiver drops ${row.receiverDropPct}%)`);
    if (lossy(row)) {
      lossAt.naive = n;
      break;
    }
  }

  printTable(`P4 SFU: one VP8 publisher (~1 Mbit/s) -> N consumers on one worker (PlainTransport receivers)`, [
    [
      'system',
      'consumers',
      'cores',
      'waiting for CPU %',
      'receiver cores',
      'machine busy cores',
      'CPU ms per consumer per s',
      'CPU µs per packet sent',
      'loss %',
      'of which receiver drops %',
      'publisher->worker loss %',
      'set-up p99 ms',
      'join->first keyframe p50 ms',
      'p99 ms',
    ],
    ...rows.map((r) => [
      r.system,
      r.consumers,
      r.cores,
      r.waitingPct,
      r.receiverCores,
      r.machineCores,
      r.msPerConsumerPerS,
      r.usPerPacket,
      r.lossPct,
      r.receiverDropPct,
      r.upstreamLossPct ?? '-',
      r.setupP99Ms ?? '-',
      r.firstKeyframeP50Ms ?? '-',
      r.firstKeyframeP99Ms ?? '-',
    ]),
  ]);
  for (const r of rows) if (r.note) console.log(`${r.system} at ${r.consumers}: ${r.note}`);
  const clean = (r: StepRow) => !r.note && !lossy(r);
  if (comparison) {
    const { check } = comparison;
    console.log(
      `\nSRTP check (${COMPARE_AT} SRTP and ${COMPARE_AT} plain consumers, same 2 s): ${check.srtpPackets} vs ${check.plainPackets} media packets counted, ` +
        `SRTP packets ${check.srtpBytesPerPacketMore} bytes longer (the ${SRTP_SUITE} tag)`,
    );
    printTable(
      `SRTP (${SRTP_SUITE}) vs plain RTP side by side: ${COMPARE_AT} consumers of each, one set paused in turn (${WINDOW_S} s windows)`,
      [
        [
          'round',
          'SRTP worker cores',
          'plain worker cores',
          'machine busy cores (SRTP / plain window)',
          'SRTP µs per packet sent',
          'plain µs per packet sent',
          'SRTP / plain',
        ],
        ...comparison.rounds.map((r, i) => [
          i + 1,
          r.srtp.cores,
          r.plain.cores,
          `${r.srtp.machineCores} / ${r.plain.machineCores}`,
          r.srtp.usPerPacket,
          r.plain.usPerPacket,
          round(r.srtp.usPerPacket / r.plain.usPerPacket, 2),
        ]),
        ['median', '', '', '', comparison.srtpUsPerPacket, comparison.plainUsPerPacket, comparison.ratio],
      ],
    );
  }
  const cell = (t: { p50: number; max: number }) => (Number.isFinite(t.p50) ? `${t.p50} / ${t.max}` : '-');
  if (phases.length > 0) {
    printTable(
      `Join -> first decoded frame, ${VIEWERS} Chromium viewers at once on /room (ms from the join's start, p50 / max; keyframe request delay ${keyFrameRequestDelayMs} ms)`,
      [
        [
          'phase',
          'first frame',
          'page -> join start',
          ...STAGES.map((s) => `-> ${s}`),
          'decoded (getStats)',
          'keyframe requests to publisher',
        ],
        ...phases.map((p) => [
          p.phase,
          `${stageTimes(p.joins, 'frame').n}/${p.joins.length}`,
          cell(stageTimes(p.joins, 'connect', 'navigation')),
          ...STAGES.map((s) => cell(stageTimes(p.joins, s))),
          cell(stageTimes(p.joins, 'decoded')),
          p.keyframeRequests,
        ]),
      ],
    );
    for (const p of phases) for (const j of p.joins) if (j.error) progress(`viewer (${p.phase}): ${j.error}`);
  }
  const lastClean = (prefix: string) => rows.filter((r) => r.system.startsWith(prefix) && clean(r)).at(-1)?.consumers ?? 0;
  const summary = {
    srtpSuite: SRTP_SUITE,
    srtpCheck: comparison?.check ?? null,
    viewerSrtpCiphers: [...new Set(phases.flatMap((p) => p.joins.flatMap((j) => (j.srtpCipher ? [j.srtpCipher] : []))))],
    keyFrameRequestDelayMs,
    hawkerSrtpConsumersPerWorkerWithoutLoss: MODES.includes('srtp') ? lastClean('hawker, SRTP') : null,
    hawkerSrtpLossAppearsAt: lossAt.srtp ?? null,
    hawkerPlainConsumersPerWorkerWithoutLoss: MODES.includes('plain') ? lastClean('hawker, plain') : null,
    hawkerPlainLossAppearsAt: lossAt.plain ?? null,
    srtpCpuPerPacketRatio: comparison?.ratio ?? null,
    naiveTargetsWithoutLoss: lastClean('naive'),
    naiveLossAppearsAt: lossAt.naive ?? null,
    joinToFirstFrameMs: phases.map((p) => ({ phase: p.phase, ...stageTimes(p.joins, 'frame') })),
    goal: '>= 500 consumers per worker',
  };
  console.log(`\n${JSON.stringify(summary)}`);
  console.log(
    `results: ${writeResult('sfu', { steps: STEPS, windowS: WINDOW_S, modes: MODES, source: SOURCE, rows, comparison, viewerPhases: phases, summary })}`,
  );
}

runMain('bench:sfu', main, HARD_LIMIT_S);
