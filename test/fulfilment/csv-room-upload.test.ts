import { expect, it } from 'vitest';
import type { ShipmentsUploadResult } from '@hawker/protocol';
import { api, devToken } from '../../harness/clients.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { seedOrders } from '../exports/fixtures.ts';
import { type ErrorBody, fulfilmentBench, ledgerState, paidRoomOrder } from './fixtures.ts';

const t = useTeardown();

/**
 * Bulk shipments of a room's own products (POST /api/rooms/:roomId/shipments): its creator ships the room's orders; a
 * shop's product sold in the same room (the shop's to ship) and another room's order are NOT_FOUND rows; the room's
 * moderator may not upload (FORBIDDEN), an unknown room is NOT_FOUND.
 */
it("ships a room's own orders by CSV, and no shop's or other room's order", async () => {
  const { node } = await fulfilmentBench(t);
  const { creator, room, orderId } = await paidRoomOrder(t, node);
  await seedOrders(node, 1, { roomId: room.id, agencyId: 'ag1', shopId: 'some-shop' }, { idPrefix: 'shopsold' });
  await seedOrders(node, 1, { roomId: 'another-room', agencyId: 'ag1' }, { idPrefix: 'elsewhere' });
  const csv = `order_id,carrier,tracking_number\n${orderId},UPS,1Z999AA10123456784\nshopsold1,UPS,1Z999AA10123456785\nelsewhere1,UPS,1Z999AA10123456786\n`;

  const moderator = await devToken(node.url, { userId: 'mod1', name: 'mod1', role: 'moderator', agencyId: 'ag1' });
  const refused = await api<ErrorBody>(node.url, 'POST', `/api/rooms/${room.id}/shipments`, moderator, { csv });
  expect([refused.status, refused.body.error.code]).toEqual([403, 'FORBIDDEN']);
  const unknown = await api<ErrorBody>(node.url, 'POST', '/api/rooms/no-such-room/shipments', creator, { csv });
  expect([unknown.status, unknown.body.error.code]).toEqual([404, 'NOT_FOUND']);
  expect((await ledgerState(node, orderId)).order.fulfilment_status).toBe('unfulfilled');

  const res = await api<ShipmentsUploadResult>(node.url, 'POST', `/api/rooms/${room.id}/shipments`, creator, { csv });
  expect(res.status).toBe(200);
  expect(res.body.rows.map((r) => [r.orderId, r.outcome, r.error?.code ?? null])).toEqual([
    [orderId, 'shipped', null],
    ['shopsold1', 'error', 'NOT_FOUND'],
    ['elsewhere1', 'error', 'NOT_FOUND'],
  ]);
  expect((await ledgerState(node, orderId)).events.at(-1)).toEqual({ status: 'shipped', actor: 'c1' });
  for (const id of ['shopsold1', 'elsewhere1']) expect((await ledgerState(node, id)).order.fulfilment_status).toBe('unfulfilled');
});
