import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { catalogKeys } from '../server/catalog/store.ts';
import { saleKeys } from '../server/flash-sale/store.ts';
import { orderKeys } from '../server/orders/store.ts';
import { createLogger } from '../server/kernel/log.ts';
import { SandboxGateway } from '../server/payments/sandbox/server.ts';
import type { SandboxSettings } from '../server/payments/sandbox/config.ts';
import type {
  FlashSale,
  Order,
  OrderUpdated,
  PlaceOrderResult,
  Principal,
  Product,
  Room,
  RoomSnapshot,
  ScheduleSaleBody,
} from '@hawker/protocol';
import { TERMINAL_ORDER_STATUSES } from '@hawker/protocol';
import { api, call, connect, devToken, ok, type ClientSocket } from './clients.ts';
import { schemaFor, startNode, testDatabaseUrl, waitFor, type TestNode } from './node.ts';
import type { Teardown } from './teardown.ts';

/** Anything with a node's base URL (a TestNode, or a server started as a child process). */
export type Reachable = Pick<TestNode, 'url'>;

/** API key and webhook secret shared by test nodes and test sandboxes. */
export const GATEWAY_KEY = 'sk_test_hawker_key';
export const WEBHOOK_SECRET = 'whsec_test_hawker_secret';

/** An in-process sandbox gateway on a free loopback port (fast, no declines or timeouts unless asked). */
export function startSandbox(settings: Partial<SandboxSettings> & { ledgerFile?: string } = {}): Promise<SandboxGateway> {
  return SandboxGateway.start({
    apiKey: GATEWAY_KEY,
    webhookSecret: WEBHOOK_SECRET,
    latencyMs: 10,
    declineRate: 0,
    timeoutRate: 0,
    timeoutProcessedRate: 0.5,
    hangMs: 1_000,
    outage: false,
    webhookUrl: null,
    log: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent', 'sandbox'),
    ...settings,
  });
}

/** The environment that points a node (or a payment worker process) at `sandbox`. */
export function gatewayEnv(sandbox: SandboxGateway): Record<string, string> {
  return {
    PAYMENT_GATEWAY_URL: sandbox.url,
    PAYMENT_GATEWAY_API_KEY: GATEWAY_KEY,
    PAYMENT_WEBHOOK_SECRET: WEBHOOK_SECRET,
    PAYMENT_BACKOFF_MS: '50',
    PAYMENT_REQUEST_TIMEOUT_MS: '2000',
  };
}

/** A full node wired to `sandbox` (webhooks included) with a fast commerce tick. */
export async function startCommerceNode(sandbox: SandboxGateway | null, env: Record<string, string> = {}): Promise<TestNode> {
  const node = await startNode({ COMMERCE_TICK_MS: '100', ...(sandbox ? gatewayEnv(sandbox) : {}), ...env });
  sandbox?.update({ webhookUrl: `${node.url}/api/payments/webhook` });
  return node;
}

/**
 * The usual commerce test bench, closed by `t` after the test: a sandbox gateway (`gateway` overrides its settings), a
 * node paying through it (`env` overrides the node's configuration), and an inspector connection to the run's Redis.
 */
export async function startCommerce(t: Teardown, opts: { gateway?: Partial<SandboxSettings>; env?: Record<string, string> } = {}) {
  const sandbox = t.add(await startSandbox(opts.gateway));
  const node = t.add(await startCommerceNode(sandbox, opts.env));
  const redis = t.add(inspector());
  return { sandbox, node, redis };
}

/** Adds a one-SKU product (SKU "std") to a room as its creator; 201 expected. */
export async function addRoomProduct(
  node: Reachable,
  creator: string,
  roomId: string,
  p: { title: string; imageUrl: string; price: number; stock: number; label?: string; maxPerBuyer?: number },
): Promise<Product> {
  const product = await api<Product>(node.url, 'POST', `/api/rooms/${roomId}/products`, creator, {
    title: p.title,
    imageUrl: p.imageUrl,
    price: p.price,
    currency: 'USD',
    skus: [{ id: 'std', label: p.label ?? 'Standard', stock: p.stock }],
    ...(p.maxPerBuyer ? { maxPerBuyer: p.maxPerBuyer } : {}),
  });
  if (product.status !== 201) throw new Error(`product: ${JSON.stringify(product.body)}`);
  return product.body;
}

/** A live room with one product (SKU "std"), created by creator `c1` of agency `ag1`. */
export async function liveRoomWithProduct(
  node: Reachable,
  opts: { stock?: number; price?: number; maxPerBuyer?: number; live?: boolean; scheduledAt?: number } = {},
): Promise<{ creator: string; room: Room; product: Product }> {
  const creator = await devToken(node.url, { userId: 'c1', name: 'Creator', role: 'creator', agencyId: 'ag1' });
  const room = await api<Room>(node.url, 'POST', '/api/rooms', creator, {
    title: 'Flash sale night',
    ...(opts.scheduledAt ? { scheduledAt: opts.scheduledAt } : {}),
  });
  if (room.status !== 201) throw new Error(`room: ${JSON.stringify(room.body)}`);
  const product = await addRoomProduct(node, creator, room.body.id, {
    title: 'Silk scarf',
    imageUrl: 'https://img.example.com/scarf.jpg',
    price: opts.price ?? 1999,
    stock: opts.stock ?? 100,
    ...(opts.maxPerBuyer ? { maxPerBuyer: opts.maxPerBuyer } : {}),
  });
  if (opts.live !== false) {
    const live = await api(node.url, 'POST', `/api/rooms/${room.body.id}/live`, creator);
    if (live.status !== 200) throw new Error(`live: ${JSON.stringify(live.body)}`);
  }
  return { creator, room: room.body, product };
}

/** Schedules a flash sale on the product's "std" SKU (default: starts now, 60 s, 10 units, limit 2). */
export async function scheduleSale(
  node: Reachable,
  creator: string,
  roomId: string,
  productId: string,
  body: Partial<ScheduleSaleBody> = {},
): Promise<FlashSale> {
  const res = await api<FlashSale>(node.url, 'POST', `/api/rooms/${roomId}/sales`, creator, {
    productId,
    skuId: 'std',
    durationMs: 60_000,
    salePrice: 999,
    quantity: 10,
    perBuyerLimit: 2,
    ...body,
  });
  if (res.status !== 201) throw new Error(`sale: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A connected viewer that joined `roomId`; `t` disconnects it after the test. */
export async function joinedViewer(
  t: Teardown,
  node: Reachable,
  roomId: string,
  who: Partial<Principal> & { userId: string },
): Promise<{ socket: ClientSocket; token: string; snapshot: RoomSnapshot }> {
  const token = await devToken(node.url, { name: who.userId, role: 'viewer', ...who });
  const socket = t.add(await connect(node.url, token));
  const snapshot = ok(await call(socket, 'room:join', { roomId })) as RoomSnapshot;
  return { socket, token, snapshot };
}

/**
 * `n` viewers (ids `${tag}0`...) join the room and each orders one unit of the sale (`t` disconnects them after the
 * test). Returns the order ids, and every `order:updated` push they receive from then on.
 */
export async function buyersOrder(t: Teardown, node: Reachable, roomId: string, saleId: string, n: number, tag = 'buyer') {
  const orderIds: string[] = [];
  const updates: OrderUpdated[] = [];
  for (let i = 0; i < n; i++) {
    const v = await joinedViewer(t, node, roomId, { userId: `${tag}${i}` });
    v.socket.on('order:updated', (u) => updates.push(u));
    const placed = ok(
      await call(v.socket, 'order:place', { roomId, saleId, quantity: 1, idempotencyKey: `${tag}-order-${i}` }),
    ) as PlaceOrderResult;
    orderIds.push(placed.order.id);
  }
  return { orderIds, updates };
}

/** A direct Redis connection to the run's Redis, for reading counters (register it with the test's Teardown). */
export function inspector(): Redis {
  return new Redis(inject('redisUrl'), { maxRetriesPerRequest: 2 });
}

/** The counters of a flash sale (its stock pool). */
export async function saleCounts(redis: Redis, prefix: string, saleId: string) {
  const [left, reserved, sold, returned, quantity] = (
    await redis.hmget(saleKeys(prefix).sale(saleId), 'left', 'reserved', 'sold', 'returned', 'quantity')
  ).map(Number);
  return { left: left!, reserved: reserved!, sold: sold!, returned: returned!, quantity: quantity! };
}

/**
 * Checks a sale's stock invariant in a loop until stopped: each check reads the counters atomically (one HMGET) and
 * requires left + reserved + sold + returned = quantity with no negative counter and, with `perBuyerLimit`, that no
 * buyer holds more active units than the limit. `stop()` resolves with what it found.
 */
export function watchSaleInvariant(redis: Redis, prefix: string, saleId: string, perBuyerLimit?: number) {
  const violations: string[] = [];
  let checks = 0;
  let running = true;
  const loop = (async () => {
    while (running && redis.status === 'ready') {
      const c = await saleCounts(redis, prefix, saleId);
      if (c.left + c.reserved + c.sold + c.returned !== c.quantity) violations.push(`sum ${JSON.stringify(c)}`);
      if (c.left < 0 || c.reserved < 0 || c.sold < 0 || c.returned < 0) violations.push(`negative ${JSON.stringify(c)}`);
      if (perBuyerLimit !== undefined) {
        for (const [buyer, units] of Object.entries(await redis.hgetall(orderKeys(prefix).units(`sale:${saleId}`)))) {
          if (Number(units) > perBuyerLimit) violations.push(`buyer ${buyer} holds ${units} units`);
        }
      }
      checks++;
    }
  })();
  return {
    async stop(): Promise<{ violations: string[]; checks: number }> {
      running = false;
      await loop;
      return { violations, checks };
    },
  };
}

/** The counters of a SKU's list-price stock pool. */
export async function skuCounts(redis: Redis, prefix: string, productId: string, skuId = 'std') {
  const [left, reserved, sold, allocated, total] = (
    await redis.hmget(catalogKeys(prefix).stock(productId, skuId), 'left', 'reserved', 'sold', 'allocated', 'total')
  ).map(Number);
  return { left: left!, reserved: reserved!, sold: sold!, allocated: allocated!, total: total! };
}

/** Fetches orders by id through the REST API (as the room's manager) until every one is final. */
export async function waitFinal(node: Reachable, token: string, orderIds: readonly string[], timeoutMs = 30_000): Promise<Order[]> {
  return waitFor(
    `${orderIds.length} orders final`,
    async () => {
      const orders = await Promise.all(orderIds.map(async (id) => (await api<Order>(node.url, 'GET', `/api/orders/${id}`, token)).body));
      return orders.every((o) => TERMINAL_ORDER_STATUSES.includes(o.status)) ? orders : undefined;
    },
    timeoutMs,
    100,
  );
}

const root = path.resolve(import.meta.dirname, '..');

/**
 * A standalone payment worker process (server/payments/workerMain.ts), as an operator would run it; `t` SIGKILLs it
 * after the test if it is still running.
 */
export function spawnPaymentWorker(t: Teardown, env: Record<string, string>) {
  const child = t.add(
    spawn(process.execPath, ['--import', 'tsx', 'server/payments/workerMain.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
        // The deployment's ledger: the run's PostgreSQL, the schema of the nodes' key prefix.
        DATABASE_URL: testDatabaseUrl(),
        ...(env.REDIS_KEY_PREFIX ? { DATABASE_SCHEMA: schemaFor(env.REDIS_KEY_PREFIX) } : {}),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
    (c) => c.kill('SIGKILL'), // a no-op once it has exited
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return { child, output: () => out, exited: once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]> };
}
