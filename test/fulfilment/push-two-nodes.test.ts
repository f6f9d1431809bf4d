import { expect, it } from 'vitest';
import type { OrderUpdated } from '@hawker/protocol';
import { connect } from '../../harness/clients.ts';
import { twoNodes, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { tokenAs } from '../shops/fixtures.ts';
import { deliver, ship, shopWithPaidOrders } from './fixtures.ts';

const t = useTeardown();

/**
 * A step taken through one node reaches the buyer's sockets on every node (the orders' events stream), once per socket.
 */
it("pushes each fulfilment step to the buyer's sockets on both nodes", async () => {
  const [a, b] = await twoNodes(t);
  const { token: owner } = await shopWithPaidOrders(a, 'm-push', 1, 'push');
  const buyer = await tokenAs(a, 'buyer1', 'viewer'); // seedOrders: order push1's buyer
  const got: Record<'a' | 'b', OrderUpdated[]> = { a: [], b: [] };
  for (const [name, node] of [
    ['a', a],
    ['b', b],
  ] as const) {
    const socket = t.add(await connect(node.url, buyer));
    socket.on('order:updated', (u) => got[name].push(u));
  }
  expect((await ship(a, owner, 'push1')).status).toBe(200);
  expect((await deliver(b, owner, 'push1')).status).toBe(200);
  for (const name of ['a', 'b'] as const) {
    await waitFor(`node ${name} got both steps`, () => got[name].length >= 2);
    expect(got[name].map((u) => [u.orderId, u.status, u.fulfilment?.status])).toEqual([
      ['push1', 'paid', 'shipped'],
      ['push1', 'paid', 'delivered'],
    ]);
  }
});
