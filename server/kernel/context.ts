/**
 * The types every domain is written against: what a domain gets to wire itself in (`HawkerContext`), what it hands
 * back for shutdown (`Domain`), and the typed Socket.IO server and socket. They live in the kernel, not in app.ts, so
 * domains never import the node that assembles them (import rule "domains ↛ app", test/unit/import-rules.test.ts).
 */
import type http from 'node:http';
import type { Express, Router } from 'express';
import type { Redis } from 'ioredis';
import type { Server as IoServer, Socket } from 'socket.io';
import type { ClientToServerEvents, InterServerEvents, Principal, ServerToClientEvents } from '@hawker/protocol';
import type { WorkerPool } from '../../media/workerPool.ts';
import type { Config } from '../config.ts';
import type pg from 'pg';
import type { RefusalLog } from './refusalLog.ts';
import type { WireError } from '@hawker/protocol';
import type { Logger } from './log.ts';

/** Per-connection server-side state. */
export interface SocketData {
  /** Who this connection acts as now: its token's claims as the agency roster confirms them, recomputed when they change. */
  principal: Principal;
  /** The verified claims of the connection's token, kept so the principal can be recomputed (server/auth/sessions.ts). */
  claims: Principal;
  /** When the connection's token was issued (epoch seconds, or a lower bound without `iat`), for session revocation. */
  issuedAtS: number;
  /** Rooms this socket joined through room:join (a viewer normally has one). */
  rooms: Set<string>;
}

/** The typed Socket.IO server every domain registers its handlers on. */
export type HawkerIo = IoServer<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** One client connection, typed by the protocol's event registries. */
export type HawkerSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** An incoming request whose JSON body's raw bytes were kept (see the JSON parser in Hawker.create). */
export type RawBodyRequest = http.IncomingMessage & { rawBody?: Buffer };

/** What a domain module gets to wire itself in. */
export interface HawkerContext {
  readonly config: Config;
  readonly log: Logger;
  /** Shared command connection. Domains needing blocking commands or pub/sub open their own (and close them). */
  readonly redis: Redis;
  readonly redisUrl: string;
  readonly io: HawkerIo;
  readonly app: Express;
  readonly media: WorkerPool;
  /**
   * The PostgreSQL pool of the money ledger (migrated, durability checked). Its tables belong to server/ledger, whose
   * LedgerOrders the assembly (domains.ts) builds on this pool and hands to the domains that need it.
   */
  readonly db: pg.Pool;
  /**
   * The same database through a second, smaller pool for work that is not money (recording timeline, search, follows
   * and notices, exports, webhooks), so floods of it never take the connections orders and payments need.
   */
  readonly dbBulk: pg.Pool;
  /** Counts refusals by limit and logs them once per REFUSAL_LOG_INTERVAL_MS (never a line per refused request). */
  readonly refusals: RefusalLog;
  /** The REST edge's memory of clients over budget or cut (server/edge/restCuts.ts); the REST limiters report to it. */
  readonly restCuts: RestRefusals;
  /**
   * Routes for machine callers that come once per paid order (the payment gateway's webhook), mounted right after the
   * REST edge (security headers, cuts, JSON-only bodies within REST_BODY_MAX_BYTES, raw body kept for signatures) and
   * before everything else: the health routes, the per-address limit (which exempts them) and every domain's router.
   * A request to `ctx.app` is matched against each route mounted before its own, so a webhook mounted in domain order
   * walked the routes of a dozen domains first (issue 20 P3: a fifth of the node's time was that HTTP path).
   */
  readonly earlyRoutes: Router;
}

/** What the REST limiters tell the REST edge (server/edge/restCuts.ts): a request refused by a limit, and which. */
export interface RestRefusals {
  /** `req` was refused with `error` (RATE_LIMITED with retryAfterMs) by the per-address or the per-user limit. */
  refused(req: http.IncomingMessage & { ip?: string | undefined }, error: WireError, by: 'address' | 'user'): void;
}

/** A domain's handle for shutdown: timers, queues and connections it owns die in `close()`. */
export interface Domain {
  readonly name: string;
  close(): Promise<void>;
}
