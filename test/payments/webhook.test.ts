import { expect, it } from 'vitest';
import { OrderStore } from '../../server/orders/store.ts';
import { HttpPaymentGateway } from '../../server/payments/gateway.ts';
import { signWebhook } from '../../server/payments/signature.ts';
import type { OrderUpdated, PlaceOrderResult } from '@hawker/protocol';
import type { GatewayWebhookEvent } from '../../server/payments/contract.ts';
import { call, ok } from '../../harness/clients.ts';
import {
  GATEWAY_KEY,
  joinedViewer,
  liveRoomWithProduct,
  saleCounts,
  scheduleSale,
  startCommerce,
  WEBHOOK_SECRET,
} from '../../harness/commerce.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it("the gateway's signed webhooks settle orders whose worker vanished mid-charge; forged, stale and replayed ones change nothing", async () => {
  // No worker here: after a charge starts, only the webhook can settle the order.
  const { sandbox, node, redis } = await startCommerce(t, { env: { PAYMENT_WORKER: 'false' } });
  const { creator, room, product } = await liveRoomWithProduct(node);
  const sale = await scheduleSale(node, creator, room.id, product.id, { quantity: 10, perBuyerLimit: 5 });
  const v1 = await joinedViewer(t, node, room.id, { userId: 'v1' });
  const pushes: OrderUpdated[] = [];
  v1.socket.on('order:updated', (u) => pushes.push(u));
  const store = new OrderStore(redis, node.prefix, 60_000);
  const gateway = new HttpPaymentGateway({ baseUrl: sandbox.url, apiKey: GATEWAY_KEY, timeoutMs: 5_000 });

  /** What a worker does up to the charge, then "dies": the order is left pending_payment. */
  const chargeThenVanish = async (key: string, quantity: number) => {
    const { order } = ok(
      await call(v1.socket, 'order:place', { roomId: room.id, saleId: sale.id, quantity, idempotencyKey: key }),
    ) as PlaceOrderResult;
    expect((await store.transition(order.id, 'begin')).status).toBe('pending_payment');
    const charge = await gateway.charge({ idempotencyKey: order.id, reference: order.id, amount: order.amount, currency: order.currency });
    return { order, charge };
  };

  const paid = await chargeThenVanish('webhook-order-1', 2);
  expect(paid.charge.status).toBe('succeeded');
  await waitFor('paid via webhook', async () => (await store.get(paid.order.id))?.status === 'paid');
  expect((await store.get(paid.order.id))!.chargeId).toBe(paid.charge.id);
  await waitFor('paid push', () => pushes.some((u) => u.orderId === paid.order.id && u.status === 'paid'));

  sandbox.update({ declineRate: 1 });
  const declined = await chargeThenVanish('webhook-order-2', 1);
  expect(declined.charge.status).toBe('declined');
  await waitFor('failed via webhook', async () => (await store.get(declined.order.id))?.status === 'failed');
  expect(await saleCounts(redis, node.prefix, sale.id)).toEqual({ left: 8, reserved: 0, sold: 2, returned: 0, quantity: 10 });

  const post = (event: unknown, sign: (body: string) => string | undefined = (b) => signWebhook(WEBHOOK_SECRET, b)) => {
    const body = JSON.stringify(event);
    const sig = sign(body);
    return fetch(`${node.url}/api/payments/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(sig ? { 'webhook-signature': sig } : {}) },
      body,
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as { applied?: boolean; error?: { code: string } } }));
  };
  const succeededEvent = (data: Partial<GatewayWebhookEvent['data']>): GatewayWebhookEvent => ({
    id: 'evt_test',
    type: 'charge.succeeded',
    createdAt: Date.now(),
    data: { ...paid.charge, ...data },
  });

  // A replay of a delivered event is acknowledged and changes nothing.
  expect(await post(succeededEvent({}))).toEqual({ status: 200, body: { received: true, applied: false } });
  // "Succeeded" for the declined order, correctly signed but not matching it (amount): ignored.
  const pending = await chargeThenVanish('webhook-order-3', 1); // declined too (declineRate 1), so it is failed now...
  await waitFor('third order failed', async () => (await store.get(pending.order.id))?.status === 'failed');
  expect((await post(succeededEvent({ reference: pending.order.id, idempotencyKey: pending.order.id, amount: 1 }))).body).toEqual({
    received: true,
    applied: false,
  });
  // Unknown order: acknowledged, ignored.
  expect((await post(succeededEvent({ reference: 'ord_nope', idempotencyKey: 'ord_nope' }))).body).toEqual({
    received: true,
    applied: false,
  });
  // Forged, tampered and stale signatures: 401.
  expect((await post(succeededEvent({}), () => undefined)).status).toBe(401);
  expect((await post(succeededEvent({}), (b) => signWebhook('whsec_someone_else_entirely', b))).status).toBe(401);
  expect((await post(succeededEvent({}), () => signWebhook(WEBHOOK_SECRET, '{"something":"else"}'))).status).toBe(401);
  expect((await post(succeededEvent({}), (b) => signWebhook(WEBHOOK_SECRET, b, Date.now() - 10 * 60_000))).status).toBe(401);

  expect((await store.get(paid.order.id))!.status).toBe('paid');
  expect((await store.get(declined.order.id))!.status).toBe('failed');
  expect(await saleCounts(redis, node.prefix, sale.id)).toEqual({ left: 8, reserved: 0, sold: 2, returned: 0, quantity: 10 });
});
