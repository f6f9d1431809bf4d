import type { Auth } from '../auth/index.ts';
import type { Domain, HawkerContext } from '../kernel/context.ts';
import { shopRoutes } from './routes.ts';
import { ShopService, type ShopStockPort } from './service.ts';
import { ShopStore } from './store.ts';

export { ShopService, type ShopChangeListener, type ShopStockPort } from './service.ts';
export { ShopStore } from './store.ts';

/**
 * The shops domain: merchants' and creators' shops, their staff, and the products they own (title, description,
 * ordered images, category, attributes and SKUs), durable in PostgreSQL on the ledger's pool (migration 0002). REST
 * only; nothing to stop on close (the pool is the ledger's).
 */
export function createShops(ctx: HawkerContext, auth: Auth, stock: ShopStockPort | null = null): Domain & { service: ShopService } {
  const { config } = ctx;
  const service = new ShopService(
    new ShopStore(ctx.db),
    {
      SHOPS_PER_OWNER: config.SHOPS_PER_OWNER,
      PRODUCTS_PER_SHOP: config.PRODUCTS_PER_SHOP,
    },
    stock,
    ctx.log.child({ module: 'shops' }),
  );
  ctx.app.use(shopRoutes(service, auth, config.SHOP_PRODUCT_MAX_BYTES));
  return { name: 'shops', service, close: async () => {} };
}
