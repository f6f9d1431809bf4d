import type { Domain, HawkerContext } from '../kernel/context.ts';
import type { Auth } from '../auth/index.ts';
import { AuditLog } from './audit.ts';
import { agencyRoutes } from './routes.ts';
import { AgencyStore } from './store.ts';

export { AuditLog, type AuditRecord } from './audit.ts';
export { AgencyStore } from './store.ts';

/**
 * The agency domain: MCN agencies, their rosters (creators, moderators) and the audit log. It is created before auth,
 * because auth asks it for the effective principal (`store.effective`); its REST routes are mounted once auth exists.
 */
export function createAgency(ctx: HawkerContext): Domain & { store: AgencyStore; audit: AuditLog; mount(auth: Auth): void } {
  const audit = new AuditLog(ctx.redis, ctx.config);
  const store = new AgencyStore(ctx.redis, ctx.config.REDIS_KEY_PREFIX, audit, {
    creators: ctx.config.AGENCY_MAX_CREATORS,
    moderators: ctx.config.AGENCY_MAX_MODERATORS,
  });
  return {
    name: 'agency',
    store,
    audit,
    mount(auth) {
      ctx.app.use(agencyRoutes(store, audit, auth));
    },
    async close() {},
  };
}
