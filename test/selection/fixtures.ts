/** What the selection and settlement tests share: a merchant's shop with products, and selection rows from PostgreSQL. */
import type { Shop, ShopProduct } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import type { TestNode } from '../../harness/node.ts';
import { addProduct, openShop, simpleProduct, tokenAs } from '../shops/fixtures.ts';
import { AgencyStore } from '../../server/agency/index.ts';
import { SelectionService, SelectionStore } from '../../server/selection/index.ts';
import { ShopStore } from '../../server/shops/index.ts';

export { addProduct, type ErrorBody, openShop, simpleProduct, tokenAs } from '../shops/fixtures.ts';

export interface MerchantSetup {
  merchant: string;
  shop: Shop;
  products: ShopProduct[];
}

/** Merchant `ownerId` with a shop and `n` simple products. */
export async function merchantWith(node: TestNode, ownerId = 'm1', n = 2): Promise<MerchantSetup> {
  const merchant = await tokenAs(node, ownerId, 'merchant');
  const shop = await openShop(node, merchant);
  const products: ShopProduct[] = [];
  for (let i = 0; i < n; i++) {
    products.push(
      await addProduct(
        node,
        merchant,
        shop.id,
        simpleProduct({ title: `Product ${i}`, skus: [{ values: [], code: `P-${i}`, price: 10_000 + i, stock: 10 }] }),
      ),
    );
  }
  return { merchant, shop, products };
}

/** Calls the API and throws unless it answers `status`. */
export async function ok<T>(node: TestNode, method: string, path: string, token: string, body?: unknown, status = 200): Promise<T> {
  const res = await api<T>(node.url, method, path, token, body);
  if (res.status !== status) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Rows of every selection table (to prove a refused request changed nothing). */
export async function selectionCounts(node: TestNode): Promise<Record<string, number>> {
  const { rows } = await node.node.ctx.db.query(
    `SELECT (SELECT count(*)::int FROM selection_settings) AS settings, (SELECT count(*)::int FROM selection_plans) AS plans,
            (SELECT count(*)::int FROM selection_offers) AS offers, (SELECT count(*)::int FROM selection_applications) AS applications,
            (SELECT count(*)::int FROM commission_entries) AS entries`,
  );
  return rows[0]!;
}

/**
 * The selection rules on the node's database, as the selling domains get them (`selection.terms` in server/domains.ts):
 * a SelectionService with the node's configured limits and its agency roster.
 */
export function termsOf(node: TestNode): SelectionService {
  const { db, config, redis } = node.node.ctx;
  const roster = new AgencyStore(redis, config.REDIS_KEY_PREFIX, { record: async () => {} } as never, {
    creators: config.AGENCY_MAX_CREATORS,
    moderators: config.AGENCY_MAX_MODERATORS,
  });
  return new SelectionService(new SelectionStore(db), new ShopStore(db), roster, config);
}
