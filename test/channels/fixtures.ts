/** What the channel tests share: a creator with their own shop and live rooms, shop products, ledger reads. */
import type { CreateShopProductBody, Product, Room, ShopProduct } from '@hawker/protocol';
import type { Redis } from 'ioredis';
import { api, devToken } from '../../harness/clients.ts';
import { skuCounts, type Reachable } from '../../harness/commerce.ts';
import type { TestNode } from '../../harness/node.ts';
import { addProduct, openShop } from '../shops/fixtures.ts';

export type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

/** Creator c1 of agency ag1 with their own creator shop (the default selection terms let them sell its products). */
export async function creatorWithShop(node: TestNode) {
  const creator = await devToken(node.url, { userId: 'c1', name: 'Creator', role: 'creator', agencyId: 'ag1' });
  const shop = await openShop(node, creator, { name: 'C1 Picks', currency: 'USD' });
  return { creator, shop };
}

/** A shop product with one SKU (code `JADE-1`, `stock` units at `price`). */
export async function simpleShopProduct(node: TestNode, token: string, shopId: string, stock = 100, price = 12_900): Promise<ShopProduct> {
  return addProduct(node, token, shopId, {
    title: 'Jade bracelet',
    images: ['https://img.example.com/jade-1.jpg', 'https://img.example.com/jade-2.jpg'],
    category: 'jewellery.bracelets',
    skus: [{ values: [], code: 'JADE-1', price, stock }],
  });
}

/** Colour x Size x Material, 2 x 2 x 2 = 8 SKUs, each with its own price (1000 + 100 * index) and 10 units. */
export function matrixProduct(): CreateShopProductBody {
  const skus: CreateShopProductBody['skus'] = [];
  for (const c of ['Red', 'Blue'])
    for (const s of ['S', 'M'])
      for (const m of ['Silk', 'Wool'])
        skus.push({ values: [c, s, m], code: `SC-${c}-${s}-${m}`, price: 1_000 + 100 * skus.length, stock: 10 });
  return {
    title: 'Scarf',
    images: ['https://img.example.com/scarf.jpg'],
    category: 'apparel.scarves',
    attributes: [
      { name: 'Colour', values: ['Red', 'Blue'] },
      { name: 'Size', values: ['S', 'M'] },
      { name: 'Material', values: ['Silk', 'Wool'] },
    ],
    skus,
  };
}

/** A room of `token`'s creator, live unless `live: false`. */
export async function room(node: Reachable, token: string, opts: { live?: boolean } = {}): Promise<Room> {
  const res = await api<Room>(node.url, 'POST', '/api/rooms', token, { title: 'Picks night' });
  if (res.status !== 201) throw new Error(`room: ${JSON.stringify(res.body)}`);
  if (opts.live !== false) {
    const live = await api(node.url, 'POST', `/api/rooms/${res.body.id}/live`, token);
    if (live.status !== 200) throw new Error(`live: ${JSON.stringify(live.body)}`);
  }
  return res.body;
}

/** Selects a shop product into a room (201 expected). */
export async function select(node: Reachable, token: string, roomId: string, productId: string): Promise<Product> {
  const res = await api<Product>(node.url, 'POST', `/api/rooms/${roomId}/selection`, token, { productId });
  if (res.status !== 201) throw new Error(`select: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The shared pool's counters of a shop SKU. */
export function poolOf(redis: Redis, node: TestNode, productId: string, skuId: string) {
  return skuCounts(redis, node.prefix, productId, skuId);
}

/** Orders and lines of a product, straight from the ledger. */
export async function ledgerLines(node: TestNode, productId: string) {
  const { rows } = await node.node.ctx.db.query(
    `SELECT o.id, o.channel, o.room_id, o.shop_id, o.creator_id, o.status, o.quantity, o.sale_id,
            l.title, l.unit_price::int, l.amount::int, l.product_version, l.sku_code, l.options, l.image_url,
            l.creator_id AS line_creator_id, l.agency_id AS line_agency_id, l.commission_rate_bps, l.commission_amount::int
     FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE o.product_id = $1 ORDER BY o.created_at, o.id`,
    [productId],
  );
  return rows;
}

/** Units of a SKU the ledger holds open (reserved, paying) and paid, at list price and in sales. */
export async function ledgerUnits(node: TestNode, productId: string, skuId: string) {
  const { rows } = await node.node.ctx.db.query<{ open: number; paid: number; orders: number }>(
    `SELECT coalesce(sum(quantity) FILTER (WHERE status IN ('reserved', 'pending_payment')), 0)::int AS open,
            coalesce(sum(quantity) FILTER (WHERE status = 'paid'), 0)::int AS paid, count(*)::int AS orders
     FROM orders WHERE product_id = $1 AND sku_id = $2`,
    [productId, skuId],
  );
  return rows[0]!;
}
