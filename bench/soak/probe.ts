/**
 * The soak's `/healthz` probe (bench/soak.ts): one real HTTP request to the node every `everyMs`, through Node's fetch
 * (undici, keep-alive), and where each probe's time went, from undici's diagnostics channels:
 *
 * - `connectMs`: the probe opened a new TCP connection (the previous one was closed) and the connect took this long
 *   (SYN to established: a SYN the kernel dropped, e.g. on a full accept queue, is retransmitted after 1, 3, 7 s);
 * - `queuedMs`: from the request's creation to its headers leaving (connect included);
 * - `waitMs`: from the headers leaving to the answer's headers (the node's own time, its event loop included);
 * - this process's own event-loop delay (a probe whose process was busy measures the prober, not the node).
 *
 * Closed connections are counted by who closed them (`end` from the node = the node closed it).
 */
import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { stalledDuring, watchStalls } from './stallRecorder.ts';

/** One probe: when it started (ms since the probe's start), how long it took (Infinity = failed), and why. */
export interface ProbeRecord {
  atMs: number;
  /** When it started, wall clock (epoch ms): to line it up with the node's stalls. */
  startEpochMs: number;
  ms: number;
  /** The request went out on a connection it opened (not a kept-alive one). */
  newConnection: boolean;
  /** Connect time of that new connection (ms), if any. */
  connectMs?: number;
  /** Request created → headers written (connect and the pool's queue included). */
  queuedMs?: number;
  /** Headers written → response headers received. */
  waitMs?: number;
  /** Why it failed. */
  failure?: string;
  /**
   * How long this process's own event loop was stalled while the probe was in flight (ms, stalls over 20 ms, summed):
   * time the answer may have sat unread in this process, not the node's.
   */
  ownStallMs: number;
}

/** How the probe's connections ended, and this process's own loop delay over the probe's life. */
export interface ProbeSummary {
  records: ProbeRecord[];
  connectionsOpened: number;
  /** The node ended the connection unannounced (a FIN from its side before the client let go). */
  closedByServer: number;
  /**
   * The client let the connection go: the answer said `Connection: close`, or undici's keep-alive time (the node's
   * `Keep-Alive: timeout` less a margin) ran out while idle.
   */
  closedByClient: number;
  /** Closed by an error (ECONNRESET and the like), not the client's own idle close. */
  closedByError: number;
  /** Those errors by code. */
  closeErrors: Record<string, number>;
  loopDelay: { p50Ms: number; p99Ms: number; maxMs: number };
}

interface Pending {
  created: number;
  headersSent?: number;
  headers?: number;
  socket?: Socket;
}

/** Sockets a probe has used before, in any series of this process (the abuse's probes reuse the baseline's connection). */
const known = new WeakSet<Socket>();

/**
 * Starts probing `url`/healthz every `everyMs` (`onRecord` is told of each probe as it ends); `stop()` ends it and
 * returns every probe's record. Only this module's
 * requests to `/healthz` are followed in the diagnostics channels (others in the same process are ignored).
 */
export function startProbe(url: string, everyMs: number, onRecord?: (r: ProbeRecord) => void): { stop(): ProbeSummary } {
  const origin = new URL(url).origin;
  const records: ProbeRecord[] = [];
  let current: Pending | undefined;
  let currentRequest: object | undefined;
  let connectionsOpened = 0;
  let closedByServer = 0;
  let closedByError = 0;
  let closedByClient = 0;
  const closeErrors: Record<string, number> = {};
  /** When undici began connecting to each host:port (its connect messages carry no origin and are new objects each). */
  const connectStarts = new Map<string, number>();
  let lastConnectMs: number | undefined;

  // undici gives origins as strings or URLs ('http://host:port/' once stringified): compare the parsed origin.
  const originOf = (o: unknown) => {
    try {
      return new URL(String(o)).origin;
    } catch {
      return undefined;
    }
  };
  const isProbe = (request: { origin?: unknown; path?: unknown }) =>
    originOf(request.origin) === origin && typeof request.path === 'string' && request.path.startsWith('/healthz');
  const onCreate = (m: unknown) => {
    const { request } = m as { request: { origin?: unknown; path?: unknown } };
    if (!isProbe(request) || !current) return;
    currentRequest = request;
  };
  type ConnectParams = { protocol?: string; host?: string };
  const connectOrigin = (c: ConnectParams) => originOf(`${c.protocol ?? 'http:'}//${c.host ?? ''}`);
  const onBeforeConnect = (m: unknown) => {
    const { connectParams } = m as { connectParams: ConnectParams };
    const o = connectOrigin(connectParams);
    if (o === origin) connectStarts.set(o, performance.now());
  };
  const onConnected = (m: unknown) => {
    const { connectParams, socket } = m as { connectParams: ConnectParams; socket: Socket };
    if (connectOrigin(connectParams) !== origin) return;
    const start = connectStarts.get(origin);
    connectStarts.delete(origin);
    connectionsOpened++;
    lastConnectMs = start === undefined ? undefined : performance.now() - start;
    let ended = false;
    let error: (Error & { code?: string }) | undefined;
    socket.once('end', () => void (ended = true));
    socket.once('error', (e: Error) => void (error = e));
    socket.once('close', () => {
      // undici destroys a socket the node ended with an error of its own (the FIN seen first says who closed it), and
      // one it let go itself with an InformationalError (UND_ERR_INFO: 'reset' after an answer that said Connection:
      // close, 'socket idle timeout' when its keep-alive time, under the node's, ran out).
      if (ended) closedByServer++;
      else if (error?.code === 'UND_ERR_INFO') closedByClient++;
      else if (error) {
        closedByError++;
        closeErrors[error.code ?? error.message] = (closeErrors[error.code ?? error.message] ?? 0) + 1;
      }
    });
  };
  const onSendHeaders = (m: unknown) => {
    const { request, socket } = m as { request: object; socket: Socket };
    if (request !== currentRequest || !current) return;
    current.headersSent = performance.now();
    current.socket = socket;
  };
  const onHeaders = (m: unknown) => {
    const { request } = m as { request: object };
    if (request !== currentRequest || !current) return;
    current.headers = performance.now();
  };
  const subs: [string, (m: unknown) => void][] = [
    ['undici:request:create', onCreate],
    ['undici:client:beforeConnect', onBeforeConnect],
    ['undici:client:connected', onConnected],
    ['undici:client:sendHeaders', onSendHeaders],
    ['undici:request:headers', onHeaders],
  ];
  for (const [name, fn] of subs) diagnostics.subscribe(name, fn);

  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  // This process's stalls (a 10 ms timer firing late by over 20 ms), kept to tell each probe how much of its time was
  // this process's own: [end, length] pairs, bounded (old ones dropped as probes pass them).
  const stalls: [number, number][] = [];
  const ticker = watchStalls((end, late) => {
    stalls.push([end, late]);
    if (stalls.length > 10_000) stalls.splice(0, 5_000);
  });
  const t0 = performance.now();
  let running = true;
  void (async () => {
    while (running) {
      const start = performance.now();
      current = { created: start };
      currentRequest = undefined;
      lastConnectMs = undefined;
      const record: ProbeRecord = {
        atMs: start - t0,
        startEpochMs: performance.timeOrigin + start,
        ms: Number.POSITIVE_INFINITY,
        newConnection: false,
        ownStallMs: 0,
      };
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        if (res.ok) record.ms = performance.now() - start;
        else record.failure = `HTTP ${res.status}`;
      } catch (err) {
        const e = err as Error & { cause?: { code?: string; message?: string } };
        record.failure = `${e.name}: ${e.cause?.code ?? e.cause?.message ?? e.message} after ${Math.round(performance.now() - start)} ms`;
      }
      const end = performance.now();
      // One turn more, so a stall that held the answer but ended inside the same turn is recorded by the ticker first.
      await new Promise((r) => setTimeout(r, 0));
      record.ownStallMs = stalledDuring(stalls, start, Math.max(end, performance.now()));
      const p = current;
      if (p.socket) {
        record.newConnection = !known.has(p.socket);
        known.add(p.socket);
      }
      if (record.newConnection && lastConnectMs !== undefined) record.connectMs = lastConnectMs;
      if (p.headersSent !== undefined) record.queuedMs = p.headersSent - p.created;
      if (p.headersSent !== undefined && p.headers !== undefined) record.waitMs = p.headers - p.headersSent;
      records.push(record);
      onRecord?.(record);
      current = undefined;
      const left = everyMs - (performance.now() - start);
      if (left > 0) await new Promise((r) => setTimeout(r, left));
    }
  })();
  return {
    stop() {
      running = false;
      loop.disable();
      clearInterval(ticker);
      for (const [name, fn] of subs) diagnostics.unsubscribe(name, fn);
      return {
        records,
        connectionsOpened,
        closedByServer,
        closedByError,
        closeErrors,
        closedByClient,
        loopDelay: { p50Ms: loop.percentile(50) / 1e6, p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6 },
      };
    },
  };
}

/** Probes a URL from wherever it runs: this process, or a child of its own (`bench/soak/probeProcess.ts`). */
export interface Prober {
  start(): Promise<void>;
  stop(): Promise<ProbeSummary>;
}

/** The probe in the calling process: its loop is shared with whatever else that process does. */
export function inProcessProber(url: string, everyMs: number): Prober {
  let probe: { stop(): ProbeSummary } | undefined;
  return {
    async start() {
      probe = startProbe(url, everyMs);
    },
    async stop() {
      if (!probe) throw new Error('probe not started');
      const summary = probe.stop();
      probe = undefined;
      return summary;
    },
  };
}
