import { expect, it } from 'vitest';
import type { FlashSale, OrderUpdated, PlaceOrderResult } from '@hawker/protocol';
import { call, ok } from '../../harness/clients.ts';
import { joinedViewer, liveRoomWithProduct, scheduleSale, startCommerceNode, startSandbox, waitFinal } from '../../harness/commerce.ts';
import { randomPrefix, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('two nodes: each sale start is announced once, the buyer on one node hears about a payment made on the other', async () => {
  const sandbox = t.add(await startSandbox());
  const prefix = randomPrefix();
  // Node A serves the buyer and runs no payment worker; node B pays. Both run the sale scheduler.
  const a = t.add(await startCommerceNode(sandbox, { REDIS_KEY_PREFIX: prefix, PAYMENT_WORKER: 'false' }));
  const b = t.add(await startCommerceNode(sandbox, { REDIS_KEY_PREFIX: prefix }));
  sandbox.update({ webhookUrl: null }); // only B's worker settles payments

  const { creator, room, product } = await liveRoomWithProduct(a);
  const onA = await joinedViewer(t, a, room.id, { userId: 'buyer' });
  const onB = await joinedViewer(t, b, room.id, { userId: 'watcher' });
  const started: FlashSale[] = [];
  onA.socket.on('sale:started', (s) => started.push(s));
  onB.socket.on('sale:started', (s) => started.push(s));
  const pushes: OrderUpdated[] = [];
  onA.socket.on('order:updated', (u) => pushes.push(u));
  const watcherPushes: OrderUpdated[] = [];
  onB.socket.on('order:updated', (u) => watcherPushes.push(u));

  const sale = await scheduleSale(a, creator, room.id, product.id, { startsAt: Date.now() + 500 });
  await waitFor('both viewers told the sale started', () => started.length >= 2, 10_000);
  const placed = ok(
    await call(onA.socket, 'order:place', { roomId: room.id, saleId: sale.id, quantity: 1, idempotencyKey: 'two-nodes-order' }),
  ) as PlaceOrderResult;
  expect((await waitFinal(a, creator, [placed.order.id]))[0]!.status).toBe('paid');
  await waitFor('paid push on node A', () => pushes.some((u) => u.status === 'paid'));

  // Let a few more ticks of both schedulers pass: still exactly one announcement per viewer, one push per change.
  // A quiet window, not a wait for an event: what is checked is that nothing more arrives (5 ticks of 100 ms).
  await new Promise((r) => setTimeout(r, 500));
  expect(started.map((s) => s.id)).toEqual([sale.id, sale.id]);
  expect(pushes.map((u) => u.status)).toEqual(['reserved', 'pending_payment', 'paid']);
  expect(watcherPushes).toEqual([]); // other users never see this buyer's orders
});
