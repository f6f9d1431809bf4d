import { AppError } from '../kernel/errors.ts';
import type { Principal } from '@hawker/protocol';
import type { Room } from '@hawker/protocol';
import type { ShopKind } from '@hawker/protocol';

/** What the policy needs of a room: who created it and the agency it belongs to (fixed when it is created). */
type RoomRef = Pick<Room, 'creatorId' | 'agencyId'>;

/**
 * Who a moderation action on a user (mute, ban, agency ban) targets, as the room and the agency roster see them. The
 * roster is the only server-side record of staff, so for an agency not registered here only `roomCreator` can be true.
 */
export interface ModerationTarget {
  userId: string;
  /** The creator of the room acted in (room actions only). */
  roomCreator: boolean;
  /** The owner of the agency the room (or the agency-wide action) belongs to. */
  agencyOwner: boolean;
  /** On that agency's roster as a creator. */
  agencyCreator: boolean;
  /** On that agency's roster as a moderator. */
  agencyModerator: boolean;
}
/** What the policy needs of a shop: its owner, the kind it was opened as, and its staff (user ids). */
type ShopRef = { ownerId: string; kind: ShopKind; staff: readonly string[] };
/** Who sold an order: a shop (its product) or, for a room's own product (no shop), the room. */
export type OrderSeller = { shop: ShopRef } | { room: RoomRef };

/**
 * The access policy, in one place, so every route and event asks the same question the same way. Who may do what:
 *
 * - admin: everything.
 * - creator: create rooms; in their own rooms, go live, publish, end, products, sales, moderation.
 * - agency (owner): in every room of the agency, end, products, sales, moderation; agency-wide moderation; the roster.
 * - moderator: in every room of their agency, moderation and the staff's reads (orders, media stats, analytics, the
 *   console); agency-wide moderation and reads (bans, keywords, roster, audit, orders, analytics). Never products,
 *   sales, ending rooms or the roster; never a mute or ban of the agency's owner or another moderator (canActOn).
 * - nobody, admins included, mutes or bans a room's creator in their own room, or bans the agency's owner or a
 *   creator on its roster agency-wide (isShielded).
 * - viewer: only their own actions (chat, like, buy, their orders).
 * - merchant: open a shop; in their own shop, its settings, staff and products. In live rooms, a viewer.
 * - shops: a creator may run their own shop like a merchant; a shop's staff (user ids its owner adds, any role) manage
 *   its products, not its settings or staff.
 * - selection: a shop's owner sets its commission terms (default rate, plans, offers); its staff read them and answer
 *   creators' applications. A creator applies for themself; their agency's owner or moderators for them.
 * - settlement: a shop's statement for its owner and staff; a creator's for themself; an agency's for its owner.
 *
 * A principal's `agencyId` is the token's claim as the agency roster confirms it (AgencyStore.effective, applied by
 * createAuth to every request and connection): a creator's agency is the one whose roster lists them, whatever the
 * token says; an owner's or moderator's claim on a registered agency stands only if its roster lists them.
 */
export const policy = {
  /** Create a room: creators and admins. */
  canCreateRoom(p: Principal): boolean {
    return p.role === 'creator' || p.role === 'admin';
  },
  /** Go live: the room's creator and admins; not its agency (starting a live is the creator's call). */
  canGoLive(p: Principal, room: RoomRef): boolean {
    return p.role === 'admin' || (p.role === 'creator' && room.creatorId === p.userId);
  },
  /** Publish video or audio (and take back held tracks): the room's creator only, whatever the role; not even admins. */
  canPublish(p: Principal, room: RoomRef): boolean {
    return room.creatorId === p.userId;
  },
  /** End, products, pin, sales: the room's creator, its agency's owner, admins. (Going live is canGoLive: not the owner.) */
  canManageRoom(p: Principal, room: RoomRef): boolean {
    if (p.role === 'admin') return true;
    if (p.role === 'creator') return room.creatorId === p.userId;
    if (p.role === 'agency') return room.agencyId !== null && room.agencyId === p.agencyId;
    return false;
  },
  /** Delete messages, mute, ban, slow mode, keywords, and the staff's reads of a room: managers plus the agency's moderators. */
  canModerateRoom(p: Principal, room: RoomRef): boolean {
    if (policy.canManageRoom(p, room)) return true;
    return p.role === 'moderator' && room.agencyId !== null && room.agencyId === p.agencyId;
  },
  /**
   * Select a shop product into a room's product list, or take it off (issue 15): the room's creator, its agency's
   * owner and moderators for the agency's rooms, admins. Whether the product is open to the room's creator is
   * selection's answer (server/selection/terms.ts), asked by the catalog.
   */
  canSelectIntoRoom(p: Principal, room: RoomRef): boolean {
    return policy.canModerateRoom(p, room);
  },
  /** A room's analytics: the staff who moderate it (its creator, its agency's owner and moderators, admins). */
  canSeeRoomAnalytics(p: Principal, room: RoomRef): boolean {
    return policy.canModerateRoom(p, room);
  },
  /** Register an agency: admins. */
  canRegisterAgency(p: Principal): boolean {
    return p.role === 'admin';
  },
  /** List every agency: admins. */
  canListAgencies(p: Principal): boolean {
    return p.role === 'admin';
  },
  /** Agency-wide moderation and reads (bans, keywords, roster, audit, orders, analytics, the console): the agency's owner and moderators, admins. */
  canModerateAgency(p: Principal, agencyId: string): boolean {
    if (p.role === 'admin') return true;
    return (p.role === 'agency' || p.role === 'moderator') && p.agencyId === agencyId;
  },
  /** Roster changes (add or remove creators and moderators): the agency's owner, admins. */
  canManageAgency(p: Principal, agencyId: string): boolean {
    return p.role === 'admin' || (p.role === 'agency' && p.agencyId === agencyId);
  },
  /** The platform audit log (every agency's and room's entries): admins. */
  canReadPlatformAudit(p: Principal): boolean {
    return p.role === 'admin';
  },
  /** The payment queue dashboard (Bull Board): admins. */
  canSeeQueues(p: Principal): boolean {
    return p.role === 'admin';
  },
  /** Sign a user out everywhere (revoke every token issued so far, cut their open connections): admins. */
  canRevokeSessions(p: Principal): boolean {
    return p.role === 'admin';
  },
  /**
   * Mute or ban `target`, for an actor already allowed to moderate the room or the agency: a moderator may not act on
   * the agency's owner or on another of its moderators (its owner, the room's creator and admins may). Whom nobody may
   * target at all is `isShielded`.
   */
  canActOn(p: Principal, target: ModerationTarget): boolean {
    if (p.role !== 'moderator' || target.userId === p.userId) return true;
    return !target.agencyOwner && !target.agencyModerator;
  },
  /**
   * Whom nobody may mute or ban, admins included, because it would lock them out of what is theirs: a room's creator in
   * their own room (`room` actions); the agency's owner and the creators on its roster from the agency's rooms
   * (`agency`-wide bans: remove a creator from the roster first).
   */
  isShielded(target: ModerationTarget, scope: 'room' | 'agency'): boolean {
    return scope === 'room' ? target.roomCreator : target.agencyOwner || target.agencyCreator;
  },
  /** Throws FORBIDDEN unless `allowed`. */
  require(allowed: boolean, message?: string): void {
    if (!allowed) throw AppError.forbidden(message);
  },
  /** Open a shop for `ownerId`: a merchant (merchant shop) or a creator (creator shop) for themselves; admins for anyone. */
  canCreateShop(p: Principal, shop: Pick<ShopRef, 'ownerId' | 'kind'>): boolean {
    return p.role === 'admin' || (p.userId === shop.ownerId && p.role === shop.kind);
  },
  /** A shop's settings and staff: its owner (signed in with the role the shop was opened as), admins. */
  canManageShop(p: Principal, shop: ShopRef): boolean {
    return p.role === 'admin' || (p.userId === shop.ownerId && p.role === shop.kind);
  },
  /** A shop's products (create, edit, archive, delete) and its staff list: its owner, its staff, admins. */
  canManageShopProducts(p: Principal, shop: ShopRef): boolean {
    return policy.canManageShop(p, shop) || shop.staff.includes(p.userId);
  },
  /**
   * A shop's commission terms (its default rate, open plans, targeted offers): its owner and admins, as its settings.
   * Rates are the shop's money, so its staff do not set them.
   */
  canSetCommissions(p: Principal, shop: ShopRef): boolean {
    return policy.canManageShop(p, shop);
  },
  /** Reading a shop's selection (settings, plans, offers, applications) and answering creators' applications: its owner, staff, admins. */
  canReviewSelection(p: Principal, shop: ShopRef): boolean {
    return policy.canManageShopProducts(p, shop);
  },
  /** Upload product pictures (server/uploads): those who make products, creators and merchants, and admins. */
  canUploadImages(p: Principal): boolean {
    return p.role === 'creator' || p.role === 'merchant' || p.role === 'admin';
  },
  /** Sell other shops' products for commission (the selection market, applications): creators (and admins, to look). */
  canSell(p: Principal): boolean {
    return p.role === 'creator' || p.role === 'admin';
  },
  /**
   * Apply to a selection plan for `creatorId`: the creator themself, their agency's owner or moderator (`onRoster`: the
   * roster of the caller's agency lists them as a creator), admins.
   */
  canApplyFor(p: Principal, creatorId: string, onRoster: boolean): boolean {
    if (p.role === 'admin') return true;
    if (creatorId === p.userId) return p.role === 'creator';
    return (p.role === 'agency' || p.role === 'moderator') && onRoster;
  },
  /**
   * A settlement statement: a shop's for its owner, staff and admins (canReviewSelection); a creator's for themself and
   * admins; an agency's for its owner and admins.
   */
  canReadSettlement(p: Principal, of: { creatorId: string } | { agencyId: string }): boolean {
    if (p.role === 'admin') return true;
    return 'creatorId' in of ? p.userId === of.creatorId : p.role === 'agency' && p.agencyId === of.agencyId;
  },
  /** The agency a seller sells through (and which earns through them): a creator's agency claim; nobody else's. */
  sellingAgency(p: Principal): string | null {
    return p.role === 'creator' ? (p.agencyId ?? null) : null;
  },
  /** A shop's exports and webhook endpoints (issue 16): its owner, its staff, admins. */
  canOperateShop(p: Principal, shop: ShopRef): boolean {
    return policy.canManageShopProducts(p, shop);
  },
  /** A room's order and refund exports: the room's creator, its agency's owner, admins (those who manage the room). */
  canExportRoom(p: Principal, room: RoomRef): boolean {
    return policy.canManageRoom(p, room);
  },
  /** An agency's exports and webhook endpoints: the agency's owner, admins (not its moderators). */
  canOperateAgency(p: Principal, agencyId: string): boolean {
    return policy.canManageAgency(p, agencyId);
  },
  /**
   * Watch a room's recording and read its timeline (issue 18): like the room itself, anyone signed in, while it is
   * recording or ready; a failed recording (its playable part included) only the room's staff, who see why it failed.
   */
  canWatchRecording(p: Principal, room: RoomRef, status: 'recording' | 'ready' | 'failed'): boolean {
    return status !== 'failed' || policy.canModerateRoom(p, room);
  },
  /**
   * Cut, publish and delete a room's clips (issue 18): as its products, the room's creator, its agency's owner, admins
   * (clips carry products and sell them).
   */
  canClipRoom(p: Principal, room: RoomRef): boolean {
    return policy.canManageRoom(p, room);
  },
  /** Watch a clip: a published one anyone signed in; a draft or a failed one only the room's staff. */
  canWatchClip(p: Principal, room: RoomRef, published: boolean): boolean {
    return published || policy.canModerateRoom(p, room);
  },
  /**
   * After payment (issue 16): cancel an unpaid order with a reason. A shop order: the shop's owner, its staff, admins;
   * a room's own product: those who manage the room (its creator, its agency's owner, admins).
   */
  canCancelOrder(p: Principal, seller: OrderSeller): boolean {
    return 'shop' in seller ? policy.canManageShopProducts(p, seller.shop) : policy.canManageRoom(p, seller.room);
  },
  /**
   * Refund a paid order, and approve or reject a buyer's refund request: money leaves the shop, so a shop's owner and
   * admins (not its staff, as for commission rates); a room's own product: those who manage the room.
   */
  canRefundOrder(p: Principal, seller: OrderSeller): boolean {
    return 'shop' in seller ? policy.canManageShop(p, seller.shop) : policy.canManageRoom(p, seller.room);
  },
  /** A shop's or a room's merchant audit trail (money actions, exports, webhooks): as canRefundOrder. */
  canReadMerchantAudit(p: Principal, seller: OrderSeller): boolean {
    return policy.canRefundOrder(p, seller);
  },
  /**
   * Ship a paid order and mark it delivered (issue 16): a shop product's order by the shop's owner, its staff and
   * admins (who runs the shop sends its goods; the room that sold it does not); a room's own product's order by those
   * who manage the room (its creator, its agency's owner, admins; not its moderators).
   */
  canFulfilOrder(p: Principal, seller: { shop: ShopRef } | { room: RoomRef }): boolean {
    return 'shop' in seller ? policy.canManageShopProducts(p, seller.shop) : policy.canManageRoom(p, seller.room);
  },
  /**
   * A creator's crowd (issue 19: stages, flows, sources and the per-stage export of people): the creator themself and
   * admins. An agency's crowd is canOperateAgency's, a shop's canOperateShop's (server/exports/scopes.ts asks them).
   */
  canSeeCreatorCrowd(p: Principal, creatorId: string): boolean {
    return p.role === 'admin' || (p.role === 'creator' && p.userId === creatorId);
  },
  /** Erase another person's crowd data and anonymise them in the ledger, on their request: admins. (Anyone may erase themself.) */
  canEraseCrowdPerson(p: Principal): boolean {
    return p.role === 'admin';
  },
};
