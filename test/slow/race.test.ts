import { expect, it } from 'vitest';
import { TokenService } from '../../server/auth/tokens.ts';
import type { Ack, PlaceOrderResult } from '@hawker/protocol';
import { call, connect, ok, type ClientSocket } from '../../harness/clients.ts';
import {
  liveRoomWithProduct,
  saleCounts,
  scheduleSale,
  skuCounts,
  startCommerce,
  waitFinal,
  watchSaleInvariant,
} from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';

const BUYERS = 2_000;
const QUANTITY = 100;
const LIMIT = 2;

const t = useTeardown();

it(`${BUYERS} buyers on real sockets race for ${QUANTITY} units, then for the units declined payments return: no oversell, invariant at every check, limits hold, everyone answered`, async () => {
  // Payments run during the race (30% declines release stock back into it), so the counters move in every direction.
  const { sandbox, node, redis } = await startCommerce(t, {
    gateway: { latencyMs: 5, declineRate: 0.3 },
    env: { PAYMENT_WORKER_CONCURRENCY: '32' },
  });
  const { creator, room, product } = await liveRoomWithProduct(node, { stock: 500 });
  // A long window: connecting 2,000 sockets on a loaded 2-core box can take a minute, and the sale must still be open
  // when phase 2 runs (an ended sale returns its unsold units to the SKU, which is a different check).
  const sale = await scheduleSale(node, creator, room.id, product.id, {
    quantity: QUANTITY,
    perBuyerLimit: LIMIT,
    durationMs: 30 * 60_000,
  });

  // Real sockets, one identity each, connected and joined in bounded batches.
  const signer = new TokenService({ kind: 'secret', secret: node.node.ctx.config.JWT_SECRET });
  const buyers: { id: string; socket: ClientSocket }[] = [];
  for (let i = 0; i < BUYERS; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, BUYERS - i) }, async (_, j) => {
        const id = `b${i + j}`;
        const { token } = await signer.sign({ userId: id, name: id, role: 'viewer' });
        const socket = t.add(await connect(node.url, token));
        ok(await call(socket, 'room:join', { roomId: room.id }, 30_000));
        return { id, socket };
      }),
    );
    buyers.push(...batch);
  }

  // The invariant checker reads the sale's counters atomically in a loop while the race runs.
  // Stopped at teardown too, should the test fail midway.
  const watcher = t.add(watchSaleInvariant(redis, node.prefix, sale.id, LIMIT), (w) => w.stop());

  // Phase 1, the burst: every buyer fires four requests at once: one unit each under keys A, B and C (the third
  // exceeds the limit of two when the first two succeed) and a replay of key A.
  type Attempt = { buyer: string; key: string; ack: Ack<PlaceOrderResult> | { ok: false; error: { code: 'NO_ANSWER'; message: string } } };
  const fire = (keys: string[]) =>
    Promise.all(
      buyers.flatMap(({ id, socket }) =>
        keys.map(async (k): Promise<Attempt> => {
          const key = `${id}-order-${k}`;
          const ack = await call(
            socket,
            'order:place',
            { roomId: room.id, saleId: sale.id, quantity: 1, idempotencyKey: key },
            60_000,
          ).catch((err: Error) => ({
            ok: false as const,
            error: { code: 'NO_ANSWER' as const, message: err.message },
          }));
          return { buyer: id, key, ack: ack as Attempt['ack'] };
        }),
      ),
    );
  const burst = await fire(['A', 'B', 'C', 'A']);

  // Everyone got an answer, and every answer is a reservation or a typed refusal.
  expect(burst).toHaveLength(BUYERS * 4);
  const reasons = tally(burst);
  for (const r of reasons.keys()) expect(['reserved', 'replayed', 'CONFLICT:SOLD_OUT', 'CONFLICT:LIMIT_REACHED']).toContain(r);
  expect(reasons.get('reserved')).toBe(QUANTITY);
  expect(reasons.get('CONFLICT:SOLD_OUT')).toBeGreaterThan(0);

  // One idempotency key never made two orders; replays answered with the order their key made.
  const byKey = new Map<string, Set<string>>();
  for (const a of burst)
    if (a.ack.ok)
      (byKey.get(`${a.buyer}/${a.key}`) ?? byKey.set(`${a.buyer}/${a.key}`, new Set()).get(`${a.buyer}/${a.key}`)!).add(
        a.ack.data.order.id,
      );
  for (const ids of byKey.values()) expect(ids.size).toBe(1);

  // Payments settle the burst's orders (about 30% are declined, and their units return to the sale)...
  const burstIds = orderIdsOf(burst);
  const burstOrders = await waitFinal(node, creator, burstIds, 60_000);
  const declinedUnits = burstOrders.filter((o) => o.status === 'failed').length;
  expect(declinedUnits).toBeGreaterThan(0);
  expect(await saleCounts(redis, node.prefix, sale.id)).toMatchObject({ left: declinedUnits, reserved: 0, sold: QUANTITY - declinedUnits });

  // ...and phase 2 races every buyer again (new key D) for exactly those returned units (no declines now, so no
  // unit comes back during this phase and the count of winners is exact).
  sandbox.update({ declineRate: 0 });
  const second = await fire(['D']);
  expect(second).toHaveLength(BUYERS);
  const reasons2 = tally(second);
  for (const r of reasons2.keys()) expect(['reserved', 'CONFLICT:SOLD_OUT', 'CONFLICT:LIMIT_REACHED']).toContain(r);
  expect(reasons2.get('reserved')).toBe(declinedUnits);

  // Every order is final; stop checking.
  const orders = [...burstOrders, ...(await waitFinal(node, creator, orderIdsOf(second), 60_000))];
  const { violations, checks } = await watcher.stop();
  expect(violations).toEqual([]);
  expect(checks).toBeGreaterThan(10);

  const paid = orders.filter((o) => o.status === 'paid');
  const soldUnits = paid.reduce((n, o) => n + o.quantity, 0);
  const final = await saleCounts(redis, node.prefix, sale.id);
  // Sold out exactly: every unit sold once, none twice.
  expect(final).toEqual({ left: 0, reserved: 0, sold: QUANTITY, returned: 0, quantity: QUANTITY });
  expect(soldUnits).toBe(QUANTITY);
  expect(orders.every((o) => o.status === 'paid' || o.status === 'failed')).toBe(true);

  // Per-buyer limit: paid units per buyer never exceed it.
  const perBuyer = new Map<string, number>();
  expect(paid.length).toBeGreaterThan(0);
  for (const o of paid) perBuyer.set(o.buyerId, (perBuyer.get(o.buyerId) ?? 0) + o.quantity);
  expect(Math.max(...perBuyer.values())).toBeLessThanOrEqual(LIMIT);

  // The gateway's ledger: exactly one successful charge per paid order, none for the others.
  const succeeded = sandbox.ledger().filter((c) => c.status === 'succeeded');
  expect(succeeded.map((c) => c.reference).sort()).toEqual(paid.map((o) => o.id).sort());
  // The SKU gave exactly QUANTITY units to the sale and no more; sold in the sale, they count as sold on the SKU.
  expect(await skuCounts(redis, node.prefix, product.id)).toMatchObject({ left: 400, sold: QUANTITY, allocated: 0, total: 500 });
}, 240_000); // 2,000 sockets on a shared 2-core box: bounded, but slower than the default when other suites run alongside

type AnyAttempt = { ack: Ack<PlaceOrderResult> | { ok: false; error: { code: string; details?: unknown } } };

/** Counts answers by outcome: reserved, replayed, or CODE:reason. */
function tally(attempts: readonly AnyAttempt[]): Map<string, number> {
  const reasons = new Map<string, number>();
  for (const a of attempts) {
    const r = a.ack.ok
      ? a.ack.data.replayed
        ? 'replayed'
        : 'reserved'
      : `${a.ack.error.code}:${(a.ack.error.details as { reason?: string } | undefined)?.reason ?? ''}`;
    reasons.set(r, (reasons.get(r) ?? 0) + 1);
  }
  return reasons;
}

function orderIdsOf(attempts: readonly AnyAttempt[]): string[] {
  return [...new Set(attempts.flatMap((a) => (a.ack.ok ? [a.ack.data.order.id] : [])))];
}
