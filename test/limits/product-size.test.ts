import { expect, it } from 'vitest';
import type { Product } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { liveRoomWithProduct } from '../../harness/commerce.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('PRODUCT_MAX_BYTES: a larger create or edit body is refused with 413 naming the limit, and nothing changes', async () => {
  const node = t.add(await startNode({ PRODUCT_MAX_BYTES: '2048' }));
  const { creator, room, product } = await liveRoomWithProduct(node);
  const path = `/api/rooms/${room.id}/products`;
  const valid = {
    title: 'Padded',
    imageUrl: 'https://img.example.com/p.jpg',
    price: 100,
    currency: 'USD',
    skus: [{ id: 'std', label: 'Standard', stock: 10 }],
  };
  // Valid JSON padded with whitespace past the limit, but far under the 64 KB of every REST body.
  const padded = `${JSON.stringify(valid).slice(0, -1)}${' '.repeat(3_000)}}`;
  const created = await api<{ error: unknown }>(node.url, 'POST', path, creator, padded);
  expect(created.status).toBe(413);
  expect(created.body.error).toMatchObject({ code: 'BAD_REQUEST', details: { limit: 'PRODUCT_MAX_BYTES', max: 2048 } });
  // Under the limit it is accepted.
  const fits = `${JSON.stringify(valid).slice(0, -1)}${' '.repeat(1_500)}}`;
  expect((await api(node.url, 'POST', path, creator, fits)).status).toBe(201);

  const edit = `{"title":"Renamed"${' '.repeat(3_000)}}`;
  const edited = await api<{ error: unknown }>(node.url, 'PATCH', `${path}/${product.id}`, creator, edit);
  expect(edited.status).toBe(413);
  expect(edited.body.error).toMatchObject({ code: 'BAD_REQUEST', details: { limit: 'PRODUCT_MAX_BYTES' } });

  const after = await api<{ products: Product[] }>(node.url, 'GET', path, creator);
  expect(after.body.products.map((p) => p.title).sort()).toEqual(['Padded', product.title].sort());
});
