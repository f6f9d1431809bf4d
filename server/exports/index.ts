import type { Auth } from '../auth/index.ts';
import type { Domain, HawkerContext } from '../kernel/context.ts';
import type { RoomService } from '../rooms/index.ts';
import { exportRoutes } from './routes.ts';
import { MerchantScopes } from './scopes.ts';
import { ExportService } from './service.ts';
import { ExportStore } from './store.ts';

export { csvLine, csvText } from './csv.ts';
export { MerchantScopes, type MerchantScope } from './scopes.ts';
export { ExportService } from './service.ts';

/**
 * The exports domain (issue 16, item 5): streamed CSV exports of orders and refunds per shop, room and agency, from
 * the ledger's pool. Also owns MerchantScopes, the access check and audit trail webhooks share. REST only.
 */
export function createExports(
  ctx: HawkerContext,
  auth: Auth,
  rooms: RoomService,
): Domain & { scopes: MerchantScopes; service: ExportService } {
  const scopes = new MerchantScopes(ctx.dbBulk, rooms);
  const service = new ExportService(new ExportStore(ctx.dbBulk), scopes);
  ctx.app.use(exportRoutes(service, auth, ctx.log));
  return { name: 'exports', scopes, service, close: async () => {} };
}
