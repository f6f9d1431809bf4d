import type { AgencyDashboard, DashboardTop } from '@hawker/protocol';
import { policy } from '../edge/policy.ts';
import { AppError } from '../kernel/errors.ts';
import type { HawkerSocket } from '../kernel/context.ts';
import type { Logger } from '../kernel/log.ts';
import type { LedgerOrders, SellerRow, TopRow } from '../ledger/orders.ts';
import type { RoomService } from '../rooms/service.ts';

/** Agencies one connection may watch at once (DASHBOARDS_PER_CONNECTION): a dashboard shows one; a few tabs' worth. */
export const DASHBOARDS_PER_CONNECTION = 4;
/** Live rooms one dashboard lists (an agency's concurrent lives, as the console's MAX_ROOMS). */
const MAX_ROOMS = 200;
/** Top creators and products: paid orders of the last day, this many of each. */
export const DASHBOARD_WINDOW_MS = 24 * 60 * 60 * 1000;
export const DASHBOARD_TOP = 5;

/** Creator names of an agency (the search index's creators, as their rooms name them). */
export type CreatorNames = (agencyId: string) => Promise<Map<string, string>>;

/**
 * The agency dashboard's figures (docs/centre-field.md, "Agency dashboard"): live rooms with their orders and GMV,
 * totals, top creators and products, all from the ledger. A connection of the agency's staff (the console's roles:
 * `canModerateAgency`) watches with `dashboard:watch` and gets the figures in the ack, then a `dashboard:update` push
 * whenever they change. Each node reads once per tick per agency watched on it (not per watcher) and sends to its own
 * watchers only; a watcher whose access is gone (roster change) is dropped at the next tick.
 */
export class AgencyDashboards {
  private readonly watchers = new Map<string, Set<HawkerSocket>>();
  /** Per agency, the last figures sent (without `at`), so an unchanged reading sends nothing. */
  private readonly sent = new Map<string, string>();

  constructor(
    private readonly rooms: RoomService,
    private readonly ledger: LedgerOrders,
    private readonly creatorNames: CreatorNames,
    private readonly log: Logger,
  ) {}

  /** Starts pushing `agencyId`'s figures to `socket`; answers them now. */
  async watch(socket: HawkerSocket, agencyId: string): Promise<AgencyDashboard> {
    policy.require(
      policy.canModerateAgency(socket.data.principal, agencyId),
      "Only this agency's owner, its moderators and admins can see its dashboard",
    );
    const watching = [...this.watchers.entries()].filter(([id, set]) => id !== agencyId && set.has(socket)).length;
    if (watching >= DASHBOARDS_PER_CONNECTION)
      throw AppError.quotaExceeded(
        'DASHBOARDS_PER_CONNECTION',
        DASHBOARDS_PER_CONNECTION,
        `One connection watches at most ${DASHBOARDS_PER_CONNECTION} agencies' dashboards: unwatch one first`,
      );
    const figures = await this.read(agencyId);
    let set = this.watchers.get(agencyId);
    // The first watcher sets what was sent; with others already watching, their last push stands (a change in between
    // reaches them, and this one again, at the next tick).
    if (!set) {
      this.watchers.set(agencyId, (set = new Set()));
      this.sent.set(agencyId, fingerprint(figures));
    }
    set.add(socket);
    return figures;
  }

  unwatch(socket: HawkerSocket, agencyId?: string): void {
    for (const [id, set] of this.watchers) {
      if (agencyId !== undefined && id !== agencyId) continue;
      set.delete(socket);
      if (set.size === 0) {
        this.watchers.delete(id);
        this.sent.delete(id);
      }
    }
  }

  /** One tick: every agency watched on this node is read once; changed figures go to its watchers here. */
  async tick(): Promise<void> {
    for (const [agencyId, set] of [...this.watchers]) {
      for (const socket of set) if (!socket.connected || !policy.canModerateAgency(socket.data.principal, agencyId)) set.delete(socket);
      if (set.size === 0) {
        this.watchers.delete(agencyId);
        this.sent.delete(agencyId);
        continue;
      }
      try {
        const figures = await this.read(agencyId);
        const print = fingerprint(figures);
        if (print === this.sent.get(agencyId)) continue;
        this.sent.set(agencyId, print);
        // Local: the newest figures replace the last ones, so there is nothing to replay after a reconnect (the console
        // reads them again on watch); a plain emit would add each to the adapter's recovery stream.
        for (const socket of set) socket.nsp.local.to(socket.id).emit('dashboard:update', figures);
      } catch (err) {
        // One agency's failed reading must not starve the others; the next tick reads it again.
        this.log.warn({ err, agencyId }, 'dashboard figures could not be read; retrying next tick');
      }
    }
  }

  /**
   * The top creators from the ledger's seller rows: a row of a room's own products (no credited creator) is its room's
   * creator's (rooms store, each room read once). `names` gains the names the rooms give.
   */
  private async creatorsOf(sellers: SellerRow[], names: Map<string, string>): Promise<TopRow[]> {
    const roomIds = [...new Set(sellers.filter((r) => !r.creatorId && r.roomId).map((r) => r.roomId!))];
    const rooms = await Promise.all(roomIds.map((id) => this.rooms.store.get(id)));
    const creatorOfRoom = new Map<string, string>();
    rooms.forEach((room, i) => {
      if (!room) return;
      creatorOfRoom.set(roomIds[i]!, room.creatorId);
      if (!names.has(room.creatorId)) names.set(room.creatorId, room.creatorName);
    });
    const byCreator = new Map<string, TopRow>();
    for (const r of sellers) {
      const id = r.creatorId ?? creatorOfRoom.get(r.roomId ?? '');
      if (!id) continue; // a room no longer known: its creator cannot be named
      const row = byCreator.get(id) ?? { id, title: id, paidOrders: 0, paidUnits: 0, gmv: {} };
      row.paidOrders += r.paidOrders;
      row.paidUnits += r.paidUnits;
      row.gmv[r.currency] = (row.gmv[r.currency] ?? 0) + r.gmv;
      byCreator.set(id, row);
    }
    return [...byCreator.values()].sort((a, b) => b.paidUnits - a.paidUnits || a.id.localeCompare(b.id)).slice(0, DASHBOARD_TOP);
  }

  /** The figures now: live rooms (rooms store), their orders and GMV, the top lists (ledger), creator names. */
  async read(agencyId: string): Promise<AgencyDashboard> {
    const at = Date.now();
    const live = await this.rooms.store.list({ agencyId, status: 'live', limit: MAX_ROOMS });
    const [ledger, names] = await Promise.all([
      this.ledger.dashboardFigures(
        agencyId,
        live.map((r) => r.id),
        at - DASHBOARD_WINDOW_MS,
        DASHBOARD_TOP,
      ),
      this.creatorNames(agencyId),
    ]);
    for (const r of live) if (!names.has(r.creatorId)) names.set(r.creatorId, r.creatorName);
    const rooms = live.map((r) => {
      const f = ledger.rooms.get(r.id) ?? { orders: 0, paidOrders: 0, paidUnits: 0, gmv: {} };
      return { roomId: r.id, title: r.title, creatorId: r.creatorId, creatorName: r.creatorName, startedAt: r.startedAt, ...f };
    });
    const totals = { orders: 0, paidOrders: 0, paidUnits: 0, gmv: {} as Record<string, number> };
    for (const r of rooms) {
      totals.orders += r.orders;
      totals.paidOrders += r.paidOrders;
      totals.paidUnits += r.paidUnits;
      for (const [c, v] of Object.entries(r.gmv)) totals.gmv[c] = (totals.gmv[c] ?? 0) + v;
    }
    const named = (rows: TopRow[], name: (row: TopRow) => string): DashboardTop[] =>
      rows.map((row) => ({ id: row.id, name: name(row), paidOrders: row.paidOrders, paidUnits: row.paidUnits, gmv: row.gmv }));
    return {
      agencyId,
      at,
      windowMs: DASHBOARD_WINDOW_MS,
      totals,
      rooms,
      topCreators: named(await this.creatorsOf(ledger.sellers, names), (row) => names.get(row.id) ?? row.title),
      topProducts: named(ledger.products, (row) => row.title),
    };
  }
}

function fingerprint(figures: AgencyDashboard): string {
  const { at: _at, ...rest } = figures;
  return JSON.stringify(rest);
}
