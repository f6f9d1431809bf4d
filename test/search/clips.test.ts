import { expect, it } from 'vitest';
import { api, devToken } from '../../harness/clients.ts';
import { startNode, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { room, select } from '../channels/fixtures.ts';
import { addProduct, openShop, simpleProduct } from '../shops/fixtures.ts';
import { clipIds, type ErrorBody, qs, readyClip, search } from './fixtures.ts';

const t = useTeardown();

it('search finds published clips by a two-character Chinese term (title or product), a Latin typo and the creator name; drafts and deleted clips are not found; bad input is typed', async () => {
  const node = t.add(await startNode());
  const creator = await devToken(node.url, { userId: 'c1', name: 'Mia 陈', role: 'creator', agencyId: 'ag1' });
  const shop = await openShop(node, creator, { name: 'Mia Picks', currency: 'CNY' });
  const lipstick = await addProduct(
    node,
    creator,
    shop.id,
    simpleProduct({ title: '丝绒口红 Velvet Lipstick', images: ['https://img.example.com/lip.jpg'], category: 'beauty.lips' }),
  );
  const scarf = await addProduct(node, creator, shop.id, simpleProduct({ title: 'Silk scarf', category: 'apparel.scarves' }));
  const r = await room(node, creator);
  await select(node, creator, r.id, lipstick.id);
  await select(node, creator, r.id, scarf.id);

  await readyClip(node, { id: 'clipA', roomId: r.id, title: '新品试色', productIds: [lipstick.id] });
  await readyClip(node, { id: 'clipB', roomId: r.id, title: '口红草稿 draft', productIds: [lipstick.id] });
  await readyClip(node, { id: 'clipC', roomId: r.id, title: '围巾系法 scarf tying', productIds: [scarf.id] });
  for (const id of ['clipA', 'clipC']) expect((await api(node.url, 'POST', `/api/clips/${id}/publish`, creator)).status).toBe(200);
  // Indexing follows the publish off the request path.
  await waitFor('the published clips indexed', async () => ((await clipIds(node, '围巾')).length === 1 ? true : undefined));
  await waitFor('clip A indexed', async () => ((await clipIds(node, '试色')).length === 1 ? true : undefined));

  // 口红 is in clip A's product title (and in draft B's title: a draft is never found).
  const found = await search(node, { q: '口红', type: 'clips' });
  expect(found.clips).toEqual([
    {
      kind: 'clip',
      id: 'clipA',
      title: '新品试色',
      roomId: r.id,
      creatorId: 'c1',
      creatorName: 'Mia 陈',
      productId: lipstick.id,
      image: 'https://img.example.com/lip.jpg',
      liveNow: true,
    },
  ]);
  expect(await clipIds(node, '试色')).toEqual(['clipA']);
  // A Latin typo of the product's title, and the creator's name.
  expect(await clipIds(node, 'lipstik')).toEqual(['clipA']);
  expect(await clipIds(node, 'mia')).toEqual(['clipA', 'clipC']);
  expect(await clipIds(node, '草稿')).toEqual([]);
  // type=all carries clips too; other kinds' searches do not.
  expect((await search(node, { q: '试色' })).clips.map((c) => c.id)).toEqual(['clipA']);
  expect((await search(node, { q: '试色', type: 'products' })).clips).toEqual([]);

  // Paging one clip at a time.
  const first = await search(node, { q: 'mia', type: 'clips', limit: 1 });
  expect(first.clips).toHaveLength(1);
  expect(first.nextCursor).not.toBeNull();
  const second = await search(node, { q: 'mia', type: 'clips', limit: 1, cursor: first.nextCursor! });
  expect([first.clips[0]!.id, second.clips[0]!.id].sort()).toEqual(['clipA', 'clipC']);
  expect(second.nextCursor).toBeNull();

  // A deleted clip is gone from the results at once.
  expect((await api(node.url, 'DELETE', '/api/clips/clipC', creator)).status).toBe(200);
  expect(await clipIds(node, '围巾')).toEqual([]);
  expect(await clipIds(node, 'mia')).toEqual(['clipA']);

  // Bad input: typed 400s.
  for (const params of [
    { q: '试色', type: 'clip' },
    { q: '试色', type: 'clips', cursor: 'bm90LWEtY3Vyc29y' },
    { q: '试色', type: 'clips', limit: 0 },
    { q: '!!!', type: 'clips' },
  ] as Record<string, string | number>[]) {
    const res = await api<ErrorBody>(node.url, 'GET', `/api/search?${qs(params)}`);
    expect([params, res.status, res.body.error.code]).toEqual([params, 400, 'BAD_REQUEST']);
  }
  // A cursor of a products search does not page clips.
  const products = await search(node, { q: 'mia', type: 'products', limit: 1 });
  if (products.nextCursor) {
    const res = await api<ErrorBody>(node.url, 'GET', `/api/search?${qs({ q: 'mia', type: 'clips', cursor: products.nextCursor })}`);
    expect(res.status).toBe(400);
  }
}, 240_000);

it('published clips missing from the index (published before it existed) are indexed by the catch-up each node runs at start', async () => {
  const node = t.add(await startNode());
  const creator = await devToken(node.url, { userId: 'c1', name: 'Mia', role: 'creator', agencyId: 'ag1' });
  const shop = await openShop(node, creator, { name: 'Mia Picks', currency: 'CNY' });
  const lipstick = await addProduct(node, creator, shop.id, simpleProduct({ title: '丝绒口红', category: 'beauty.lips' }));
  const r = await room(node, creator);
  await select(node, creator, r.id, lipstick.id);
  await readyClip(node, { id: 'clipOld', roomId: r.id, title: '老视频', productIds: [lipstick.id] });
  await node.node.ctx.db.query(`UPDATE clips SET published_at = now() WHERE id = 'clipOld'`);
  expect(await clipIds(node, '口红')).toEqual([]);
  const search2 = (node.node as unknown as { domains: { name: string; service?: { catchUpClips(): Promise<number> } }[] }).domains.find(
    (d) => d.name === 'search',
  );
  expect(await search2!.service!.catchUpClips()).toBe(1);
  expect(await clipIds(node, '口红')).toEqual(['clipOld']);
  expect(await search2!.service!.catchUpClips()).toBe(0);
}, 120_000);
