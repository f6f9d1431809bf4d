import { expect, it } from 'vitest';
import { api, devToken } from '../../harness/clients.ts';
import { startNode, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { room, select } from '../channels/fixtures.ts';
import { addProduct, openShop, simpleProduct } from '../shops/fixtures.ts';
import { clipIds, readyClip, search } from './fixtures.ts';

const t = useTeardown();

it("a clip's search doc follows its shop products' renames, archive, unarchive and delete, committed with the change itself", async () => {
  const node = t.add(await startNode());
  const creator = await devToken(node.url, { userId: 'c1', name: 'Mia', role: 'creator', agencyId: 'ag1' });
  const shop = await openShop(node, creator, { name: 'Mia Picks', currency: 'CNY' });
  const lipstick = await addProduct(node, creator, shop.id, simpleProduct({ title: '丝绒口红 Velvet', category: 'beauty.lips' }));
  const scarf = await addProduct(node, creator, shop.id, simpleProduct({ title: 'Silk scarf', category: 'apparel.scarves' }));
  const r = await room(node, creator);
  await select(node, creator, r.id, lipstick.id);
  await select(node, creator, r.id, scarf.id);
  await readyClip(node, { id: 'clipA', roomId: r.id, title: '新品试色', productIds: [lipstick.id, scarf.id] });
  expect((await api(node.url, 'POST', '/api/clips/clipA/publish', creator)).status).toBe(200);
  await waitFor('clip A indexed', async () => ((await clipIds(node, '口红')).length === 1 ? true : undefined));

  // Renamed: the answer to the PATCH comes after the commit that rewrote the clip's doc, so no wait is needed.
  const renamed = await api(node.url, 'PATCH', `/api/products/${lipstick.id}`, creator, { title: '哑光唇釉 Matte gloss' });
  expect(renamed.status).toBe(200);
  expect(await clipIds(node, '唇釉')).toEqual(['clipA']);
  expect(await clipIds(node, 'matte')).toEqual(['clipA']);
  expect(await clipIds(node, '口红')).toEqual([]);
  expect(await clipIds(node, 'velvet')).toEqual([]);
  // The other product's title and the clip's own title still find it.
  expect(await clipIds(node, 'scarf')).toEqual(['clipA']);
  expect(await clipIds(node, '试色')).toEqual(['clipA']);

  // Archived: no longer sold, so it no longer finds the clip (as product search leaves archived products out).
  expect((await api(node.url, 'POST', `/api/products/${lipstick.id}/archive`, creator)).status).toBe(200);
  expect(await clipIds(node, '唇釉')).toEqual([]);
  expect(await clipIds(node, 'scarf')).toEqual(['clipA']);
  expect((await api(node.url, 'POST', `/api/products/${lipstick.id}/unarchive`, creator)).status).toBe(200);
  expect(await clipIds(node, '唇釉')).toEqual(['clipA']);

  // Deleted (never ordered): gone from the doc.
  expect((await api(node.url, 'DELETE', `/api/products/${scarf.id}`, creator)).status).toBe(200);
  expect(await clipIds(node, 'scarf')).toEqual([]);
  expect(await clipIds(node, '唇釉')).toEqual(['clipA']);

  // A refused edit (stale version) changes nothing, the doc included.
  const stale = await api(node.url, 'PATCH', `/api/products/${lipstick.id}`, creator, { title: 'Nope', expectedVersion: 1 });
  expect(stale.status).toBe(409);
  expect(await clipIds(node, 'nope')).toEqual([]);
  expect(await clipIds(node, '唇釉')).toEqual(['clipA']);
}, 240_000);

it("a creator's new name (their newest room's) reaches their clips' search docs; the old name no longer finds them", async () => {
  const node = t.add(await startNode());
  const before = await devToken(node.url, { userId: 'c1', name: 'Mia Chen', role: 'creator', agencyId: 'ag1' });
  const shop = await openShop(node, before, { name: 'Picks', currency: 'CNY' });
  const lipstick = await addProduct(node, before, shop.id, simpleProduct({ title: '丝绒口红', category: 'beauty.lips' }));
  const r = await room(node, before);
  await select(node, before, r.id, lipstick.id);
  await readyClip(node, { id: 'clipA', roomId: r.id, title: '新品试色', productIds: [lipstick.id] });
  await readyClip(node, { id: 'clipB', roomId: r.id, title: '围巾系法', productIds: [lipstick.id] });
  for (const id of ['clipA', 'clipB']) expect((await api(node.url, 'POST', `/api/clips/${id}/publish`, before)).status).toBe(200);
  await waitFor('both clips indexed', async () => ((await clipIds(node, 'chen')).length === 2 ? true : undefined));

  // The creator goes by a new name: their next room carries it, and the index follows.
  const after = await devToken(node.url, { userId: 'c1', name: '陈小美 Mimi', role: 'creator', agencyId: 'ag1' });
  await room(node, after, { live: false });
  await waitFor('the new name indexed', async () => ((await clipIds(node, '小美')).length === 2 ? true : undefined));
  expect(await clipIds(node, 'mimi')).toEqual(['clipA', 'clipB']);
  expect(await clipIds(node, 'chen')).toEqual([]);
  const hit = (await search(node, { q: '试色', type: 'clips' })).clips[0];
  expect(hit?.creatorName).toBe('陈小美 Mimi');
  // The clips' own titles and products still find them.
  expect(await clipIds(node, '口红')).toEqual(['clipA', 'clipB']);
}, 240_000);

it("a room's own product renamed in the room: the clips showing it are indexed again with the new title", async () => {
  const node = t.add(await startNode());
  const creator = await devToken(node.url, { userId: 'c1', name: 'Mia', role: 'creator', agencyId: 'ag1' });
  const r = await room(node, creator);
  const own = await api<{ id: string }>(node.url, 'POST', `/api/rooms/${r.id}/products`, creator, {
    title: 'Jade bracelet',
    imageUrl: 'https://img.example.com/jade.jpg',
    price: 12_900,
    currency: 'CNY',
    skus: [{ id: 'S', label: 'Small', stock: 5 }],
  });
  expect(own.status).toBe(201);
  await readyClip(node, { id: 'clipJ', roomId: r.id, title: '新品试戴', productIds: [own.body.id] });
  expect((await api(node.url, 'POST', '/api/clips/clipJ/publish', creator)).status).toBe(200);
  await waitFor('clip J indexed', async () => ((await clipIds(node, 'jade')).length === 1 ? true : undefined));

  expect((await api(node.url, 'PATCH', `/api/rooms/${r.id}/products/${own.body.id}`, creator, { title: '和田玉手镯' })).status).toBe(200);
  await waitFor('the new title indexed', async () => ((await clipIds(node, '玉手')).length === 1 ? true : undefined));
  expect(await clipIds(node, 'jade')).toEqual([]);
  expect(await clipIds(node, '试戴')).toEqual(['clipJ']);
}, 240_000);
