import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Redis } from 'ioredis';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Server as IoServer } from 'socket.io';
import { WorkerPool } from '../media/workerPool.ts';
import type { Config } from './config.ts';
import { fixedJsonHeaders, healthRoutes, healthzFirst } from './health/routes.ts';
import { openLedger, type Ledger } from './ledger/index.ts';
import { createAdapterRedis, createRedis } from './kernel/redis.ts';
import type { Logger } from './kernel/log.ts';
import { closeAll, type CloseStep } from './kernel/closeAll.ts';
import type { Domain, HawkerContext, HawkerIo } from './kernel/context.ts';
import { restBody } from './edge/rest.ts';
import { UPLOAD_IMAGE_PATH } from '@hawker/protocol';
import { ENGINE_HEADERS, securityHeaders } from './edge/headers.ts';
import { RestCuts } from './edge/restCuts.ts';
import { RefusalLog } from './kernel/refusalLog.ts';
import { coalesceEngineFlushes, corkWebSocketFlushes } from './kernel/corkedWrites.ts';
import { oneRoomApply } from './kernel/oneRoomApply.ts';

// The context types moved to the kernel (domains import them from there); re-exported for callers of the node.
export type { Domain, HawkerContext, HawkerIo, HawkerSocket, RawBodyRequest, SocketData } from './kernel/context.ts';

/**
 * One Hawker node: express and Socket.IO on one HTTP server, a Redis connection, a mediasoup worker pool, and the domain
 * modules. It owns all of them: `close()` is idempotent and tears them down in reverse order of creation.
 */
export class Hawker {
  private closing: Promise<void> | undefined;
  private readonly domains: Domain[] = [];

  /** The HEALTH_PORT listener, once listening. */
  private healthServer: http.Server | undefined;

  private constructor(
    readonly ctx: HawkerContext,
    readonly server: http.Server,
    private readonly adapterRedis: Redis,
    private readonly ledger: Ledger,
    private readonly healthz: (req: http.IncomingMessage, res: http.ServerResponse) => boolean,
  ) {}

  /** Builds a node (workers started, Redis connecting) without listening yet. */
  static async create(config: Config, log: Logger, redisUrl: string): Promise<Hawker> {
    if (!config.DATABASE_URL)
      throw new Error(
        'DATABASE_URL is not set: start the node through server/main.ts (which launches a local PostgreSQL) or point DATABASE_URL at yours',
      );
    const ledger = await openLedger({
      url: config.DATABASE_URL,
      schema: config.DATABASE_SCHEMA,
      poolSize: config.DATABASE_POOL_SIZE,
      bulkPoolSize: config.DATABASE_BULK_POOL_SIZE,
      production: config.NODE_ENV === 'production',
      log,
    });
    const media = await WorkerPool.start({
      numWorkers: config.MEDIASOUP_WORKERS,
      logLevel: config.MEDIASOUP_LOG_LEVEL,
      listenIp: config.MEDIASOUP_LISTEN_IP,
      announcedAddress: config.MEDIASOUP_ANNOUNCED_ADDRESS,
      portBase: config.MEDIASOUP_PORT_BASE,
      respawn: config.MEDIASOUP_RESPAWN,
      requestTimeoutMs: config.MEDIASOUP_REQUEST_TIMEOUT_MS,
      log: log.child({ module: 'media' }),
    }).catch(async (err: unknown) => {
      await ledger.close();
      throw err;
    });
    // Auto-pipelining: commands issued in one event-loop turn go out in one write. Under a flash sale thousands of
    // handlers each send a command per turn; one write syscall per command was ~15% of the node's CPU (docs/benchmarks.md).
    const redis = createRedis(redisUrl, log.child({ module: 'redis' }), { enableAutoPipelining: true });
    const app = express();
    app.disable('x-powered-by');
    // First, so every answer carries them: pages, API JSON, health, 404s and errors (server/edge/headers.ts).
    const headers = securityHeaders();
    app.use(headers);
    // Refusals are counted and logged once per interval, never one line each (server/kernel/refusalLog.ts).
    const refusals = new RefusalLog(log.child({ module: 'refusals' }), config.REFUSAL_LOG_INTERVAL_MS);
    // Next, the cheap path for REST clients known to be over budget or cut (before parsing, routing, tokens, Redis).
    const restCuts = new RestCuts(
      { refusals: config.REST_CUT_REFUSALS, windowMs: config.REST_CUT_WINDOW_MS, cooldownMs: config.REST_CUT_COOLDOWN_MS },
      refusals,
    );
    app.use(restCuts.middleware);
    // GET /healthz is answered before express (health/routes.ts), so it waits for nothing but the event loop.
    const healthz = healthzFirst(Date.now(), headers);
    const server = http.createServer((req, res) => {
      if (!healthz(req, res)) app(req, res);
    });
    // The streams adapter (not plain pub/sub) because it keeps recent packets in a Redis stream, which is what makes
    // Socket.IO's connection-state recovery work across nodes (docs/scaling.md). It blocks on XREAD: own connection.
    const adapterRedis = createAdapterRedis(redisUrl, log.child({ module: 'adapter' }));
    // Several queued packets to one connection leave in one write (kernel/corkedWrites.ts): the node's largest CPU cost.
    if (config.SOCKET_CORK_FLUSHES) corkWebSocketFlushes();
    // And a connection's packets of one event-loop turn are flushed together, so they can share that one write.
    if (config.SOCKET_COALESCE_FLUSHES) coalesceEngineFlushes();
    const io: HawkerIo = new IoServer(server, {
      // Socket.IO's default 1 MB frame is far above any Hawker event; a small cap bounds what one bad client costs.
      maxHttpBufferSize: 64 * 1024,
      connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
      adapter: createAdapter(adapterRedis, {
        streamName: `${config.REDIS_KEY_PREFIX}sio`,
        // Pub/sub channels (serverSideEmit, fetchSockets) too: without the prefix, deployments or test nodes sharing a
        // Redis would receive each other's inter-node events.
        channelPrefix: `${config.REDIS_KEY_PREFIX}sio`,
        sessionKeyPrefix: `${config.REDIS_KEY_PREFIX}sio:session:`,
        maxLen: 50_000,
        onlyPlaintext: true,
      }),
    });
    // A push to one room visits its members without building a Set of them per broadcast (kernel/oneRoomApply.ts).
    oneRoomApply(io);
    io.engine.on('headers', (headers: Record<string, string>) => Object.assign(headers, ENGINE_HEADERS));
    // Filled by the domains (payments mounts its webhook there), mounted after the REST edge below.
    const earlyRoutes = express.Router();
    const ctx: HawkerContext = {
      config,
      log,
      redis,
      redisUrl,
      io,
      app,
      media,
      db: ledger.pool,
      dbBulk: ledger.bulkPool,
      refusals,
      restCuts,
      earlyRoutes,
    };
    const node = new Hawker(ctx, server, adapterRedis, ledger, healthz);
    // Every REST body: JSON only, at most REST_BODY_MAX_BYTES, raw bytes kept for webhook signatures (server/edge/rest.ts).
    app.use(restBody(config.REST_BODY_MAX_BYTES, [UPLOAD_IMAGE_PATH]));
    // Then the payment gateway's webhook (one request per paid order), before the routes of every domain (ctx.earlyRoutes).
    app.use(earlyRoutes);
    app.use(healthRoutes({ redis, media, ledger: ledger.pool, startedAt: Date.now(), memoryWarnRatio: config.REDIS_MEMORY_WARN_RATIO }));
    return node;
  }

  /** Registers a domain for shutdown (domains close in reverse order). */
  add(domain: Domain): void {
    this.domains.push(domain);
  }

  /**
   * Listens on config HOST:PORT (PORT 0 picks a free port); resolves with the bound address. With HEALTH_PORT set, also
   * listens there for health checks and metrics only ({@link healthAddress}).
   */
  async listen(port = this.ctx.config.PORT, host = this.ctx.config.HOST): Promise<AddressInfo> {
    await listenOn(this.server, port, host);
    const healthPort = this.ctx.config.HEALTH_PORT;
    if (healthPort !== undefined && !this.healthServer) {
      const { app } = this.ctx;
      // Its 404 carries the same security headers as every other answer (it is written without express).
      const notFoundHeaders = fixedJsonHeaders(securityHeaders());
      const health = http.createServer((req, res) => {
        if (this.healthz(req, res)) return;
        const pathname = (req.url ?? '/').split('?')[0];
        // /readyz and /metrics through express (security headers, the REST edge's limits); nothing else lives here.
        if (req.method === 'GET' && (pathname === '/readyz' || pathname === '/metrics')) return void app(req, res);
        res.writeHead(404, notFoundHeaders);
        res.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: `HEALTH_PORT serves /healthz, /readyz and /metrics only` } }));
      });
      // Health checks are short requests; a slow or idle client cannot hold the listener's sockets for long.
      health.requestTimeout = 10_000;
      health.headersTimeout = 10_000;
      await listenOn(health, healthPort, host);
      this.healthServer = health;
    }
    return this.server.address() as AddressInfo;
  }

  /** The HEALTH_PORT listener's address, when HEALTH_PORT is set and the node listens. */
  healthAddress(): AddressInfo | undefined {
    return this.healthServer?.address() as AddressInfo | undefined;
  }

  /**
   * Graceful stop: stop accepting and close sockets (clients reconnect elsewhere), close domains (queues, timers), close
   * the mediasoup workers, the ledger, Redis. Every step runs even if one before it failed (each failure is logged with
   * its step); then, if any failed, rejects with one CloseError of all of them. Idempotent; every caller gets the same
   * promise.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const { io, media, redis, log } = this.ctx;
      const { ledger } = this;
      media.beginShutdown(); // workers exiting from now on (a Ctrl-C reaches them too) are expected
      await closeAll(
        'node',
        [
          ['health listener', () => closeHealth(this.healthServer)],
          ['socket.io and http', () => new Promise<void>((resolve) => io.close(() => resolve()))], // io.close also closes the HTTP server
          ...[...this.domains].reverse().map((domain): CloseStep => [`domain ${domain.name}`, () => domain.close()]),
          ['mediasoup workers', () => media.close()],
          ['ledger', () => ledger.close()],
          ['refusal log', () => this.ctx.refusals.close()],
          ['adapter redis', () => this.adapterRedis.disconnect()], // it sits in a blocking XREAD; QUIT would wait for it
          ['redis', () => redis.quit().catch(() => redis.disconnect())],
        ],
        log,
      );
    })();
    return this.closing;
  }
}

/** `server.listen(port, host)` as a promise that rejects on a listen error (a port in use). */
function listenOn(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Stops the HEALTH_PORT listener and ends its kept-alive connections (a no-op without one). */
function closeHealth(server: http.Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
