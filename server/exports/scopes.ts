import type { Principal } from '@hawker/protocol';
import type pg from 'pg';
import { policy } from '../edge/policy.ts';
import { AppError } from '../kernel/errors.ts';
import type { RoomService } from '../rooms/index.ts';

/** What merchant operations act on: one shop, one agency, or (exports only) one room. */
export type MerchantScope = { kind: 'shop' | 'agency' | 'room'; id: string };

/** A pool or a client inside a transaction. */
export type Db = Pick<pg.PoolClient, 'query'>;

/** One line of the merchant audit trail (migration 0006's merchant_audit). */
export interface MerchantAuditEntry {
  scope: MerchantScope;
  actor: string;
  action: string;
  target?: string | null;
  details?: Record<string, unknown>;
}

/**
 * Who may operate a scope (server/edge/policy.ts decides; this finds what it needs: a shop's owner, kind and staff from
 * PostgreSQL, a room's creator and agency from the rooms service) and the durable merchant audit trail. Shared by
 * exports and webhooks so both ask the same question the same way.
 */
export class MerchantScopes {
  constructor(
    readonly db: pg.Pool,
    private readonly rooms: RoomService,
  ) {}

  /** Throws NOT_FOUND for a shop that does not exist, FORBIDDEN unless `p` may export from / manage webhooks of `scope`. */
  async require(p: Principal, scope: MerchantScope): Promise<void> {
    if (scope.kind === 'shop') {
      const { rows } = await this.db.query<{ owner_id: string; kind: 'merchant' | 'creator'; staff: string[] }>(
        `SELECT s.owner_id, s.kind, coalesce(array_agg(st.user_id) FILTER (WHERE st.user_id IS NOT NULL), '{}') AS staff
           FROM shops s LEFT JOIN shop_staff st ON st.shop_id = s.id WHERE s.id = $1 GROUP BY s.id`,
        [scope.id],
      );
      const shop = rows[0];
      if (!shop) throw AppError.notFound(`Shop ${scope.id}`);
      policy.require(
        policy.canOperateShop(p, { ownerId: shop.owner_id, kind: shop.kind, staff: shop.staff }),
        "Only the shop's owner, its staff and admins export its orders and manage its webhooks",
      );
    } else if (scope.kind === 'agency') {
      policy.require(policy.canOperateAgency(p, scope.id), "Only the agency's owner and admins export its orders and manage its webhooks");
    } else {
      const room = await this.rooms.store.mustGet(scope.id);
      policy.require(policy.canExportRoom(p, room), "Only the room's creator, its agency's owner and admins export its orders");
    }
  }

  /** Appends to the merchant audit trail (on `c`, so an audited change and its entry commit together). */
  async audit(c: Db, e: MerchantAuditEntry): Promise<void> {
    await c.query('INSERT INTO merchant_audit (scope, scope_id, actor, action, target, details) VALUES ($1, $2, $3, $4, $5, $6)', [
      e.scope.kind,
      e.scope.id,
      e.actor,
      e.action,
      e.target ?? null,
      JSON.stringify(e.details ?? {}),
    ]);
  }
}
