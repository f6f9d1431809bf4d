import { expect, it } from 'vitest';
import { startNode, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { creatorWithShop, room, select } from '../channels/fixtures.ts';
import { product, search } from './fixtures.ts';

const t = useTeardown();

/**
 * Ranking: selected into a room live now first, then in stock, then relevance (the query as written before typo
 * matches). Liveness is read from the rooms, so a room going live or ending reorders results without re-indexing.
 */
it('live-now first, then in stock, then relevance; a live that ends drops its product back', async () => {
  const node = t.add(await startNode());
  const { creator, shop } = await creatorWithShop(node);
  const soldOut = await product(node, creator, shop.id, 'Lipstick Classic', { stock: 0 });
  const typoTitle = await product(node, creator, shop.id, 'Lipstik Bold');
  const exact = await product(node, creator, shop.id, 'Lipstick Velvet');
  const onLive = await product(node, creator, shop.id, 'Lipstick Sheer');

  const before = await search(node, { q: 'lipstick', type: 'products' });
  // Nothing live: in stock first (exact title before the typo'd one), the sold-out one last.
  expect(before.products.map((p) => p.id).slice(-1)).toEqual([soldOut.id]);
  expect(before.products.find((p) => p.id === soldOut.id)?.inStock).toBe(false);
  const rank = (ids: string[], id: string) => ids.indexOf(id);
  const ids0 = before.products.map((p) => p.id);
  expect(rank(ids0, exact.id)).toBeLessThan(rank(ids0, typoTitle.id));
  expect(ids0).toHaveLength(4);

  const r = await room(node, creator);
  await select(node, creator, r.id, onLive.id);
  const during = await waitFor('the live product ranks first', async () => {
    const res = await search(node, { q: 'lipstick', type: 'products' });
    return res.products[0]?.id === onLive.id ? res : undefined;
  });
  expect(during.products[0]).toMatchObject({ id: onLive.id, liveNow: true, inStock: true });
  expect(during.products.map((p) => p.id)).toEqual([onLive.id, exact.id, typoTitle.id, soldOut.id]);
  // The creator and the room rank live too.
  const all = await search(node, { q: 'Creator', type: 'all' });
  expect(all.creators).toEqual([expect.objectContaining({ id: 'c1', liveNow: true })]);
  expect((await search(node, { q: 'picks night', type: 'rooms' })).rooms).toEqual([
    expect.objectContaining({ id: r.id, status: 'live', liveNow: true }),
  ]);

  const { api } = await import('../../harness/clients.ts');
  expect((await api(node.url, 'POST', `/api/rooms/${r.id}/end`, creator, {})).status).toBe(200);
  const after = await waitFor('the ended live no longer ranks first', async () => {
    const res = await search(node, { q: 'lipstick', type: 'products' });
    return res.products[0]?.liveNow === false ? res : undefined;
  });
  expect(after.products.map((p) => p.id).slice(-1)).toEqual([soldOut.id]);
  expect((await search(node, { q: 'picks night', type: 'rooms' })).rooms).toEqual([]);
});
