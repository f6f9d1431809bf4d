/**
 * The flash-sale benchmark's baselines: one bare Socket.IO server (no auth, same wire shapes as Hawker) implementing
 * the same rules as Hawker's reserve script (idempotency, per-buyer limit, stock), with the stock step chosen by
 * `mode`, so the baselines differ from each other in that step only:
 *
 * - `naive`: each step its own Redis command: read the idempotency key, the buyer's units, GET the stock, check,
 *   DECR, record. Between the GET and the DECR other buyers read the same stock, so it oversells: the reference that
 *   shows why the step must be atomic.
 * - `watch`: Redis optimistic transactions. WATCH the stock, the buyer's units and the idempotency key, read them (one
 *   pipeline), check, then MULTI/EXEC the writes; EXEC answers null when a watched key changed meanwhile and the
 *   attempt starts over, until it succeeds or the rules refuse it (sold out, limit). WATCH belongs to a connection, so
 *   each transaction runs on its own connection: a pool of `watchConnections` workers, attempts queued for a free one.
 * - `lock`: a per-SKU lock: SET lock NX PX `leaseMs` with a random token (a lease, so a crashed holder does not
 *   block the sale forever), retried after a jittered exponential backoff; the holder reads, checks and writes (one
 *   pipeline each way), then releases with a compare-and-delete script. Correct as long as no holder outlives its
 *   lease; one that does lets a second holder in, and the benchmark would show that as oversell.
 * - `lua`: the whole step as one script (EVALSHA), Hawker's approach without the rest of Hawker (auth, zod, event
 *   budget, room status, order records and streams): what the atomic step costs on this server code.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

export type StockMode = 'naive' | 'watch' | 'lock' | 'lua';

const { redisUrl, prefix, limit, mode, watchConnections, leaseMs } = JSON.parse(process.argv[2] ?? '{}') as {
  redisUrl: string;
  prefix: string;
  limit: number;
  mode: StockMode;
  watchConnections: number;
  leaseMs: number;
};
const redis = new Redis(redisUrl);
const server = http.createServer();
const io = new Server(server, { maxHttpBufferSize: 64 * 1024 });
let seq = 0;
/** Stock-step retries (WATCH conflicts, lock waits): reported to the benchmark when it asks (`stats`). */
const stats = { retries: 0, lockWaits: 0 };

type Ack = (r: unknown) => void;
type Outcome = { ok: true; orderId: string; replayed: boolean } | { ok: false; reason: 'LIMIT_REACHED' | 'SOLD_OUT' };
const keys = (saleId: string, buyer: string, idempotencyKey: string) => ({
  stock: `${prefix}stock:${saleId}`,
  units: `${prefix}units:${saleId}`,
  sold: `${prefix}sold:${saleId}`,
  idem: `${prefix}idem:${buyer}:${idempotencyKey}`,
  lock: `${prefix}lock:${saleId}`,
});
const newOrderId = () => `o${process.pid}-${seq++}`;

async function naive(saleId: string, buyer: string, quantity: number, idempotencyKey: string): Promise<Outcome> {
  const k = keys(saleId, buyer, idempotencyKey);
  const prior = await redis.get(k.idem);
  if (prior) return { ok: true, orderId: prior, replayed: true };
  const units = Number(await redis.hget(k.units, buyer));
  if (units + quantity > limit) return { ok: false, reason: 'LIMIT_REACHED' };
  const left = Number(await redis.get(k.stock));
  if (left < quantity) return { ok: false, reason: 'SOLD_OUT' };
  await redis.decrby(k.stock, quantity);
  const orderId = newOrderId();
  await redis.hincrby(k.units, buyer, quantity);
  await redis.hset(`${prefix}order:${orderId}`, 'buyer', buyer, 'sale', saleId, 'quantity', quantity, 'status', 'reserved');
  await redis.set(k.idem, orderId);
  await redis.incrby(k.sold, quantity);
  return { ok: true, orderId, replayed: false };
}

/** One connection per WATCH worker; attempts wait for a free one (FIFO). */
const pool: Redis[] = mode === 'watch' ? Array.from({ length: watchConnections }, () => new Redis(redisUrl)) : [];
const waiting: ((r: Redis) => void)[] = [];
const acquire = (): Promise<Redis> => {
  const free = pool.pop();
  return free ? Promise.resolve(free) : new Promise((resolve) => waiting.push(resolve));
};
const release = (r: Redis) => {
  const next = waiting.shift();
  if (next) next(r);
  else pool.push(r);
};

async function watch(saleId: string, buyer: string, quantity: number, idempotencyKey: string): Promise<Outcome> {
  const k = keys(saleId, buyer, idempotencyKey);
  const conn = await acquire();
  try {
    for (;;) {
      // WATCH and the reads in one round trip (a pipeline: WATCH is not a transaction command).
      const read = await conn.pipeline().watch(k.stock, k.units, k.idem).get(k.idem).hget(k.units, buyer).get(k.stock).exec();
      const [prior, units, left] = read!.slice(1).map(([err, v]) => {
        if (err) throw err;
        return v as string | null;
      });
      if (prior) {
        await conn.unwatch();
        return { ok: true, orderId: prior, replayed: true };
      }
      if (Number(units) + quantity > limit) {
        await conn.unwatch();
        return { ok: false, reason: 'LIMIT_REACHED' };
      }
      if (Number(left) < quantity) {
        await conn.unwatch();
        return { ok: false, reason: 'SOLD_OUT' };
      }
      const orderId = newOrderId();
      const done = await conn
        .multi()
        .decrby(k.stock, quantity)
        .hincrby(k.units, buyer, quantity)
        .hset(`${prefix}order:${orderId}`, 'buyer', buyer, 'sale', saleId, 'quantity', quantity, 'status', 'reserved')
        .set(k.idem, orderId)
        .incrby(k.sold, quantity)
        .exec();
      if (done) return { ok: true, orderId, replayed: false };
      stats.retries += 1; // a watched key changed between the reads and EXEC: nothing was written; read again
    }
  } finally {
    release(conn);
  }
}

const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function lock(saleId: string, buyer: string, quantity: number, idempotencyKey: string): Promise<Outcome> {
  const k = keys(saleId, buyer, idempotencyKey);
  const token = randomBytes(8).toString('hex');
  for (let attempt = 0; (await redis.set(k.lock, token, 'PX', leaseMs, 'NX')) !== 'OK'; attempt++) {
    stats.lockWaits += 1;
    // Full jitter: a random wait up to an exponentially growing cap (1, 2, 4 ... 64 ms), so waiters spread out.
    await sleep(Math.random() * Math.min(64, 2 ** attempt));
  }
  try {
    const read = await redis.pipeline().get(k.idem).hget(k.units, buyer).get(k.stock).exec();
    const [prior, units, left] = read!.map(([err, v]) => {
      if (err) throw err;
      return v as string | null;
    });
    if (prior) return { ok: true, orderId: prior, replayed: true };
    if (Number(units) + quantity > limit) return { ok: false, reason: 'LIMIT_REACHED' };
    if (Number(left) < quantity) return { ok: false, reason: 'SOLD_OUT' };
    const orderId = newOrderId();
    await redis
      .multi()
      .decrby(k.stock, quantity)
      .hincrby(k.units, buyer, quantity)
      .hset(`${prefix}order:${orderId}`, 'buyer', buyer, 'sale', saleId, 'quantity', quantity, 'status', 'reserved')
      .set(k.idem, orderId)
      .incrby(k.sold, quantity)
      .exec();
    return { ok: true, orderId, replayed: false };
  } finally {
    await redis.eval(RELEASE, 1, k.lock, token);
  }
}

const RESERVE = `
local prior = redis.call('get', KEYS[4])
if prior then return {1, prior, 1} end
local qty = tonumber(ARGV[2])
if tonumber(redis.call('hget', KEYS[2], ARGV[1]) or '0') + qty > tonumber(ARGV[3]) then return {0, 'LIMIT_REACHED'} end
if tonumber(redis.call('get', KEYS[1]) or '0') < qty then return {0, 'SOLD_OUT'} end
redis.call('decrby', KEYS[1], qty)
redis.call('hincrby', KEYS[2], ARGV[1], qty)
redis.call('hset', KEYS[5], 'buyer', ARGV[1], 'sale', ARGV[5], 'quantity', qty, 'status', 'reserved')
redis.call('set', KEYS[4], ARGV[4])
redis.call('incrby', KEYS[3], qty)
return {1, ARGV[4], 0}`;
redis.defineCommand('reserve', { numberOfKeys: 5, lua: RESERVE });

async function lua(saleId: string, buyer: string, quantity: number, idempotencyKey: string): Promise<Outcome> {
  const k = keys(saleId, buyer, idempotencyKey);
  const orderId = newOrderId();
  const [ok, value, replayed] = (await (redis as unknown as { reserve(...a: unknown[]): Promise<[number, string, number?]> }).reserve(
    k.stock,
    k.units,
    k.sold,
    k.idem,
    `${prefix}order:${orderId}`,
    buyer,
    quantity,
    limit,
    orderId,
    saleId,
  )) as [number, string, number?];
  if (ok === 1) return { ok: true, orderId: value, replayed: replayed === 1 };
  return { ok: false, reason: value as 'LIMIT_REACHED' | 'SOLD_OUT' };
}

const STEPS: Record<StockMode, typeof naive> = { naive, watch, lock, lua };
const step = STEPS[mode];
if (!step) throw new Error(`unknown stock mode ${mode}`);

io.on('connection', (socket) => {
  const buyer = String(socket.handshake.auth.userId ?? socket.id);
  socket.on('room:join', (_: unknown, ack: Ack) => ack({ ok: true, data: {} }));
  socket.on(
    'order:place',
    async ({ saleId, quantity, idempotencyKey }: { saleId: string; quantity: number; idempotencyKey: string }, ack: Ack) => {
      try {
        const r = await step(saleId, buyer, quantity, idempotencyKey);
        if (r.ok) ack({ ok: true, data: { order: { id: r.orderId }, replayed: r.replayed } });
        else ack({ ok: false, error: { code: 'CONFLICT', message: r.reason, details: { reason: r.reason } } });
      } catch (err) {
        ack({ ok: false, error: { code: 'INTERNAL', message: (err as Error).message } });
      }
    },
  );
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ ready: true, url: `http://127.0.0.1:${port}` });
});
process.on('message', (m: { stats?: boolean }) => {
  if (m.stats) process.send?.({ stats });
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
