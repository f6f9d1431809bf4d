import { expect, it } from 'vitest';
import { devToken } from '../../harness/clients.ts';
import { buyersOrder, liveRoomWithProduct, scheduleSale, startCommerce, waitFinal } from '../../harness/commerce.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { createEndpoint, startReceiver } from './fixtures.ts';

const t = useTeardown();

it("announces a real order's payment: placed over a socket, charged by the sandbox gateway, delivered to the agency's endpoint", async () => {
  const { node } = await startCommerce(t, {
    env: { WEBHOOK_ALLOW_HTTP_LOCALHOST: 'true', WEBHOOK_DISPATCH_MS: '50', WEBHOOK_BACKOFF_MS: '20' },
  });
  const receiver = t.add(await startReceiver());
  const agencyOwner = await devToken(node.url, { userId: 'a1', name: 'a1', role: 'agency', agencyId: 'ag1' });
  const { secret } = await createEndpoint(node, agencyOwner, { agencyId: 'ag1', url: receiver.url, events: ['order.paid'] });
  receiver.secret = secret;

  const { creator, room, product } = await liveRoomWithProduct(node);
  const sale = await scheduleSale(node, creator, room.id, product.id);
  const { orderIds } = await buyersOrder(t, node, room.id, sale.id, 2);
  const orders = await waitFinal(node, creator, orderIds);
  expect(orders.map((o) => o.status)).toEqual(['paid', 'paid']);

  await waitFor('both payments announced', () => (receiver.received.length >= 2 ? true : null));
  expect(receiver.received.every((r) => r.verified && r.json.type === 'order.paid')).toBe(true);
  expect(receiver.received.map((r) => r.json.data.order.id).sort()).toEqual([...orderIds].sort());
  expect(receiver.received[0]?.json.data.order).toMatchObject({ status: 'paid', roomId: room.id, agencyId: 'ag1', currency: 'USD' });
});
