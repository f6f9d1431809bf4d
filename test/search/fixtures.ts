/** What the search tests share: a merchant's shop with products, and a typed search call. */
import type { SearchResult, ShopProduct } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import type { TestNode } from '../../harness/node.ts';
import { addProduct, openShop, simpleProduct, tokenAs } from '../shops/fixtures.ts';

export type ErrorBody = { error: { code: string; message: string; details?: unknown } };

/** A merchant and their shop. */
export async function merchantShop(node: TestNode, name = 'Beauty Hall') {
  const merchant = await tokenAs(node, `m-${Math.random().toString(36).slice(2, 8)}`, 'merchant');
  const shop = await openShop(node, merchant, { name });
  return { merchant, shop };
}

/** A one-SKU product titled `title` (price, stock, category, description optional). */
export function product(
  node: TestNode,
  token: string,
  shopId: string,
  title: string,
  o: { price?: number; stock?: number; category?: string; description?: string } = {},
): Promise<ShopProduct> {
  return addProduct(
    node,
    token,
    shopId,
    simpleProduct({
      title,
      category: o.category ?? 'beauty.lips',
      ...(o.description === undefined ? {} : { description: o.description }),
      skus: [{ values: [], code: 'SKU-1', price: o.price ?? 9_900, stock: o.stock ?? 10 }],
    }),
  );
}

/** GET /api/search with these query parameters (200 expected). */
export async function search(node: TestNode, params: Record<string, string | number>): Promise<SearchResult> {
  const res = await api<SearchResult>(node.url, 'GET', `/api/search?${qs(params)}`);
  if (res.status !== 200) throw new Error(`search: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export const qs = (params: Record<string, string | number>): string =>
  new URLSearchParams(Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]))).toString();

/**
 * A clip row as the cutter leaves it (`ready`, not published), of creator c1 in agency ag1: cutting needs ffmpeg and
 * a recording, which test/recording/clip-cut.test.ts covers; the tests publish and delete it through the REST API.
 */
export async function readyClip(node: TestNode, c: { id: string; roomId: string; title: string; productIds: string[] }): Promise<void> {
  await node.node.ctx.db.query(
    `INSERT INTO clips (id, recording_id, room_id, creator_id, agency_id, title, start_ms, end_ms, duration_ms, status, product_ids)
     VALUES ($1, 'rec-' || $1, $2, 'c1', 'ag1', $3, 0, 3000, 3000, 'ready', $4::text[])`,
    [c.id, c.roomId, c.title, c.productIds],
  );
}

/** The ids of the clips a search for `q` finds, sorted. */
export const clipIds = async (node: TestNode, q: string): Promise<string[]> =>
  (await search(node, { q, type: 'clips' })).clips.map((c) => c.id).sort();
