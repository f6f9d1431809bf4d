import { expect, it } from 'vitest';
import type { Product } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { liveRoomWithProduct } from '../../harness/commerce.ts';
import { twoNodes } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

const body = (title: string) => ({
  title,
  imageUrl: 'https://img.example.com/p.jpg',
  price: 100,
  currency: 'USD',
  skus: [{ id: 'std', label: 'Standard', stock: 10 }],
});
type Answer = { status: number; body: Product & { error?: { code: string; details?: unknown } } };

it('PRODUCTS_PER_ROOM counts deleted products: delete-and-recreate cannot beat it, nor can parallel creates on two nodes', async () => {
  const [a, b] = await twoNodes(t, { PRODUCTS_PER_ROOM: '4' });
  // The room comes with one product (1 of 4).
  const { creator, room, product } = await liveRoomWithProduct(a);
  const path = `/api/rooms/${room.id}/products`;

  const answers = (await Promise.all(
    Array.from({ length: 10 }, (_, i) => api(i % 2 ? b.url : a.url, 'POST', path, creator, body(`P${i}`))),
  )) as Answer[];
  expect(answers.filter((r) => r.status === 201)).toHaveLength(3);
  for (const r of answers.filter((x) => x.status !== 201)) {
    expect(r.status).toBe(429);
    expect(r.body.error).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { limit: 'PRODUCTS_PER_ROOM', max: 4 } });
  }

  // Deleting does not give the slot back.
  expect((await api(b.url, 'DELETE', `${path}/${product.id}`, creator)).status).toBe(200);
  const again = (await api(a.url, 'POST', path, creator, body('Again'))) as Answer;
  expect(again.status).toBe(429);
  expect(again.body.error).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { limit: 'PRODUCTS_PER_ROOM' } });
  const listed = await api<{ products: Product[] }>(b.url, 'GET', path, creator);
  expect(listed.body.products).toHaveLength(3);

  // Another room has its own count.
  const other = await liveRoomWithProduct(b);
  expect((await api(b.url, 'POST', `/api/rooms/${other.room.id}/products`, other.creator, body('Fine'))).status).toBe(201);
});
