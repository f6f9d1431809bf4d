import { expect, it } from 'vitest';
import type { Shop } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { addProduct, type ErrorBody, openShop, simpleProduct, tokenAs } from './fixtures.ts';

const t = useTeardown();

it('the owner edits name, logo, contact and return policy; omitted fields stay, null clears', async () => {
  const node = t.add(await startNode());
  const owner = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, owner, {
    logoUrl: 'https://img.example.com/logo.png',
    contact: { email: 'a@shop.example', phone: '+1 555 0100' },
    returnPolicy: '30 days',
  });
  const patch = (body: unknown) => api<Shop & ErrorBody>(node.url, 'PATCH', `/api/shops/${shop.id}`, owner, body);

  const renamed = await patch({ name: '  Jade House Official  ', contact: { phone: null } });
  expect(renamed.status).toBe(200);
  expect(renamed.body).toEqual({
    ...shop,
    name: 'Jade House Official',
    contact: { email: 'a@shop.example', phone: null },
    updatedAt: renamed.body.updatedAt,
  });
  const cleared = await patch({ logoUrl: null, returnPolicy: 'Returns within 7 days.\r\nKeep the tags on.' });
  expect(cleared.body).toMatchObject({
    logoUrl: null,
    returnPolicy: 'Returns within 7 days.\nKeep the tags on.',
    name: 'Jade House Official',
  });
  expect((await api<Shop>(node.url, 'GET', `/api/shops/${shop.id}`)).body).toEqual(cleared.body);

  // Bad settings: typed 400s, nothing changed.
  const bad: unknown[] = [
    {},
    { name: '' },
    { name: 'x'.repeat(61) },
    { logoUrl: 'ftp://img.example.com/logo.png' },
    { contact: { email: 'not-an-email' } },
    { contact: { phone: 'call me maybe' } },
    { contact: { fax: '123' } },
    { returnPolicy: 'x'.repeat(2_001) },
    { currency: 'usd' },
    { ownerId: 'm2' },
    { kind: 'creator' },
  ];
  for (const body of bad) {
    const res = await patch(body);
    expect([res.status, res.body.error?.code], JSON.stringify(body)).toEqual([400, 'BAD_REQUEST']);
  }
  expect((await api<Shop>(node.url, 'GET', `/api/shops/${shop.id}`)).body).toEqual(cleared.body);
});

it('the currency can change until the shop has products, then it is fixed', async () => {
  const node = t.add(await startNode());
  const owner = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, owner, { currency: 'CNY' });
  expect((await api<Shop>(node.url, 'PATCH', `/api/shops/${shop.id}`, owner, { currency: 'HKD' })).body.currency).toBe('HKD');
  const p = await addProduct(node, owner, shop.id, simpleProduct());
  expect(p.currency).toBe('HKD');
  const refused = await api<ErrorBody>(node.url, 'PATCH', `/api/shops/${shop.id}`, owner, { currency: 'USD', name: 'Renamed' });
  expect([refused.status, refused.body.error.code]).toEqual([409, 'CONFLICT']);
  expect((await api<Shop>(node.url, 'GET', `/api/shops/${shop.id}`)).body).toMatchObject({ currency: 'HKD', name: shop.name });
  // Naming the currency it already has is not a change.
  expect((await api(node.url, 'PATCH', `/api/shops/${shop.id}`, owner, { currency: 'HKD' })).status).toBe(200);
});
