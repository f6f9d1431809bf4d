import { expect, it } from 'vitest';
import type { RoomKicked } from '@hawker/protocol';
import { call, connect, devToken, next, ok } from '../../harness/clients.ts';
import { liveRoomWithProduct, skuCounts, startCommerce } from '../../harness/commerce.ts';
import { moderationKeys } from '../../server/moderation/keys.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('a user banned from a room cannot order from it through a console media session (FORBIDDEN, no reservation)', async () => {
  const { node, redis } = await startCommerce(t);
  const { creator, room, product } = await liveRoomWithProduct(node, { stock: 10 });
  const buy = (key: string) => ({
    roomId: room.id,
    productId: product.id,
    skuId: 'std',
    quantity: 1,
    idempotencyKey: `banned-order-${key}`,
  });
  // Agency ag1 is not registered on this node, so the moderator's signed claim stands.
  const staff = t.add(
    await connect(node.url, await devToken(node.url, { userId: 'mod1', name: 'Mod', role: 'moderator', agencyId: 'ag1' })),
  );
  ok(await call(staff, 'console:media', { roomId: room.id }));
  // The hole this closes: a console media session counts as being in the room, so it can order.
  ok(await call(staff, 'order:place', buy('k1')));
  // What a refused order must leave alone: the units left, and those taken (reserved, or sold once paid).
  const stock = async () => {
    const c = await skuCounts(redis, node.prefix, product.id);
    return { left: c.left, taken: c.reserved + c.sold };
  };
  const before = await stock();
  expect(before).toEqual({ left: 9, taken: 1 });

  // A ban whose kick has not reached this connection (another node's, in flight): the order itself checks the ban.
  const bans = moderationKeys(node.prefix);
  await redis.sadd(bans.roomBans(room.id), 'mod1');
  const refused = await call(staff, 'order:place', buy('k2'));
  expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: expect.stringMatching(/banned/) } });
  await redis.srem(bans.roomBans(room.id), 'mod1');
  // Agency-wide bans too.
  await redis.sadd(bans.agencyBans('ag1'), 'mod1');
  expect(await call(staff, 'order:place', buy('k3'))).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  await redis.srem(bans.agencyBans('ag1'), 'mod1');
  expect(await stock()).toEqual(before);

  // A real ban from the room's creator: the kick closes the media session, and console:media refuses them again.
  const host = t.add(await connect(node.url, creator));
  const kicked = next(staff, 'room:kicked');
  ok(await call(host, 'mod:ban', { roomId: room.id, userId: 'mod1', reason: 'Ordering on the side' }));
  expect(await kicked).toEqual<RoomKicked>({ roomId: room.id, reason: 'Ordering on the side' });
  expect(await call(staff, 'order:place', buy('k4'))).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  expect(await call(staff, 'console:media', { roomId: room.id })).toMatchObject({
    ok: false,
    error: { code: 'FORBIDDEN', message: 'You are banned from this room' },
  });
  expect(await stock()).toEqual(before);
});
