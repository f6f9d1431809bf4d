import { expect, it } from 'vitest';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { openShop, tokenAs } from '../shops/fixtures.ts';
import { createEndpoint, paidOrder, startReceiver, webhookNode } from './fixtures.ts';

const t = useTeardown();

// The dispatcher reads a claimed batch's orders in one statement and asks each (type, shops, agency)'s subscribers
// once per batch (issue 20 P3): events of different shops in one batch must still reach exactly their own endpoints,
// each with its own order.
it('one dispatch batch with several shops: each endpoint gets exactly its own orders, each payload its own order', async () => {
  const [receiverA, receiverB] = [t.add(await startReceiver()), t.add(await startReceiver())];
  // Node A never dispatches (its first tick is a minute away): every event waits in the outbox for one batch on node B.
  const a = await webhookNode({ WEBHOOK_DISPATCH_MS: '60000' });
  const shopA = await openShop(a, await tokenAs(a, 'ma', 'merchant'));
  const shopB = await openShop(a, await tokenAs(a, 'mb', 'merchant'));
  const shopC = await openShop(a, await tokenAs(a, 'mc', 'merchant')); // no endpoint
  receiverA.secret = (
    await createEndpoint(a, await tokenAs(a, 'ma', 'merchant'), { shopId: shopA.id, url: receiverA.url, events: ['order.paid'] })
  ).secret;
  receiverB.secret = (
    await createEndpoint(a, await tokenAs(a, 'mb', 'merchant'), { shopId: shopB.id, url: receiverB.url, events: ['order.paid'] })
  ).secret;
  for (const id of ['a-x', 'a-y', 'a-z']) await paidOrder(a, id, { shopId: shopA.id });
  for (const id of ['b-x', 'b-y']) await paidOrder(a, id, { shopId: shopB.id });
  await paidOrder(a, 'c-x', { shopId: shopC.id });
  await a.close();

  t.add(await webhookNode({ REDIS_KEY_PREFIX: a.prefix }));
  await waitFor('every subscribed order delivered', () => (receiverA.received.length >= 3 && receiverB.received.length >= 2 ? true : null));
  const ids = (r: typeof receiverA) => r.received.map((x) => x.json.data.order.id).sort();
  expect(ids(receiverA)).toEqual(['a-x1', 'a-y1', 'a-z1']);
  expect(ids(receiverB)).toEqual(['b-x1', 'b-y1']);
  for (const r of [...receiverA.received, ...receiverB.received]) {
    expect(r.verified).toBe(true);
    expect(r.json.type).toBe('order.paid');
  }
  expect(receiverA.received.every((r) => r.json.data.order.shopId === shopA.id)).toBe(true);
  expect(receiverB.received.every((r) => r.json.data.order.shopId === shopB.id)).toBe(true);
});
