import { expect, it } from 'vitest';
import type { MyShops, Shop, ShopProduct, ShopStaff } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { addProduct, type ErrorBody, openShop, rowCounts, simpleProduct, tokenAs } from './fixtures.ts';

const t = useTeardown();

it('merchants and creators open their own shop, admins anyone’s; viewers, moderators and agencies cannot', async () => {
  const node = t.add(await startNode());
  const merchant = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, merchant, {
    name: 'Jade House',
    currency: 'CNY',
    logoUrl: 'https://img.example.com/logo.png',
    contact: { email: 'hello@jade.example', phone: '+86 21 5555 0100' },
    returnPolicy: 'Returns within 7 days.\nUnworn items only.',
  });
  expect(shop).toMatchObject({
    ownerId: 'm1',
    kind: 'merchant',
    name: 'Jade House',
    currency: 'CNY',
    logoUrl: 'https://img.example.com/logo.png',
    contact: { email: 'hello@jade.example', phone: '+86 21 5555 0100' },
    returnPolicy: 'Returns within 7 days.\nUnworn items only.',
  });
  // A creator runs their own shop, of kind creator.
  const creatorShop = await openShop(node, await tokenAs(node, 'c1', 'creator'), { name: 'Mia picks' });
  expect(creatorShop).toMatchObject({ ownerId: 'c1', kind: 'creator', contact: { email: null, phone: null }, logoUrl: null });
  // An admin opens one for anyone, of either kind (a merchant shop unless told).
  const admin = await tokenAs(node, 'root', 'admin');
  expect(await openShop(node, admin, { ownerId: 'm9' })).toMatchObject({ ownerId: 'm9', kind: 'merchant' });
  expect(await openShop(node, admin, { ownerId: 'c9', kind: 'creator' })).toMatchObject({ ownerId: 'c9', kind: 'creator' });

  const before = await rowCounts(node);
  const refused: [string, Record<string, unknown>][] = [
    [await tokenAs(node, 'v1', 'viewer'), {}],
    [await tokenAs(node, 'mod1', 'moderator'), {}],
    [await tokenAs(node, 'ag1', 'agency'), {}],
    // Only for themselves, and only of their own kind.
    [await tokenAs(node, 'm2', 'merchant'), { ownerId: 'm3' }],
    [await tokenAs(node, 'm2', 'merchant'), { kind: 'creator' }],
    [await tokenAs(node, 'c2', 'creator'), { kind: 'merchant' }],
  ];
  for (const [token, extra] of refused) {
    const res = await api<ErrorBody>(node.url, 'POST', '/api/shops', token, { name: 'Nope', currency: 'USD', ...extra });
    expect([res.status, res.body.error.code], JSON.stringify(extra)).toEqual([403, 'FORBIDDEN']);
  }
  expect((await api(node.url, 'POST', '/api/shops', undefined, { name: 'Nope', currency: 'USD' })).status).toBe(401);
  expect(await rowCounts(node)).toEqual(before);
});

it('the owner manages staff; owner, staff and admins manage products; only the owner and admins change settings and staff', async () => {
  const node = t.add(await startNode());
  const owner = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, owner);
  const base = `/api/shops/${shop.id}`;

  // Staff: added by the owner (idempotent), listed oldest first; the owner is not staff.
  const added = await api<ShopStaff>(node.url, 'PUT', `${base}/staff/st1`, owner);
  expect([added.status, added.body]).toEqual([200, { shopId: shop.id, staff: ['st1'] }]);
  expect((await api<ShopStaff>(node.url, 'PUT', `${base}/staff/st1`, owner)).body.staff).toEqual(['st1']);
  expect((await api<ShopStaff>(node.url, 'PUT', `${base}/staff/st2`, owner)).body.staff).toEqual(['st1', 'st2']);
  const self = await api<ErrorBody>(node.url, 'PUT', `${base}/staff/m1`, owner);
  expect([self.status, self.body.error.code]).toEqual([400, 'BAD_REQUEST']);

  const who = {
    owner,
    // A staff member may hold any role: staff is a grant by the owner, not a role.
    staff: await tokenAs(node, 'st1', 'viewer'),
    admin: await tokenAs(node, 'root', 'admin'),
    otherMerchant: await tokenAs(node, 'm2', 'merchant'),
    creator: await tokenAs(node, 'c1', 'creator'),
    viewer: await tokenAs(node, 'v1', 'viewer'),
    moderator: await tokenAs(node, 'mod1', 'moderator'),
    // The owner's account signed in with another role than the shop was opened as.
    ownerAsViewer: await tokenAs(node, 'm1', 'viewer'),
  };
  type Who = keyof typeof who;
  const MANAGE_PRODUCTS: Who[] = ['owner', 'staff', 'admin'];
  const MANAGE_SHOP: Who[] = ['owner', 'admin'];

  for (const [name, token] of Object.entries(who) as [Who, string][]) {
    // Settings.
    const patch = await api<Shop | ErrorBody>(node.url, 'PATCH', base, token, { name: `Renamed by ${name}` });
    expect(patch.status, `${name} PATCH shop`).toBe(MANAGE_SHOP.includes(name) ? 200 : 403);
    // Staff changes.
    const staffAdd = await api(node.url, 'PUT', `${base}/staff/x-${name}`, token);
    expect(staffAdd.status, `${name} PUT staff`).toBe(MANAGE_SHOP.includes(name) ? 200 : 403);
    const staffRemove = await api(node.url, 'DELETE', `${base}/staff/st2`, token);
    expect(staffRemove.status, `${name} DELETE staff`).toBe(MANAGE_SHOP.includes(name) ? 200 : 403);
    if (MANAGE_SHOP.includes(name)) await api(node.url, 'PUT', `${base}/staff/st2`, owner);

    // Products: create, edit, archive, delete (each on a product of its own, made by the owner).
    const mayManage = MANAGE_PRODUCTS.includes(name);
    const created = await api<ShopProduct>(node.url, 'POST', `${base}/products`, token, simpleProduct({ title: `By ${name}` }));
    expect(created.status, `${name} POST product`).toBe(mayManage ? 201 : 403);
    const p1 = await addProduct(node, owner, shop.id, simpleProduct());
    const edit = await api<ShopProduct>(node.url, 'PATCH', `/api/products/${p1.id}`, token, { title: 'Edited' });
    expect(edit.status, `${name} PATCH product`).toBe(mayManage ? 200 : 403);
    const archive = await api<ShopProduct>(node.url, 'POST', `/api/products/${p1.id}/archive`, token);
    expect(archive.status, `${name} archive product`).toBe(mayManage ? 200 : 403);
    const p2 = await addProduct(node, owner, shop.id, simpleProduct());
    const del = await api(node.url, 'DELETE', `/api/products/${p2.id}`, token);
    expect(del.status, `${name} DELETE product`).toBe(mayManage ? 200 : 403);
    if (!mayManage) {
      // Refused means unchanged.
      const after = await api<ShopProduct>(node.url, 'GET', `/api/products/${p1.id}`);
      expect(after.body).toMatchObject({ title: 'Jade bracelet', status: 'active', version: 1 });
      expect((await api(node.url, 'GET', `/api/products/${p2.id}`)).status).toBe(200);
    }
  }
  expect((await api(node.url, 'PATCH', base, undefined, { name: 'x' })).status).toBe(401);

  // GET /api/me/shops: the owner sees it as owner with its staff, a staff member as staff, anyone else nothing.
  const mine = await api<MyShops>(node.url, 'GET', '/api/me/shops', owner);
  expect(mine.body.shops.map((s) => [s.id, s.as])).toEqual([[shop.id, 'owner']]);
  expect(mine.body.shops[0]!.staff).toEqual(['st1', 'x-owner', 'x-admin', 'st2']);
  expect((await api<MyShops>(node.url, 'GET', '/api/me/shops', who.staff)).body.shops.map((s) => [s.id, s.as])).toEqual([
    [shop.id, 'staff'],
  ]);
  expect((await api<MyShops>(node.url, 'GET', '/api/me/shops', who.otherMerchant)).body).toEqual({ shops: [] });

  // Removed staff lose access at once.
  expect((await api<ShopStaff>(node.url, 'DELETE', `${base}/staff/st1`, owner)).body.staff).toEqual(['x-owner', 'x-admin', 'st2']);
  const late = await api<ErrorBody>(node.url, 'POST', `${base}/products`, who.staff, simpleProduct());
  expect([late.status, late.body.error.code]).toEqual([403, 'FORBIDDEN']);
  // Unknown shop: 404 for everyone.
  const missing = await api<ErrorBody>(node.url, 'PUT', '/api/shops/nope/staff/st1', owner);
  expect([missing.status, missing.body.error.code]).toEqual([404, 'NOT_FOUND']);
});
