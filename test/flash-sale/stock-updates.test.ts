import { expect, it } from 'vitest';
import type { StockUpdate } from '@hawker/protocol';
import { call } from '../../harness/clients.ts';
import { joinedViewer, liveRoomWithProduct, scheduleSale, startCommerceNode } from '../../harness/commerce.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const TICK_MS = 1_000;
const t = useTeardown();

it('live stock reaches viewers coalesced: at most one stock packet per room per tick, sold-out announced once', async () => {
  const node = t.add(await startCommerceNode(null, { COMMERCE_TICK_MS: String(TICK_MS) }));
  const { creator, room, product } = await liveRoomWithProduct(node, { stock: 40 });
  const sale = await scheduleSale(node, creator, room.id, product.id, { quantity: 20, perBuyerLimit: 1 });
  const watcher = await joinedViewer(t, node, room.id, { userId: 'watcher' });
  const buyers = await Promise.all(Array.from({ length: 21 }, (_, i) => joinedViewer(t, node, room.id, { userId: `buyer${i}` })));

  const packets: { update: StockUpdate }[] = [];
  let soldOut = 0;
  watcher.socket.on('stock:update', (update) => packets.push({ update }));
  watcher.socket.on('sale:soldout', (s) => void (s.saleId === sale.id && soldOut++));

  const started = Date.now();
  const acks = await Promise.all(
    buyers.map((b, i) =>
      call(b.socket, 'order:place', { roomId: room.id, saleId: sale.id, quantity: 1, idempotencyKey: `coalesce-order-${i}` }),
    ),
  );
  expect(acks.filter((a) => a.ok)).toHaveLength(20);
  expect(acks.filter((a) => !a.ok).map((a) => !a.ok && a.error.details)).toEqual([{ reason: 'SOLD_OUT', left: 0 }]);

  // The last packet shows the final count, and sold-out was announced exactly once.
  await waitFor(
    'a packet showing 0 left',
    () => packets.some((p) => p.update.sales.some((s) => s.saleId === sale.id && s.left === 0)),
    10_000,
  );
  await waitFor('sold-out push', () => soldOut === 1, 5_000);
  const elapsed = Date.now() - started;
  // 20 orders, but the room got at most one packet per tick that elapsed (plus the tick in progress at the start).
  const salePackets = packets.filter((p) => p.update.sales.some((s) => s.saleId === sale.id && s.left < 20));
  expect(salePackets.length).toBeLessThanOrEqual(Math.floor(elapsed / TICK_MS) + 1);
  expect(salePackets.length).toBeLessThan(20);
  expect(soldOut).toBe(1);
});
