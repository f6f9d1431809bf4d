/**
 * Fault drills: scripted, bounded scenarios that break one real part (a node process, Redis, the payment gateway)
 * while a flash sale has orders in flight, then check what users care about: no order lost, none charged twice
 * (the gateway's ledger), stock conserved, every client consistent again. test/slow/*.test.ts run them at a test's
 * size (`npm run test:slow`); `npm run drill:<name>` (bench/drill.ts) runs them bigger and prints the figures.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { orderKeys } from '../server/orders/store.ts';
import { startLocalRedis } from '../server/kernel/localRedis.ts';
import type { SandboxGateway } from '../server/payments/sandbox/server.ts';
import {
  ErrorCode,
  TERMINAL_ORDER_STATUSES,
  type Ack,
  type FlashSale,
  type Order,
  type PlaceOrderResult,
  type RoomSnapshot,
} from '@hawker/protocol';
import { api, call, connect, devToken, type ClientSocket } from './clients.ts';
import { gatewayEnv, liveRoomWithProduct, saleCounts, scheduleSale, startSandbox, type Reachable } from './commerce.ts';
import { generator, rng } from './fuzz.ts';
import { randomPrefix, schemaFor, testDatabaseUrl, waitFor } from './node.ts';
import pg from 'pg';
import { spawnNode, type NodeProcess } from './nodeProcess.ts';
import { Teardown } from './teardown.ts';

/** What a drill found: figures to print, and every broken promise (empty when all held). */
export interface DrillReport {
  figures: Record<string, unknown>;
  violations: string[];
}

/**
 * Stops everything a drill started (`down`), last started first, whatever happened. A drill's result is its report:
 * a part that fails to stop (one the drill broke on purpose, say) is logged, not thrown over the report.
 */
async function tearDown(down: Teardown, log: (m: string) => void): Promise<void> {
  await down.run().catch((err: Error) => log(`teardown: ${err.message}`));
}

/** Node settings shared by the drills: a fast commerce tick and short payment locks, so recovery fits the drill. */
function nodeEnv(sandbox: SandboxGateway, prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...gatewayEnv(sandbox),
    REDIS_KEY_PREFIX: prefix,
    COMMERCE_TICK_MS: '100',
    PAYMENT_LOCK_MS: '2000',
    PAYMENT_WORKER_CONCURRENCY: '16',
    MEDIASOUP_WORKERS: '1',
    ...extra,
  };
}

type Placed = { buyer: string; ack: Ack<PlaceOrderResult> | { ok: false; error: { code: string; message: string } } };

/** A buyer: a socket that joined the room. */
async function buyer(node: Reachable, roomId: string, userId: string): Promise<{ userId: string; socket: ClientSocket }> {
  const socket = await connect(node.url, await devToken(node.url, { userId, name: userId, role: 'viewer' }));
  const joined = await call(socket, 'room:join', { roomId }, 30_000);
  if (!joined.ok) throw new Error(`join: ${JSON.stringify(joined)}`);
  return { userId, socket };
}

/** Every buyer orders one unit at once; answers that never come (a node died) are recorded as NO_ANSWER. */
function placeAll(buyers: { userId: string; socket: ClientSocket }[], roomId: string, saleId: string, tag: string): Promise<Placed[]> {
  return Promise.all(
    buyers.map(async ({ userId, socket }) => ({
      buyer: userId,
      ack: (await call(socket, 'order:place', { roomId, saleId, quantity: 1, idempotencyKey: `${tag}-${userId}` }, 15_000).catch(
        (err: Error) => ({
          ok: false as const,
          error: { code: 'NO_ANSWER', message: err.message },
        }),
      )) as Placed['ack'],
    })),
  );
}

/** Waits (bounded) until every order of the room is in a final state. */
async function waitSettled(redis: Redis, prefix: string, roomId: string, timeoutMs: number): Promise<void> {
  const k = orderKeys(prefix);
  await waitFor(
    'every order of the room settled',
    async () => {
      const ids = await redis.zrange(k.byRoom(roomId), 0, -1);
      const statuses = await Promise.all(ids.map((id) => redis.hget(k.order(id), 'status')));
      return statuses.every((s) => TERMINAL_ORDER_STATUSES.includes(s as Order['status']));
    },
    timeoutMs,
    200,
  );
}

/**
 * The money and stock audit. Orders are read from Redis (every order the room has, including ones whose answer was
 * lost with a node), the charges from the gateway's ledger, the counters from the sale's pool.
 */
async function audit(
  redis: Redis,
  prefix: string,
  roomId: string,
  saleId: string,
  sandbox: SandboxGateway,
  placed: Placed[],
): Promise<DrillReport> {
  const violations: string[] = [];
  const k = orderKeys(prefix);
  const ids = await redis.zrange(k.byRoom(roomId), 0, -1);
  const orders = await Promise.all(
    ids.map(async (id) => ({ id, ...((await redis.hgetall(k.order(id))) as { status?: string; quantity?: string }) })),
  );
  const byStatus: Record<string, number> = {};
  for (const o of orders) byStatus[o.status ?? 'missing'] = (byStatus[o.status ?? 'missing'] ?? 0) + 1;

  // No order lost: every order a buyer was told about exists and is final.
  const known = new Set(ids);
  const acked = placed.flatMap((p) => (p.ack.ok ? [p.ack.data.order.id] : []));
  for (const id of acked) if (!known.has(id)) violations.push(`order ${id} was acknowledged but is gone`);
  for (const o of orders)
    if (!TERMINAL_ORDER_STATUSES.includes(o.status as Order['status'])) violations.push(`order ${o.id} still ${o.status}`);

  // No order charged twice, and charged exactly when paid.
  const ledger = sandbox.ledger();
  const succeeded = new Map<string, number>();
  for (const c of ledger) if (c.status === 'succeeded') succeeded.set(c.reference, (succeeded.get(c.reference) ?? 0) + 1);
  for (const [ref, n] of succeeded) if (n > 1) violations.push(`order ${ref} charged ${n} times`);
  const paid = orders.filter((o) => o.status === 'paid');
  for (const o of paid) if (!succeeded.has(o.id)) violations.push(`order ${o.id} paid without a charge`);
  for (const ref of succeeded.keys()) if (!paid.some((o) => o.id === ref)) violations.push(`charge for ${ref} but the order is not paid`);

  // Stock conserved: sold + reserved + left (+ returned to the SKU) = initial, and sold units are the paid orders'.
  const c = await saleCounts(redis, prefix, saleId);
  if (c.left + c.reserved + c.sold + c.returned !== c.quantity) violations.push(`stock not conserved: ${JSON.stringify(c)}`);
  if (c.reserved !== 0) violations.push(`units still reserved after settling: ${JSON.stringify(c)}`);
  const paidUnits = paid.reduce((n, o) => n + Number(o.quantity), 0);
  if (c.sold !== paidUnits) violations.push(`sold ${c.sold} but paid orders hold ${paidUnits} units`);

  const answers: Record<string, number> = {};
  for (const p of placed) {
    const a = p.ack.ok
      ? 'reserved'
      : `${p.ack.error.code}${(p.ack.error as { details?: { reason?: string } }).details?.reason ? `:${(p.ack.error as { details: { reason: string } }).details.reason}` : ''}`;
    answers[a] = (answers[a] ?? 0) + 1;
  }
  return {
    figures: {
      attempts: placed.length,
      answers,
      orders: orders.length,
      byStatus,
      charges: ledger.length,
      succeededCharges: succeeded.size,
      sale: c,
    },
    violations,
  };
}

/**
 * Every buyer, on a fresh connection to `node` (as after a reconnect), joins again: the snapshot's sale counters
 * must equal Redis's, and their own order list (REST) must match the orders Redis holds for them.
 */
async function clientsConsistent(
  node: Reachable,
  redis: Redis,
  prefix: string,
  roomId: string,
  saleId: string,
  userIds: string[],
): Promise<string[]> {
  const violations: string[] = [];
  const c = await saleCounts(redis, prefix, saleId);
  const k = orderKeys(prefix);
  for (const userId of userIds) {
    const token = await devToken(node.url, { userId, name: userId, role: 'viewer' });
    const socket = await connect(node.url, token);
    try {
      const joined = await call(socket, 'room:join', { roomId }, 30_000);
      if (!joined.ok) {
        violations.push(`${userId} cannot rejoin: ${joined.error.code}`);
        continue;
      }
      const sale = (joined.data as RoomSnapshot & { flashSale: FlashSale | null }).flashSale;
      if (!sale || sale.left !== c.left || sale.sold !== c.sold || sale.reserved !== c.reserved) {
        violations.push(
          `${userId} sees sale ${JSON.stringify(sale && { left: sale.left, sold: sale.sold, reserved: sale.reserved })}, Redis has ${JSON.stringify(c)}`,
        );
      }
      const mine = await api<{ orders: Order[] }>(node.url, 'GET', '/api/orders?limit=200', token);
      const theirs = await redis.zrange(k.byBuyer(userId), 0, -1);
      const statuses = await Promise.all(theirs.map((id) => redis.hget(k.order(id), 'status')));
      const expected = Object.fromEntries(theirs.map((id, i) => [id, statuses[i]]));
      const seen = Object.fromEntries((mine.body.orders ?? []).map((o) => [o.id, o.status]));
      if (JSON.stringify(Object.entries(seen).sort()) !== JSON.stringify(Object.entries(expected).sort())) {
        violations.push(`${userId} sees orders ${JSON.stringify(seen)}, Redis has ${JSON.stringify(expected)}`);
      }
    } finally {
      socket.disconnect();
    }
  }
  return violations;
}

/** A room with a flash sale of `quantity` units (limit 1 per buyer) on `node`. */
async function saleRoom(node: Reachable, quantity: number) {
  const { creator, room, product } = await liveRoomWithProduct(node, { stock: quantity * 2 });
  const sale = await scheduleSale(node, creator, room.id, product.id, { quantity, perBuyerLimit: 1, durationMs: 30 * 60_000 });
  return { roomId: room.id, saleId: sale.id, productId: product.id };
}

/**
 * SIGKILL a node process during a flash sale with orders in flight. Two nodes (one deployment: same Redis and key
 * prefix) take orders from half the buyers each; when charges are in flight at the gateway, node A is killed. Its
 * buyers reconnect to B; B's worker and supervisor finish A's orders (expired locks, unqueued reservations).
 */
export async function nodeKillDrill(opts: {
  redisUrl: string;
  prefix: string;
  buyers: number;
  quantity: number;
  log?: (m: string) => void;
}): Promise<DrillReport> {
  const log = opts.log ?? (() => {});
  const down = new Teardown();
  try {
    const sandbox = down.add(await startSandbox({ latencyMs: 400, declineRate: 0.2 }));
    const a = down.add(await spawnNode(nodeEnv(sandbox, opts.prefix), opts.redisUrl), (n) => n.kill());
    const b = down.add(await spawnNode(nodeEnv(sandbox, opts.prefix), opts.redisUrl));
    sandbox.update({ webhookUrl: `${b.url}/api/payments/webhook` });
    const redis = down.add(new Redis(opts.redisUrl));
    const { roomId, saleId } = await saleRoom(a, opts.quantity);
    const ids = Array.from({ length: opts.buyers }, (_, i) => `buyer${i}`);
    const buyers = await Promise.all(ids.map((id, i) => buyer(i % 2 === 0 ? a : b, roomId, id)));
    down.defer(() => buyers.forEach((x) => x.socket.disconnect()));
    log(`node kill: ${opts.buyers} buyers on two nodes race for ${opts.quantity} units`);

    const placing = placeAll(buyers, roomId, saleId, 'k1');
    await waitFor('charges in flight at the gateway', () => sandbox.inFlight >= 3, 30_000, 5);
    const k = orderKeys(opts.prefix);
    const before = await redis.zrange(k.byRoom(roomId), 0, -1);
    const inFlight = (await Promise.all(before.map((id) => redis.hget(k.order(id), 'status')))).filter(
      (s) => s === 'reserved' || s === 'pending_payment',
    ).length;
    await a.kill();
    log(`node kill: SIGKILLed node A with ${inFlight} orders reserved or paying, ${sandbox.inFlight} charges at the gateway`);
    const placed = await placing;
    const t0 = Date.now();
    await waitSettled(redis, opts.prefix, roomId, 60_000);
    const settleMs = Date.now() - t0;
    const report = await audit(redis, opts.prefix, roomId, saleId, sandbox, placed);
    report.violations.push(...(await clientsConsistent(b, redis, opts.prefix, roomId, saleId, ids)));
    report.figures = { ...report.figures, inFlightAtKill: inFlight, settleMsAfterKill: settleMs };
    return report;
  } finally {
    await tearDown(down, log);
  }
}

/**
 * Restart Redis (AOF on) during a flash sale: SIGKILL redis-server while charges are in flight and more buyers are
 * ordering, then start it again on the same port and data directory. Nodes, workers and the adapter reconnect.
 */
export async function redisRestartDrill(opts: {
  buyers: number;
  quantity: number;
  downMs: number;
  log?: (m: string) => void;
}): Promise<DrillReport> {
  const log = opts.log ?? (() => {});
  const down = new Teardown();
  try {
    const dir = await down.tempDir('hawker-drill-redis-');
    let redisServer = await startLocalRedis({ dir });
    down.defer(() => redisServer.stop()); // whichever runs at the end: the drill restarts it
    const prefix = randomPrefix();
    const sandbox = down.add(await startSandbox({ latencyMs: 300, declineRate: 0.2 }));
    const node = down.add(await spawnNode(nodeEnv(sandbox, prefix), redisServer.url));
    sandbox.update({ webhookUrl: `${node.url}/api/payments/webhook` });
    const redis = down.add(new Redis(redisServer.url));
    redis.on('error', () => {}); // it goes away on purpose
    const { roomId, saleId } = await saleRoom(node, opts.quantity);
    const ids = Array.from({ length: opts.buyers }, (_, i) => `buyer${i}`);
    const buyers = await Promise.all(ids.map((id) => buyer(node, roomId, id)));
    down.defer(() => buyers.forEach((x) => x.socket.disconnect()));
    const half = Math.floor(buyers.length / 2);
    log(`redis restart: ${opts.buyers} buyers race for ${opts.quantity} units`);

    const first = placeAll(buyers.slice(0, half), roomId, saleId, 'k1');
    await waitFor('charges in flight at the gateway', () => sandbox.inFlight >= 3, 30_000, 5);
    const pid = Number(await fs.readFile(path.join(dir, 'redis.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await redisServer.stop();
    log(
      `redis restart: SIGKILLed redis-server with ${sandbox.inFlight} charges in flight; down for ${opts.downMs} ms while the other half orders`,
    );
    const second = placeAll(buyers.slice(half), roomId, saleId, 'k2');
    await new Promise((r) => setTimeout(r, opts.downMs)); // the outage's length (the scenario), not a wait
    redisServer = await startLocalRedis({ dir, port: redisServer.port });
    log('redis restart: redis-server back (AOF replayed)');
    const placed = [...(await first), ...(await second)];
    await waitFor('inspector reconnected', () => redis.status === 'ready', 10_000);
    const t0 = Date.now();
    await waitSettled(redis, prefix, roomId, 90_000);
    const settleMs = Date.now() - t0;
    const report = await audit(redis, prefix, roomId, saleId, sandbox, placed);
    report.violations.push(...(await clientsConsistent(node, redis, prefix, roomId, saleId, ids)));
    report.figures = { ...report.figures, settleMsAfterRestart: settleMs };
    return report;
  } finally {
    await tearDown(down, log);
  }
}

/**
 * A payment-gateway failure storm: declines, timeouts (requests held past the client's timeout, half of them
 * processed anyway), every webhook dropped, and an outage in the middle; then the gateway recovers.
 */
export async function gatewayStormDrill(opts: {
  redisUrl: string;
  prefix: string;
  buyers: number;
  quantity: number;
  stormMs: number;
  log?: (m: string) => void;
}): Promise<DrillReport> {
  const log = opts.log ?? (() => {});
  const down = new Teardown();
  try {
    const sandbox = down.add(
      await startSandbox({
        latencyMs: 100,
        declineRate: 0.3,
        timeoutRate: 0.3,
        timeoutProcessedRate: 0.5,
        hangMs: 3_000,
        webhookUrl: null,
      }),
    );
    const node: NodeProcess = down.add(
      await spawnNode(nodeEnv(sandbox, opts.prefix, { PAYMENT_REQUEST_TIMEOUT_MS: '1000', PAYMENT_BACKOFF_MS: '100' }), opts.redisUrl),
    );
    const redis = down.add(new Redis(opts.redisUrl));
    const { roomId, saleId } = await saleRoom(node, opts.quantity);
    const ids = Array.from({ length: opts.buyers }, (_, i) => `buyer${i}`);
    const buyers = await Promise.all(ids.map((id) => buyer(node, roomId, id)));
    down.defer(() => buyers.forEach((x) => x.socket.disconnect()));
    log(`gateway storm: ${opts.buyers} buyers race for ${opts.quantity} units; 30% declines, 30% timeouts, webhooks dropped`);
    const placed = await placeAll(buyers, roomId, saleId, 'k1');
    await new Promise((r) => setTimeout(r, opts.stormMs / 2)); // the storm's first half (the scenario), not a wait
    sandbox.update({ outage: true });
    log('gateway storm: outage (every call 503)');
    await new Promise((r) => setTimeout(r, opts.stormMs / 2)); // the outage's length (the scenario), not a wait
    sandbox.update({ outage: false, declineRate: 0, timeoutRate: 0, webhookUrl: `${node.url}/api/payments/webhook` });
    log('gateway storm: gateway recovered; webhooks back');
    const t0 = Date.now();
    await waitSettled(redis, opts.prefix, roomId, 90_000);
    const settleMs = Date.now() - t0;
    const report = await audit(redis, opts.prefix, roomId, saleId, sandbox, placed);
    report.violations.push(...(await clientsConsistent(node, redis, opts.prefix, roomId, saleId, ids)));
    report.figures = { ...report.figures, settleMsAfterRecovery: settleMs };
    return report;
  } finally {
    await tearDown(down, log);
  }
}

/** Routes the REST fuzz aims at (`:id` segments get the room's real ids or garbage). */
const FUZZ_ROUTES: [string, string][] = [
  ['POST', '/api/rooms'],
  ['POST', '/api/rooms/:roomId/products'],
  ['POST', '/api/rooms/:roomId/sales'],
  ['POST', '/api/rooms/:roomId/live'],
  ['POST', '/api/rooms/:roomId/end'],
  ['PUT', '/api/rooms/:roomId/pin'],
  ['DELETE', '/api/rooms/:roomId/pin'],
  ['POST', '/api/rooms/:roomId/sales/:saleId/end'],
  ['POST', '/api/orders/:orderId/cancel'],
  ['GET', '/api/orders/:orderId'],
  ['GET', '/api/orders'],
  ['POST', '/api/payments/webhook'],
  ['POST', '/api/dev/tokens'],
  ['POST', '/api/agencies'],
  ['PUT', '/api/agencies/ag1/creators/:userId'],
  ['GET', '/api/rooms/:roomId/analytics'],
];

/**
 * Random and malformed input during a flash sale: `events` socket packets from `connections` fuzzing connections
 * (viewers and other agencies' staff, half of them in the room) and `restBodies` REST requests with random bodies,
 * broken JSON and bad tokens, while legitimate buyers order. Every answer must be typed (never INTERNAL or a 5xx),
 * the node must keep serving, and the money and stock audit must hold.
 */
export async function fuzzDrill(opts: {
  redisUrl: string;
  prefix: string;
  events: number;
  restBodies: number;
  connections: number;
  buyers: number;
  quantity: number;
  seed: number;
  log?: (m: string) => void;
}): Promise<DrillReport> {
  const log = opts.log ?? (() => {});
  const down = new Teardown();
  try {
    const sandbox = down.add(await startSandbox({ latencyMs: 50, declineRate: 0.2 }));
    const node = down.add(await spawnNode(nodeEnv(sandbox, opts.prefix), opts.redisUrl));
    sandbox.update({ webhookUrl: `${node.url}/api/payments/webhook` });
    const redis = down.add(new Redis(opts.redisUrl));
    const { roomId, saleId, productId } = await saleRoom(node, opts.quantity);
    const ids = Array.from({ length: opts.buyers }, (_, i) => `buyer${i}`);
    const buyers = await Promise.all(ids.map((id) => buyer(node, roomId, id)));
    down.defer(() => buyers.forEach((x) => x.socket.disconnect()));
    const roles = [['viewer'], ['moderator', 'ag2'], ['agency', 'ag2'], ['creator']] as const;
    const fuzzers: ClientSocket[] = [];
    for (let i = 0; i < opts.connections; i++) {
      const [role, agencyId] = roles[i % roles.length]!;
      const socket = await connect(
        node.url,
        await devToken(node.url, { userId: `f${i}`, name: `f${i}`, role, ...(agencyId ? { agencyId } : {}) }),
      );
      fuzzers.push(socket);
      if (i % 2 === 0) await call(socket, 'room:join', { roomId });
    }
    down.defer(() => fuzzers.forEach((f) => f.disconnect()));
    const viewerToken = await devToken(node.url, { userId: 'fuzzrest', name: 'fuzzrest', role: 'viewer' });
    log(
      `fuzz: ${opts.events} socket packets over ${opts.connections} connections and ${opts.restBodies} REST requests (seed ${opts.seed}), ${opts.buyers} buyers ordering`,
    );

    const violations: string[] = [];
    const codes = new Set<string>(Object.values(ErrorCode));
    const socketOutcomes: Record<string, number> = {};
    const restOutcomes: Record<string, number> = {};
    const buying = placeAll(buyers, roomId, saleId, 'k1');
    const known = { saleId, productId, skuId: 'std' };
    const perConnection = Math.ceil(opts.events / opts.connections);
    const sockets = Promise.all(
      fuzzers.map(async (socket, i) => {
        const gen = generator(opts.seed + i, roomId, known);
        const acks: Promise<void>[] = [];
        for (let n = 0; n < perConnection; n++) {
          // Pacing: past the 60-packet burst, stay under the 20 events/s connection budget so packets reach validation.
          if (n >= 60) await new Promise((r) => setTimeout(r, 55));
          const { event, payload, withAck } = gen.packet();
          if (!withAck) {
            (socket as unknown as { emit(e: string, p: unknown): void }).emit(event, payload);
            continue;
          }
          acks.push(
            (socket.timeout(30_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<Ack<unknown>> })
              .emitWithAck(event, payload)
              .then(
                (ack) => {
                  const key = ack.ok ? 'ok' : ack.error.code;
                  socketOutcomes[key] = (socketOutcomes[key] ?? 0) + 1;
                  if (!ack.ok && (!codes.has(ack.error.code) || ack.error.code === 'INTERNAL'))
                    violations.push(`${event} answered ${JSON.stringify(ack).slice(0, 200)} (seed ${opts.seed + i})`);
                },
                // An oversized frame closes its connection by design; no answer is then expected.
                () => void (socketOutcomes.NO_ACK = (socketOutcomes.NO_ACK ?? 0) + 1),
              ),
          );
        }
        await Promise.all(acks);
      }),
    );
    const r = rng(opts.seed);
    const gen = generator(opts.seed, roomId, known);
    let nextRest = 0;
    const rest = Promise.all(
      Array.from({ length: 16 }, async () => {
        while (nextRest < opts.restBodies) {
          nextRest += 1;
          const [method, route] = r.pick(FUZZ_ROUTES);
          const path = route
            .replace(':roomId', r.next() < 0.8 ? roomId : 'nope')
            .replace(':saleId', saleId)
            .replace(':orderId', r.pick(['o1', '..', 'x'.repeat(70)]))
            .replace(':userId', 'u1');
          const body = r.pick([
            JSON.stringify(gen.packet().payload ?? null),
            '{"broken',
            'x'.repeat(r.pick([10, 70_000])),
            '[]',
            'null',
            JSON.stringify({ roomId, saleId, title: 'x', price: -1 }),
          ]);
          const token = r.pick([viewerToken, 'garbage', undefined]);
          const res = await fetch(`${node.url}${path}`, {
            method,
            headers: { 'content-type': r.pick(['application/json', 'text/plain']), ...(token ? { authorization: `Bearer ${token}` } : {}) },
            ...(method === 'GET' ? {} : { body }),
          });
          const text = await res.text();
          restOutcomes[res.status] = (restOutcomes[res.status] ?? 0) + 1;
          if (res.status >= 500) violations.push(`${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`);
          else if (res.status >= 400 && !codes.has((JSON.parse(text) as { error?: { code?: string } }).error?.code ?? ''))
            violations.push(`${method} ${path} answered ${res.status} untyped: ${text.slice(0, 200)}`);
        }
      }),
    );
    const placed = await buying;
    await Promise.all([sockets, rest]);
    log('fuzz: done; settling orders');
    if ((await fetch(`${node.url}/healthz`)).status !== 200) violations.push('the node stopped serving /healthz');
    await waitSettled(redis, opts.prefix, roomId, 60_000);
    const report = await audit(redis, opts.prefix, roomId, saleId, sandbox, placed);
    report.violations.unshift(...violations);
    report.violations.push(...(await clientsConsistent(node, redis, opts.prefix, roomId, saleId, ids)));
    const sent = Object.values(socketOutcomes).reduce((a, b) => a + b, 0);
    report.figures = { ...report.figures, socketAnswers: sent, socketOutcomes, restRequests: nextRest, restOutcomes };
    return report;
  } finally {
    await tearDown(down, log);
  }
}

/**
 * A whole host crashes: the node and Redis are SIGKILLed together while orders and payments stream in, and Redis comes
 * back from an AOF directory copied about a second earlier (what a host that loses its last second of writes leaves).
 * A new node starts on the same Redis and ledger; every buyer reconnects and retries with the same idempotency key.
 * Audited against the PostgreSQL ledger and the gateway: no acknowledged order lost, nobody charged twice (every
 * succeeded charge is one paid order's, or refunded by reconciliation), stock conserved, per-buyer limits held.
 */
export async function hostCrashDrill(opts: { buyers: number; quantity: number; log?: (m: string) => void }): Promise<DrillReport> {
  const log = opts.log ?? (() => {});
  const down = new Teardown();
  try {
    const dir = await down.tempDir('hawker-drill-host-');
    const redisDir = path.join(dir, 'redis');
    const copyDir = path.join(dir, 'redis-copy');
    let redisServer = await startLocalRedis({ dir: redisDir });
    down.defer(() => redisServer.stop());
    const prefix = randomPrefix();
    const db = new pg.Pool({ connectionString: testDatabaseUrl(), options: `-c search_path=${schemaFor(prefix)}`, max: 2 });
    down.defer(() => db.end());
    const sandbox = down.add(await startSandbox({ latencyMs: 150, declineRate: 0.1 }));
    const env = nodeEnv(sandbox, prefix, { RECONCILE_EVERY_MS: '1000', RECONCILE_SETTLE_MS: '0' });
    let node = await spawnNode(env, redisServer.url);
    let nodeDown = false;
    down.defer(() => (nodeDown ? undefined : node.kill()));
    sandbox.update({ webhookUrl: `${node.url}/api/payments/webhook` });
    const { roomId, saleId } = await saleRoom(node, opts.quantity);
    const ids = Array.from({ length: opts.buyers }, (_, i) => `buyer${i}`);
    let buyers = await Promise.all(ids.map((id) => buyer(node, roomId, id)));
    log(`host crash: ${opts.buyers} buyers stream orders for ${opts.quantity} units`);

    // A steady stream: buyers order one after another, a few at a time, until the crash.
    const acked = new Map<string, string>(); // buyer -> order id they were told about
    let crashed = false;
    const stream = (async () => {
      // Pacing: two buyers every 60 ms, a stream that is still flowing when the host dies, not one burst.
      for (let i = 0; i < buyers.length && !crashed; i += 2) {
        const pace = new Promise((r) => setTimeout(r, 60));
        await Promise.all(
          buyers.slice(i, i + 2).map(async ({ userId, socket }) => {
            const ack = await call(socket, 'order:place', { roomId, saleId, quantity: 1, idempotencyKey: `host-${userId}` }, 5_000).catch(
              () => null,
            );
            if (ack?.ok) acked.set(userId, ack.data.order.id);
          }),
        );
        await pace;
      }
    })();
    await waitFor(
      'some orders paid',
      async () => Number((await db.query(`SELECT count(*) FROM orders WHERE status = 'paid'`)).rows[0].count) >= 3,
      30_000,
      20,
    );
    await fs.cp(redisDir, copyDir, { recursive: true }); // the state Redis's disk will be found in
    const ackedAtCopy = acked.size;
    await waitFor(
      'more orders acknowledged after the copy',
      () => acked.size >= Math.min(ackedAtCopy + 3, opts.buyers, opts.quantity),
      30_000,
      5,
    );
    crashed = true;
    const redisPid = Number(await fs.readFile(path.join(redisDir, 'redis.pid'), 'utf8'));
    node.kill();
    nodeDown = true;
    process.kill(redisPid, 'SIGKILL');
    await redisServer.stop();
    await stream;
    for (const b of buyers) b.socket.disconnect();
    const ackedBeforeCrash = new Map(acked);
    log(
      `host crash: SIGKILLed node and Redis with ${ackedBeforeCrash.size} orders acknowledged (${ackedAtCopy} at the AOF copy); restoring Redis from the copy`,
    );
    await fs.rm(redisDir, { recursive: true, force: true });
    await fs.rename(copyDir, redisDir);
    await fs.rm(path.join(redisDir, 'redis.pid'), { force: true });
    redisServer = await startLocalRedis({ dir: redisDir, port: redisServer.port });
    node = await spawnNode(env, redisServer.url);
    nodeDown = false;
    sandbox.update({ webhookUrl: `${node.url}/api/payments/webhook` });

    // Every buyer comes back and retries their key (answers lost in the crash included).
    buyers = await Promise.all(ids.map((id) => buyer(node, roomId, id)));
    down.defer(() => buyers.forEach((x) => x.socket.disconnect()));
    const retried = await placeAll(buyers, roomId, saleId, 'host');
    const violations: string[] = [];
    for (const p of retried) {
      const before = ackedBeforeCrash.get(p.buyer);
      if (before && (!p.ack.ok || p.ack.data.order.id !== before))
        violations.push(
          `buyer ${p.buyer} was told order ${before}, the retry answered ${JSON.stringify(p.ack.ok ? p.ack.data.order.id : p.ack.error)}`,
        );
    }

    // Settled: every order final in the ledger, and reconciliation has nothing left to refund.
    await waitFor(
      'every ledger order final',
      async () =>
        Number((await db.query(`SELECT count(*) FROM orders WHERE status IN ('reserved', 'pending_payment')`)).rows[0].count) === 0,
      90_000,
      200,
    );
    type Row = { id: string; buyer_id: string; status: string; quantity: number; charge_id: string | null };
    const readOrders = async () =>
      (await db.query<Row>(`SELECT id, buyer_id, status, quantity, charge_id FROM orders WHERE room_id = $1`, [roomId])).rows;
    let orders: Row[] = [];
    let byId = new Map<string, Row>();
    await waitFor(
      "reconciliation refunded every charge that is not a paid order's",
      async () => {
        orders = await readOrders();
        byId = new Map(orders.map((o) => [o.id, o]));
        return sandbox
          .ledger()
          .every((c) => c.status !== 'succeeded' || byId.get(c.reference)?.charge_id === c.id || c.refundedAmount >= c.amount);
      },
      60_000,
      500,
    );
    for (const id of ackedBeforeCrash.values()) if (!byId.has(id)) violations.push(`acknowledged order ${id} is not in the ledger`);
    const paid = orders.filter((o) => o.status === 'paid');
    const netCharged = new Map<string, number>();
    for (const c of sandbox.ledger()) {
      if (c.status !== 'succeeded' || c.refundedAmount >= c.amount) continue;
      const o = byId.get(c.reference);
      if (!o || o.charge_id !== c.id) violations.push(`charge ${c.id} (${c.reference}) is neither a paid order's nor refunded`);
      const who = o?.buyer_id ?? c.reference;
      netCharged.set(who, (netCharged.get(who) ?? 0) + 1);
    }
    for (const [who, n] of netCharged) if (n > 1) violations.push(`buyer ${who} charged ${n} times`);
    for (const o of paid)
      if (!sandbox.ledger().some((c) => c.id === o.charge_id && c.status === 'succeeded'))
        violations.push(`order ${o.id} paid without a charge`);
    const perBuyer = new Map<string, number>();
    for (const o of paid) perBuyer.set(o.buyer_id, (perBuyer.get(o.buyer_id) ?? 0) + o.quantity);
    for (const [who, n] of perBuyer) if (n > 1) violations.push(`buyer ${who} holds ${n} paid units (limit 1)`);

    const redis = down.add(new Redis(redisServer.url));
    const c = await saleCounts(redis, prefix, saleId);
    const paidUnits = paid.reduce((n, o) => n + o.quantity, 0);
    if (c.left + c.reserved + c.sold + c.returned !== c.quantity) violations.push(`stock not conserved: ${JSON.stringify(c)}`);
    if (c.reserved !== 0) violations.push(`units still reserved after settling: ${JSON.stringify(c)}`);
    if (c.sold !== paidUnits) violations.push(`sold ${c.sold} but the ledger's paid orders hold ${paidUnits} units`);
    const byStatus: Record<string, number> = {};
    for (const o of orders) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
    const refunded = sandbox.ledger().filter((x) => x.refundedAmount > 0).length;
    return {
      figures: {
        ackedBeforeCrash: ackedBeforeCrash.size,
        ackedAtCopy,
        orders: orders.length,
        byStatus,
        charges: sandbox.ledger().length,
        refundedByReconciliation: refunded,
        sale: c,
      },
      violations,
    };
  } finally {
    await tearDown(down, log);
  }
}
