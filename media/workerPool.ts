import { EventEmitter } from 'node:events';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { ROOM_MEDIA_CODECS } from './codecs.ts';
import { MediaError } from './errors.ts';

/** How the pool starts its workers. Mirrors the MEDIASOUP_* configuration variables. */
export interface WorkerPoolOptions {
  numWorkers: number;
  logLevel: types.WorkerLogLevel;
  listenIp: string;
  announcedAddress?: string | undefined;
  /** Worker i's WebRtcServer binds UDP+TCP on portBase + i; 0 lets the OS pick (tests, several nodes on one host). */
  portBase: number;
  /** Spawn a replacement when a worker dies. */
  respawn: boolean;
  /**
   * How long a request to a worker may take before the caller is answered UNAVAILABLE (mediasoup's channel has no
   * timeout of its own: a stopped or starved worker would leave the request, and the client's ack, pending forever).
   * Default 10 s.
   */
  requestTimeoutMs?: number;
  log: Logger;
}

/** One worker and the per-worker state the pool tracks. */
export interface PooledWorker {
  readonly index: number;
  readonly worker: types.Worker;
  readonly webRtcServer: types.WebRtcServer;
  /** Routers on this worker, for least-loaded placement. Routers remove themselves on close. */
  readonly routers: Set<types.Router>;
  /**
   * Requests to this worker that ran past the deadline and have not been answered yet (`WorkerPool.request`). While
   * above 0 the worker is presumed stalled: no new router is placed on it and room media sends no new viewer to it.
   */
  stalled: number;
  /** Consumers being created on this worker right now, across rooms (they count towards its cap before they exist). */
  consuming: number;
}

/** Health of the pool as /readyz reports it. */
export interface WorkerPoolHealth {
  ok: boolean;
  expected: number;
  alive: number;
  workers: { index: number; pid: number; routers: number }[];
}

export interface WorkerPoolEvents {
  /** A worker died; every router on it is gone. Rooms listening here tell their clients to reconnect media. */
  workerdied: [index: number, routers: types.Router[]];
  workerreplaced: [PooledWorker];
}

/**
 * Owns the mediasoup workers: one per core by default, each with a WebRtcServer (one UDP and one TCP port per worker,
 * not per transport, so firewalls and NAT need few rules). A worker that dies is logged and replaced. `close()` is
 * idempotent and closes every worker, which in mediasoup cascades to its routers, transports, producers and consumers.
 */
export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  private readonly slots: (PooledWorker | undefined)[];
  private closed = false;
  private shuttingDown = false;

  private constructor(private readonly opts: WorkerPoolOptions) {
    super();
    this.slots = new Array(opts.numWorkers).fill(undefined);
  }

  /** Starts all workers; rejects (after closing the ones started) if any cannot start. */
  static async start(opts: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(opts);
    try {
      await Promise.all(pool.slots.map((_, i) => pool.spawn(i)));
    } catch (err) {
      pool.close();
      throw err;
    }
    opts.log.info({ workers: opts.numWorkers, pids: pool.workers.map((w) => w.worker.pid) }, 'mediasoup workers started');
    return pool;
  }

  /** Live workers, in index order. */
  get workers(): PooledWorker[] {
    return this.slots.filter((w): w is PooledWorker => w !== undefined);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Creates a router with Hawker's codecs on the least-loaded responsive worker not in `exclude` (any responsive
   * worker if every one is excluded). Load is `load(worker)` when given (room media passes consumers per worker), then
   * the number of routers; ties go to the lowest index. A stalled worker (see `request`) is never chosen; if every
   * worker is stalled this refuses (UNAVAILABLE) rather than queue behind them.
   */
  async createRouter(
    appData: types.AppData = {},
    opts: { exclude?: ReadonlySet<PooledWorker>; load?: (w: PooledWorker) => number } = {},
  ): Promise<{ router: types.Router; pooled: PooledWorker }> {
    const responsive = this.workers.filter((w) => w.stalled === 0);
    const candidates = responsive.filter((w) => !opts.exclude?.has(w));
    const load = (w: PooledWorker): [number, number] => [opts.load?.(w) ?? 0, w.routers.size];
    const pooled = (candidates.length > 0 ? candidates : responsive).reduce<PooledWorker | undefined>((best, w) => {
      if (best === undefined) return w;
      const [a, b] = [load(w), load(best)];
      return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]) ? w : best;
    }, undefined);
    if (!pooled) {
      if (this.workers.length > 0) throw MediaError.unavailable('Every media worker is busy or not answering; retry shortly');
      throw new Error('no live mediasoup worker');
    }
    const router = await this.request(
      pooled,
      'createRouter',
      pooled.worker.createRouter({ mediaCodecs: ROOM_MEDIA_CODECS, appData }),
      (late) => late.close(),
    );
    pooled.routers.add(router);
    // A dying worker closes its routers before emitting 'died'; keep them in the set so onDied can report them.
    router.observer.once('close', () => {
      if (!pooled.worker.died) pooled.routers.delete(router);
    });
    return { router, pooled };
  }

  /**
   * Awaits `work`, a request to worker `w`, for at most `requestTimeoutMs`. Past it the caller gets UNAVAILABLE and
   * the worker counts as stalled until the request is answered; what the answer then creates is handed to `late`
   * (close it: nobody holds it), and a late failure is only logged. mediasoup requests have no timeout of their own, so
   * without this a stopped worker (SIGSTOP, a debugger) or one starved of CPU would leave clients' acks pending forever.
   */
  request<T>(w: PooledWorker, what: string, work: Promise<T>, late?: (value: T) => void): Promise<T> {
    const ms = this.opts.requestTimeoutMs ?? 10_000;
    return new Promise<T>((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        w.stalled += 1;
        this.opts.log.warn({ worker: w.index, pid: w.worker.pid, what, timeoutMs: ms }, 'mediasoup worker did not answer in time');
        reject(MediaError.unavailable(`${what}: the media server did not answer within ${ms} ms; retry shortly`));
      }, ms);
      work.then(
        (value) => {
          if (!timedOut) {
            clearTimeout(timer);
            resolve(value);
            return;
          }
          w.stalled -= 1;
          this.opts.log.warn({ worker: w.index, what }, 'mediasoup worker answered after the deadline; closing what it created');
          late?.(value);
        },
        (err: unknown) => {
          if (!timedOut) {
            clearTimeout(timer);
            reject(err);
            return;
          }
          w.stalled -= 1;
          this.opts.log.warn({ worker: w.index, what, err: (err as Error).message }, 'mediasoup request failed after its deadline');
        },
      );
    });
  }

  health(): WorkerPoolHealth {
    const workers = this.workers
      .filter((w) => !w.worker.closed && !w.worker.died)
      .map((w) => ({ index: w.index, pid: w.worker.pid, routers: w.routers.size }));
    return { ok: !this.closed && workers.length === this.opts.numWorkers, expected: this.opts.numWorkers, alive: workers.length, workers };
  }

  /**
   * The node is stopping: from now on a worker that exits is expected, not a death (logged at info, not replaced, no
   * `workerdied`). The workers share the node's process group, so the SIGINT of a terminal's Ctrl-C (or a service
   * manager's SIGTERM to the group) reaches them along with the node, and they close themselves while the node is still
   * closing its rooms. Called first thing by the node's close(); `close()` implies it.
   */
  beginShutdown(): void {
    this.shuttingDown = true;
  }

  /** Closes every worker (cascading to routers and below). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.shuttingDown = true;
    for (const w of this.workers) w.worker.close();
    this.slots.fill(undefined);
    this.removeAllListeners();
  }

  private async spawn(index: number): Promise<PooledWorker> {
    let worker: types.Worker;
    try {
      worker = await mediasoup.createWorker({ logLevel: this.opts.logLevel, appData: { index } });
    } catch (err) {
      throw new Error(
        `mediasoup worker failed to start (${(err as Error).message}); run \`npm run setup\` to build it (binary: ${mediasoup.workerBin})`,
        { cause: err },
      );
    }
    const listen = (protocol: 'udp' | 'tcp'): types.TransportListenInfo => ({
      protocol,
      ip: this.opts.listenIp,
      ...(this.opts.announcedAddress ? { announcedAddress: this.opts.announcedAddress } : {}),
      ...(this.opts.portBase > 0 ? { port: this.opts.portBase + index } : {}),
    });
    let webRtcServer: types.WebRtcServer;
    try {
      webRtcServer = await worker.createWebRtcServer({ listenInfos: [listen('udp'), listen('tcp')] });
    } catch (err) {
      worker.close();
      throw new Error(
        `mediasoup WebRtcServer could not listen on ${this.opts.listenIp}:${this.opts.portBase ? this.opts.portBase + index : 'random'} (${(err as Error).message}); free the port or change MEDIASOUP_PORT_BASE`,
        { cause: err },
      );
    }
    const pooled: PooledWorker = { index, worker, webRtcServer, routers: new Set(), stalled: 0, consuming: 0 };
    this.slots[index] = pooled;
    worker.on('died', (err) => this.onDied(pooled, err));
    return pooled;
  }

  private onDied(pooled: PooledWorker, err: Error): void {
    const routers = [...pooled.routers];
    const info = { index: pooled.index, pid: pooled.worker.pid, err: err.message, routers: routers.length };
    if (this.slots[pooled.index] === pooled) this.slots[pooled.index] = undefined;
    pooled.routers.clear();
    if (this.shuttingDown) {
      // Its routers are closed (mediasoup closes them with the worker); the rooms close with the node.
      this.opts.log.info(info, 'mediasoup worker exited during shutdown');
      return;
    }
    // mediasoup reports `[pid:N, code:C, signal:S]`. Exit code 0 is the worker closing itself on SIGINT/SIGTERM (its
    // channel cannot have closed: we hold it), i.e. someone signalled it: replaced like a crash, but not a crash.
    if (/\bcode:0, signal:null\b/.test(err.message)) this.opts.log.warn(info, 'mediasoup worker exited on a signal (SIGINT/SIGTERM)');
    else this.opts.log.error(info, 'mediasoup worker died');
    this.emit('workerdied', pooled.index, routers);
    if (!this.opts.respawn) return;
    this.spawn(pooled.index).then(
      (fresh) => {
        if (this.shuttingDown) {
          if (this.slots[fresh.index] === fresh) this.slots[fresh.index] = undefined;
          fresh.worker.close();
          return;
        }
        this.opts.log.info({ index: fresh.index, pid: fresh.worker.pid }, 'mediasoup worker replaced');
        this.emit('workerreplaced', fresh);
      },
      (spawnErr: Error) => this.opts.log.error({ index: pooled.index, err: spawnErr.message }, 'could not replace dead mediasoup worker'),
    );
  }
}
