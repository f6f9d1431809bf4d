import { expect, it } from 'vitest';
import type { AgencyStorefront, CreatorStorefront, Room } from '@hawker/protocol';
import { api, devToken } from '../../harness/clients.ts';
import { startNode, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { creatorWithShop, room, select, simpleShopProduct } from '../channels/fixtures.ts';

const t = useTeardown();

it("a creator's storefront shows their live room, their scheduled lives and what they selected; an agency's its creators and lives", async () => {
  const node = t.add(await startNode());
  const { creator, shop } = await creatorWithShop(node);
  const p = await simpleShopProduct(node, creator, shop.id, 4);
  const live = await room(node, creator);
  await select(node, creator, live.id, p.id);
  const later = Date.now() + 86_400_000;
  const sched = await api<Room>(node.url, 'POST', '/api/rooms', creator, { title: 'Tomorrow', scheduledAt: later });
  expect(sched.status).toBe(201);
  const other = await devToken(node.url, { userId: 'c2', name: 'Other', role: 'creator', agencyId: 'ag1' });
  await room(node, other, { live: false });

  const front = await waitFor('the live room is seen', async () => {
    const res = await api<CreatorStorefront>(node.url, 'GET', '/api/storefront/creators/c1');
    return res.body.live ? res.body : undefined;
  });
  expect(front.creator).toEqual({ id: 'c1', name: 'Creator', agencyId: 'ag1', followers: 0 });
  expect(front.live?.id).toBe(live.id);
  expect(front.scheduled.map((r) => r.id)).toEqual([sched.body.id]);
  expect(front.products).toEqual([
    expect.objectContaining({ id: p.id, stockLeft: 4, liveRooms: [expect.objectContaining({ roomId: live.id })] }),
  ]);

  const agency = await api<AgencyStorefront>(node.url, 'GET', '/api/storefront/agencies/ag1');
  expect(agency.status).toBe(200);
  expect(agency.body.creators).toEqual([
    { id: 'c1', name: 'Creator', liveNow: true },
    { id: 'c2', name: 'Other', liveNow: false },
  ]);
  expect(agency.body.live.map((r) => r.id)).toEqual([live.id]);
});
