import { expect, it } from 'vitest';
import type { Product, Room } from '@hawker/protocol';
import { api, devToken } from '../../harness/clients.ts';
import { liveRoomWithProduct, scheduleSale } from '../../harness/commerce.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

const valid = {
  title: 'Jade bracelet',
  imageUrl: 'https://img.example.com/jade.jpg',
  price: 12900,
  currency: 'CNY',
  skus: [
    { id: 'S', label: 'Small', stock: 5 },
    { id: 'L', label: 'Large', stock: 3 },
  ],
};

it('managers attach, edit, restock and remove products with validation; others are refused', async () => {
  const node = t.add(await startNode());
  const { creator, room, product: first } = await liveRoomWithProduct(node, { live: false });
  const url = node.url;
  const base = `/api/rooms/${room.id}/products`;

  const created = await api<Product>(url, 'POST', base, creator, valid);
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ roomId: room.id, title: 'Jade bracelet', price: 12900, currency: 'CNY', maxPerBuyer: null });
  expect(created.body.skus).toEqual([
    { id: 'S', label: 'Small', left: 5, reserved: 0, sold: 0, allocated: 0, total: 5 },
    { id: 'L', label: 'Large', left: 3, reserved: 0, sold: 0, allocated: 0, total: 3 },
  ]);
  const id = created.body.id;

  // Validation: every bad body is a typed 400 and creates nothing.
  const bad: unknown[] = [
    {},
    { ...valid, price: 0 },
    { ...valid, price: 1.5 },
    { ...valid, price: -100 },
    { ...valid, price: 1e12 },
    { ...valid, currency: 'usd' },
    { ...valid, currency: 'US' },
    { ...valid, skus: [] },
    { ...valid, skus: [{ id: 'S', label: 'a', stock: -1 }] },
    { ...valid, skus: [{ id: 'S', label: 'a', stock: 2_000_000 }] },
    {
      ...valid,
      skus: [
        { id: 'S', label: 'a', stock: 1 },
        { id: 'S', label: 'b', stock: 1 },
      ],
    },
    { ...valid, skus: Array.from({ length: 51 }, (_, i) => ({ id: `s${i}`, label: 'x', stock: 1 })) },
    { ...valid, imageUrl: 'javascript:alert(1)' },
    { ...valid, title: '' },
    { ...valid, title: '\u0000\u200b' },
    { ...valid, title: 'x'.repeat(121) },
    { ...valid, sold: 3 },
    { ...valid, maxPerBuyer: 0 },
  ];
  for (const body of bad) {
    const res = await api<{ error: { code: string } }>(url, 'POST', base, creator, body);
    expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
  }
  expect((await api(url, 'POST', base, creator, '{"title":')).status).toBe(400);

  // Who may manage: the creator, their agency's owner, admins. Not viewers, other creators, moderators, other agencies.
  const tokens = {
    viewer: await devToken(url, { userId: 'v1', name: 'V', role: 'viewer' }),
    otherCreator: await devToken(url, { userId: 'c2', name: 'C2', role: 'creator', agencyId: 'ag1' }),
    moderator: await devToken(url, { userId: 'm1', name: 'M', role: 'moderator', agencyId: 'ag1' }),
    otherAgency: await devToken(url, { userId: 'a2', name: 'A2', role: 'agency', agencyId: 'ag2' }),
    agency: await devToken(url, { userId: 'a1', name: 'A1', role: 'agency', agencyId: 'ag1' }),
    admin: await devToken(url, { userId: 'root', name: 'Root', role: 'admin' }),
  };
  for (const who of ['viewer', 'otherCreator', 'moderator', 'otherAgency'] as const) {
    expect((await api(url, 'POST', base, tokens[who], valid)).status, who).toBe(403);
    expect((await api(url, 'PATCH', `${base}/${id}`, tokens[who], { price: 1 })).status, who).toBe(403);
    expect((await api(url, 'DELETE', `${base}/${id}`, tokens[who])).status, who).toBe(403);
  }
  expect((await api(url, 'POST', base, undefined, valid)).status).toBe(401);
  expect((await api(url, 'POST', base, tokens.agency, valid)).status).toBe(201);
  expect((await api(url, 'POST', base, tokens.admin, valid)).status).toBe(201);
  expect((await api(url, 'POST', '/api/rooms/nosuchroom/products', creator, valid)).status).toBe(404);

  // Edit and stock moves.
  const edited = await api<Product>(url, 'PATCH', `${base}/${id}`, creator, { title: 'Jade bangle', price: 9900, maxPerBuyer: 2 });
  expect(edited.body).toMatchObject({ title: 'Jade bangle', price: 9900, maxPerBuyer: 2, currency: 'CNY' });
  expect((await api(url, 'PATCH', `${base}/${id}`, creator, {})).status).toBe(400);
  expect((await api(url, 'PATCH', `${base}/${id}`, creator, { currency: 'USD' })).status).toBe(400);
  const restocked = await api<Product>(url, 'POST', `${base}/${id}/stock`, creator, { skuId: 'S', delta: 10 });
  expect(restocked.body.skus[0]).toMatchObject({ left: 15, total: 15 });
  const withdrawn = await api<Product>(url, 'POST', `${base}/${id}/stock`, creator, { skuId: 'S', delta: -4 });
  expect(withdrawn.body.skus[0]).toMatchObject({ left: 11, total: 11 });
  expect((await api(url, 'POST', `${base}/${id}/stock`, creator, { skuId: 'S', delta: -12 })).status).toBe(409);
  expect((await api(url, 'POST', `${base}/${id}/stock`, creator, { skuId: 'S', delta: 0 })).status).toBe(400);
  expect((await api(url, 'POST', `${base}/${id}/stock`, creator, { skuId: 'S', delta: 1.5 })).status).toBe(400);
  expect((await api(url, 'POST', `${base}/${id}/stock`, creator, { skuId: 'XL', delta: 1 })).status).toBe(404);

  // Reads: anyone signed in; a product is only found in its own room.
  const listed = await api<{ products: Product[] }>(url, 'GET', base, tokens.viewer);
  expect(listed.body.products.map((p) => p.id)).toContain(id);
  expect((await api<Product>(url, 'GET', `${base}/${id}`, tokens.viewer)).body.title).toBe('Jade bangle');
  const other = await api<Room>(url, 'POST', '/api/rooms', tokens.otherCreator, { title: 'Other' });
  expect((await api(url, 'GET', `/api/rooms/${other.body.id}/products/${id}`, tokens.viewer)).status).toBe(404);

  // Removal waits for a pending flash sale of the product; then the product leaves the room.
  const sale = await scheduleSale(node, creator, room.id, first.id, { startsAt: Date.now() + 60_000 });
  expect((await api(url, 'DELETE', `${base}/${first.id}`, creator)).status).toBe(409);
  expect((await api(url, 'POST', `/api/rooms/${room.id}/sales/${sale.id}/end`, creator)).status).toBe(200);
  expect((await api(url, 'DELETE', `${base}/${first.id}`, creator)).status).toBe(200);
  expect((await api(url, 'GET', `${base}/${first.id}`, creator)).status).toBe(404);
  expect((await api<{ products: Product[] }>(url, 'GET', base, creator)).body.products.map((p) => p.id)).not.toContain(first.id);

  // An ended room's catalog is closed.
  await api(url, 'POST', `/api/rooms/${room.id}/end`, creator);
  expect((await api(url, 'POST', base, creator, valid)).status).toBe(409);
});
