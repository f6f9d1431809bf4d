/** What the shop tests share: tokens by role, a shop, product bodies, and row counts straight from PostgreSQL. */
import type { CreateShopProductBody, Principal, Shop, ShopProduct } from '@hawker/protocol';
import { api, devToken } from '../../harness/clients.ts';
import type { TestNode } from '../../harness/node.ts';

export type ErrorBody = { error: { code: string; message: string; details?: unknown } };

/** A dev token for `userId` with `role`. */
export function tokenAs(node: TestNode, userId: string, role: Principal['role']): Promise<string> {
  return devToken(node.url, { userId, name: userId, role });
}

/** Opens a shop as `token`'s owner (201 expected). */
export async function openShop(node: TestNode, token: string, body: Record<string, unknown> = {}): Promise<Shop> {
  const res = await api<Shop>(node.url, 'POST', '/api/shops', token, { name: 'Jade House', currency: 'CNY', ...body });
  if (res.status !== 201) throw new Error(`opening a shop: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A simple product: no attributes, one SKU. */
export function simpleProduct(over: Partial<CreateShopProductBody> = {}): CreateShopProductBody {
  return {
    title: 'Jade bracelet',
    images: ['https://img.example.com/jade-1.jpg'],
    category: 'jewellery.bracelets',
    skus: [{ values: [], code: 'JADE-1', price: 12_900, stock: 10 }],
    ...over,
  };
}

/** Creates a product (201 expected). */
export async function addProduct(node: TestNode, token: string, shopId: string, body: CreateShopProductBody): Promise<ShopProduct> {
  const res = await api<ShopProduct>(node.url, 'POST', `/api/shops/${shopId}/products`, token, body);
  if (res.status !== 201) throw new Error(`adding a product: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Rows of every shop table in the node's schema (to prove a refused request changed nothing). */
export async function rowCounts(node: TestNode): Promise<Record<string, number>> {
  const { rows } = await node.node.ctx.db.query<{ shops: number; staff: number; products: number; skus: number }>(
    `SELECT (SELECT count(*)::int FROM shops) AS shops, (SELECT count(*)::int FROM shop_staff) AS staff,
            (SELECT count(*)::int FROM shop_products) AS products, (SELECT count(*)::int FROM shop_skus) AS skus`,
  );
  return rows[0]!;
}
