import { expect, it } from 'vitest';
import type { Ack, PlaceOrderResult } from '@hawker/protocol';
import { TokenService } from '../../server/auth/tokens.ts';
import { saleKeys } from '../../server/flash-sale/store.ts';
import { stockKeys } from '../../server/stock/keys.ts';
import { POOL_COUNT_FIELDS, poolCounts, poolViolations } from '../../server/stock/pool.ts';
import { api, call, connect, ok, type ClientSocket } from '../../harness/clients.ts';
import { scheduleSale, startCommerce } from '../../harness/commerce.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { creatorWithShop, ledgerUnits, room, select, simpleShopProduct } from './fixtures.ts';

const t = useTeardown();

const STOCK = 300;
const SALE_QUANTITY = 30;
const ROOM_A_BUYERS = 400; // half of them at the flash sale's price, half at list price
const ROOM_B_BUYERS = 400;
const STOREFRONT_BUYERS = 700; // REST, at list price
const REST_CONCURRENCY = 100;

type Outcome = { kind: 'reserved'; orderId: string } | { kind: string };

it(`one shop SKU of ${STOCK} units, selected into two live rooms and sold on the storefront at once by ${ROOM_A_BUYERS + ROOM_B_BUYERS + STOREFRONT_BUYERS} buyers: never oversold, stock conserved across channels, ledger and Redis agree`, async () => {
  // Payments run during the race and decline a fifth: declined units return to the pool and are raced for again.
  const { node, redis } = await startCommerce(t, {
    gateway: { latencyMs: 5, declineRate: 0.2 },
    env: { PAYMENT_WORKER_CONCURRENCY: '32' },
  });
  const { creator, shop } = await creatorWithShop(node);
  const product = await simpleShopProduct(node, creator, shop.id, STOCK, 2_000);
  const sku = product.skus[0]!;
  const [a, b] = [await room(node, creator), await room(node, creator)];
  await select(node, creator, a.id, product.id);
  await select(node, creator, b.id, product.id);
  const sale = await scheduleSale(node, creator, a.id, product.id, {
    skuId: sku.id,
    quantity: SALE_QUANTITY,
    salePrice: 1_000,
    perBuyerLimit: 2,
    durationMs: 30 * 60_000,
  });

  // Real sockets in both rooms, and REST buyers, one identity each.
  const signer = new TokenService({ kind: 'secret', secret: node.node.ctx.config.JWT_SECRET });
  const tokenOf = async (id: string) => (await signer.sign({ userId: id, name: id, role: 'viewer' })).token;
  const join = async (roomId: string, n: number, tag: string) => {
    const out: { id: string; socket: ClientSocket }[] = [];
    for (let i = 0; i < n; i += 100) {
      out.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(100, n - i) }, async (_, j) => {
            const id = `${tag}${i + j}`;
            const socket = t.add(await connect(node.url, await tokenOf(id)));
            ok(await call(socket, 'room:join', { roomId }, 30_000));
            return { id, socket };
          }),
        )),
      );
    }
    return out;
  };
  const roomA = await join(a.id, ROOM_A_BUYERS, 'a');
  const roomB = await join(b.id, ROOM_B_BUYERS, 'b');
  const storefront = await Promise.all(
    Array.from({ length: STOREFRONT_BUYERS }, async (_, i) => ({ id: `s${i}`, token: await tokenOf(`s${i}`) })),
  );

  // The invariant, read atomically (one MULTI) in a loop while the race runs: SKU and sale pools together.
  const sk = stockKeys(node.prefix);
  const violations: string[] = [];
  let checks = 0;
  let running = true;
  const watcher = (async () => {
    while (running) {
      const res = (await redis
        .multi()
        .hmget(sk.sku(product.id, sku.id), ...POOL_COUNT_FIELDS)
        .hmget(saleKeys(node.prefix).sale(sale.id), ...POOL_COUNT_FIELDS)
        .exec())!;
      violations.push(...poolViolations(poolCounts(res[0]![1] as string[]), [poolCounts(res[1]![1] as string[])]));
      checks++;
    }
  })();
  // Stopped at teardown too, should the test fail midway.
  t.add({
    close: async () => {
      running = false;
      await watcher;
    },
  });

  const fromAck = (ack: Ack<PlaceOrderResult>): Outcome =>
    ack.ok
      ? { kind: 'reserved', orderId: ack.data.order.id }
      : { kind: `${ack.error.code}:${(ack.error.details as { reason?: string } | undefined)?.reason ?? ''}` };
  // Both rooms' buyers fire interleaved (A, B, A, B...), so neither room is served first by construction.
  const socketOrders = roomA.flatMap(({ id, socket }, i) => [
    call(
      socket,
      'order:place',
      i % 2 === 0
        ? { roomId: a.id, saleId: sale.id, quantity: 1, idempotencyKey: `${id}-order` }
        : { roomId: a.id, productId: product.id, skuId: sku.id, quantity: 1, idempotencyKey: `${id}-order` },
      60_000,
    ).then(fromAck),
    call(
      roomB[i]!.socket,
      'order:place',
      { roomId: b.id, productId: product.id, skuId: sku.id, quantity: 1, idempotencyKey: `${roomB[i]!.id}-order` },
      60_000,
    ).then(fromAck),
  ]);
  // REST buyers in bounded waves, concurrently with the sockets.
  const restOrders = (async () => {
    const out: Outcome[] = [];
    for (let i = 0; i < storefront.length; i += REST_CONCURRENCY) {
      out.push(
        ...(await Promise.all(
          storefront.slice(i, i + REST_CONCURRENCY).map(async ({ id, token }) => {
            const res = await api<PlaceOrderResult & { error?: { code: string; details?: { reason?: string } } }>(
              node.url,
              'POST',
              '/api/orders',
              token,
              {
                productId: product.id,
                skuId: sku.id,
                quantity: 1,
                idempotencyKey: `${id}-order`,
                channel: 'storefront',
              },
            );
            return res.status === 201
              ? { kind: 'reserved', orderId: res.body.order.id }
              : { kind: `${res.body.error?.code}:${res.body.error?.details?.reason ?? ''}` };
          }),
        )),
      );
    }
    return out;
  })();
  const outcomes = [...(await Promise.all(socketOrders)), ...(await restOrders)];

  // Everyone got an answer: a reservation or a typed stock refusal.
  expect(outcomes).toHaveLength(ROOM_A_BUYERS + ROOM_B_BUYERS + STOREFRONT_BUYERS);
  const kinds = new Set(outcomes.map((o) => o.kind));
  for (const k of kinds) expect(['reserved', 'CONFLICT:SOLD_OUT', 'CONFLICT:INSUFFICIENT_STOCK']).toContain(k);
  const reserved = outcomes.filter((o): o is { kind: 'reserved'; orderId: string } => o.kind === 'reserved');
  expect(kinds.has('CONFLICT:SOLD_OUT')).toBe(true);
  expect(reserved.length).toBeGreaterThanOrEqual(STOCK); // sold out, and declined units were sold again

  // Every order settles; then the ledger and Redis agree unit for unit, and nothing was sold twice.
  await waitFor('every order final', async () => (await ledgerUnits(node, product.id, sku.id)).open === 0, 90_000, 200);
  const units = await ledgerUnits(node, product.id, sku.id);
  expect(units.orders).toBe(reserved.length); // every acknowledged order is in the ledger, and only those
  await api(node.url, 'POST', `/api/rooms/${a.id}/sales/${sale.id}/end`, creator);
  running = false;
  await watcher;
  expect(violations).toEqual([]);
  expect(checks).toBeGreaterThan(10);
  const pool = poolCounts(await redis.hmget(sk.sku(product.id, sku.id), ...POOL_COUNT_FIELDS));
  expect(pool.total).toBe(STOCK);
  expect(pool.reserved).toBe(units.open);
  expect(pool.sold).toBe(units.paid);
  expect(pool.sold).toBeLessThanOrEqual(STOCK);
  expect(pool.left + pool.reserved + pool.sold + pool.allocated).toBe(pool.total);
  expect(pool.allocated).toBe(0);
  // Reserved through every channel.
  const { rows } = await node.node.ctx.db.query<{ channel: string; room_id: string | null; n: number }>(
    `SELECT channel, room_id, count(*)::int AS n FROM orders WHERE product_id = $1 GROUP BY 1, 2`,
    [product.id],
  );
  expect(new Set(rows.map((r) => `${r.channel}:${r.room_id ?? ''}`))).toEqual(new Set([`live:${a.id}`, `live:${b.id}`, 'storefront:']));
}, 240_000);
