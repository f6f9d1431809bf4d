import { expect, it } from 'vitest';
import type { PinnedProduct } from '@hawker/protocol';
import { api, devToken, next } from '../../harness/clients.ts';
import { addRoomProduct, joinedViewer, liveRoomWithProduct } from '../../harness/commerce.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('pinning pushes the product card to every viewer at once, is part of the join snapshot, and unpinning clears it', async () => {
  const node = t.add(await startNode());
  const { creator, room, product } = await liveRoomWithProduct(node, { stock: 7 });
  const second = await addRoomProduct(node, creator, room.id, {
    title: 'Tea set',
    imageUrl: 'https://img.example.com/tea.jpg',
    price: 4500,
    label: 'Set',
    stock: 2,
  });
  const v1 = await joinedViewer(t, node, room.id, { userId: 'v1' });
  const v2 = await joinedViewer(t, node, room.id, { userId: 'v2' });
  expect(v1.snapshot.pinned).toBeNull();

  const pushed = Promise.all([next(v1.socket, 'product:pinned'), next(v2.socket, 'product:pinned')]);
  const pin = await api<PinnedProduct>(node.url, 'PUT', `/api/rooms/${room.id}/pin`, creator, { productId: product.id });
  expect(pin.status).toBe(200);
  for (const card of await pushed) {
    expect(card).toEqual(pin.body);
    expect(card.product).toMatchObject({ id: product.id, title: 'Silk scarf', price: 1999, skus: [{ id: 'std', left: 7 }] });
  }

  const late = await joinedViewer(t, node, room.id, { userId: 'v3' });
  expect(late.snapshot.pinned).toEqual(pin.body);

  // Pinning another product replaces the card.
  const replaced = next(v1.socket, 'product:pinned');
  await api(node.url, 'PUT', `/api/rooms/${room.id}/pin`, creator, { productId: second.id });
  expect((await replaced).product.id).toBe(second.id);

  // Only managers pin; only the room's products can be pinned; bad bodies are typed errors.
  const viewer = await devToken(node.url, { userId: 'v9', name: 'V', role: 'viewer' });
  expect((await api(node.url, 'PUT', `/api/rooms/${room.id}/pin`, viewer, { productId: product.id })).status).toBe(403);
  expect((await api(node.url, 'DELETE', `/api/rooms/${room.id}/pin`, viewer)).status).toBe(403);
  expect((await api(node.url, 'PUT', `/api/rooms/${room.id}/pin`, creator, { productId: 'nosuchproduct' })).status).toBe(404);
  expect((await api(node.url, 'PUT', `/api/rooms/${room.id}/pin`, creator, { productId: 42 })).status).toBe(400);

  const unpinned = Promise.all([next(v1.socket, 'product:unpinned'), next(v2.socket, 'product:unpinned')]);
  expect((await api(node.url, 'DELETE', `/api/rooms/${room.id}/pin`, creator)).body).toEqual({ productId: second.id });
  expect(await unpinned).toEqual([
    { roomId: room.id, productId: second.id },
    { roomId: room.id, productId: second.id },
  ]);
  const after = await joinedViewer(t, node, room.id, { userId: 'v4' });
  expect(after.snapshot.pinned).toBeNull();

  // Removing the pinned product unpins it for everyone.
  await api(node.url, 'PUT', `/api/rooms/${room.id}/pin`, creator, { productId: product.id });
  const gone = next(v2.socket, 'product:unpinned');
  await api(node.url, 'DELETE', `/api/rooms/${room.id}/products/${product.id}`, creator);
  expect(await gone).toEqual({ roomId: room.id, productId: product.id });
});
