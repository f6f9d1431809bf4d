import type pg from 'pg';
import type {
  ApplySelectionBody,
  ListSelectionApplicationsQuery,
  Principal,
  PutSelectionOfferBody,
  PutSelectionPlanBody,
  SelectionApplication,
  SelectionApplicationList,
  SelectionListQuery,
  SelectionMarket,
  SelectionOffer,
  SelectionOfferList,
  SelectionPlan,
  SelectionPlanList,
  SelectionSettings,
} from '@hawker/protocol';
import { policy } from '../edge/policy.ts';
import { AppError } from '../kernel/errors.ts';
import { newId } from '../kernel/ids.ts';
import { CursorError } from '../ledger/orders.ts';
import type { ShopStore, ShopWithStaff } from '../shops/store.ts';
import { decideTerms } from './rules.ts';
import type { SelectionStore } from './store.ts';
import type { SelectionTerms, Seller, SellerTerms } from './terms.ts';

/** The limits and ranges this service enforces (configuration variables, server/config.ts). */
export interface SelectionLimits {
  COMMISSION_MIN_BPS: number;
  COMMISSION_MAX_BPS: number;
  PLANS_PER_SHOP: number;
  OFFERS_PER_SHOP: number;
  PENDING_APPLICATIONS_PER_CREATOR: number;
}

/** What selection needs of the agency roster: whether a user is on an agency's creators. */
export interface RosterLookup {
  memberships(agencyId: string, userId: string): Promise<{ owner: boolean; creator: boolean; moderator: boolean }>;
}

type Db = Pick<pg.PoolClient, 'query'>;

/**
 * Selection (选品): a shop's default commission rate, its open plans (one per product, optionally by approval), its
 * targeted offers to creators and agencies, creators' applications, the selection market, and `termsFor`, the rule
 * selling domains ask (server/selection/terms.ts). Who may: server/edge/policy.ts (canSetCommissions,
 * canReviewSelection, canApplyFor). Every change is one transaction; a refused request changes nothing.
 */
export class SelectionService implements SelectionTerms {
  constructor(
    private readonly store: SelectionStore,
    private readonly shops: ShopStore,
    private readonly roster: RosterLookup,
    private readonly limits: SelectionLimits,
  ) {}

  // ---------------------------------------------------------------------------------------------------------------
  // Terms (the contract selling domains call)

  async termsFor(seller: Seller, product: { shopId: string; productId: string; shopOwnerId: string }): Promise<SellerTerms | null> {
    const facts = await this.store.facts(seller, product.shopId, product.productId, product.shopOwnerId);
    return facts ? decideTerms(facts) : null;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Settings

  async settings(p: Principal, shopId: string): Promise<SelectionSettings> {
    const shop = await this.mustShop(this.store.db, shopId);
    policy.require(policy.canReviewSelection(p, shop), "Only the shop's owner, staff and admins see its commission settings");
    return this.store.settings(this.store.db, shopId);
  }

  async putSettings(p: Principal, shopId: string, defaultRateBps: number): Promise<SelectionSettings> {
    return pgErrors(() =>
      this.store.tx(async (c) => {
        const shop = await this.lockShop(c, shopId);
        policy.require(policy.canSetCommissions(p, shop), "Only the shop's owner and admins set its commission rates");
        this.checkRate(defaultRateBps, 'defaultRateBps');
        return this.store.putSettings(c, shopId, defaultRateBps, p.userId);
      }),
    );
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Plans

  async putPlan(p: Principal, productId: string, body: PutSelectionPlanBody): Promise<SelectionPlan> {
    return pgErrors(() =>
      this.store.tx(async (c) => {
        const { shop, archived } = await this.productShop(c, productId);
        policy.require(policy.canSetCommissions(p, shop), "Only the shop's owner and admins open its products to creators");
        if (archived) throw AppError.conflict(`Product ${productId} is archived; archived products are never open to creators`);
        const rateBps = body.rateBps ?? null;
        if (rateBps !== null) this.checkRate(rateBps, 'rateBps');
        else if ((await this.store.settings(c, shop.id)).defaultRateBps === null) {
          throw AppError.conflict(
            `Give the plan a rateBps, or set the shop's default rate first (PUT /api/shops/${shop.id}/selection/settings)`,
          );
        }
        if (!(await this.store.plan(c, productId))) {
          const max = this.limits.PLANS_PER_SHOP;
          if ((await this.store.countPlans(c, shop.id)) >= max) {
            throw AppError.quotaExceeded(
              'PLANS_PER_SHOP',
              max,
              `A shop has at most ${max} open plans; close one (DELETE /api/products/:productId/selection-plan) first`,
            );
          }
        }
        return this.store.putPlan(c, shop.id, productId, rateBps, body.requiresApproval, p.userId);
      }),
    );
  }

  /** Closes a product's plan: creators selling through it stop being able to (offers to named creators stay). */
  async deletePlan(p: Principal, productId: string): Promise<{ productId: string; closed: boolean }> {
    return pgErrors(() =>
      this.store.tx(async (c) => {
        const { shop } = await this.productShop(c, productId);
        policy.require(policy.canSetCommissions(p, shop), "Only the shop's owner and admins close its plans");
        return { productId, closed: await this.store.deletePlan(c, productId) };
      }),
    );
  }

  async listPlans(p: Principal, shopId: string, q: SelectionListQuery): Promise<SelectionPlanList> {
    const shop = await this.mustShop(this.store.db, shopId);
    policy.require(policy.canReviewSelection(p, shop), "Only the shop's owner, staff and admins list its plans");
    const page = await cursorErrors(() => this.store.listPlans(this.store.db, shopId, q.limit, q.cursor));
    return { plans: page.items, nextCursor: page.nextCursor };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Offers

  async putOffer(p: Principal, shopId: string, body: PutSelectionOfferBody): Promise<SelectionOffer> {
    return pgErrors(() =>
      this.store.tx(async (c) => {
        const shop = await this.lockShop(c, shopId);
        policy.require(policy.canSetCommissions(p, shop), "Only the shop's owner and admins offer commission rates");
        const head = await this.shops.productHead(c, body.productId);
        if (!head || head.shopId !== shopId) throw AppError.notFound(`Product ${body.productId} of shop ${shopId}`);
        if (head.status === 'archived')
          throw AppError.conflict(`Product ${body.productId} is archived; archived products are never open to creators`);
        if (body.target.kind === 'creator' && body.target.id === shop.ownerId) {
          throw AppError.badRequest(`${shop.ownerId} owns the shop and sells its products without commission`);
        }
        this.checkRate(body.rateBps, 'rateBps');
        if (!(await this.store.offerFor(c, body.productId, body.target.kind, body.target.id))) {
          const max = this.limits.OFFERS_PER_SHOP;
          if ((await this.store.countOffers(c, shopId)) >= max) {
            throw AppError.quotaExceeded(
              'OFFERS_PER_SHOP',
              max,
              `A shop has at most ${max} targeted offers; withdraw one (DELETE /api/selection/offers/:offerId) first`,
            );
          }
        }
        return this.store.putOffer(c, {
          id: newId(),
          shopId,
          productId: body.productId,
          kind: body.target.kind,
          targetId: body.target.id,
          rateBps: body.rateBps,
          by: p.userId,
        });
      }),
    );
  }

  async deleteOffer(p: Principal, offerId: string): Promise<{ id: string; deleted: true }> {
    return pgErrors(() =>
      this.store.tx(async (c) => {
        const offer = await this.store.offer(c, offerId);
        if (!offer) throw AppError.notFound(`Offer ${offerId}`);
        const shop = await this.lockShop(c, offer.shopId);
        policy.require(policy.canSetCommissions(p, shop), "Only the shop's owner and admins withdraw its offers");
        await this.store.deleteOffer(c, offerId);
        return { id: offerId, deleted: true as const };
      }),
    );
  }

  async listOffers(p: Principal, shopId: string, q: SelectionListQuery): Promise<SelectionOfferList> {
    const shop = await this.mustShop(this.store.db, shopId);
    policy.require(policy.canReviewSelection(p, shop), "Only the shop's owner, staff and admins list its offers");
    const page = await cursorErrors(() => this.store.listOffers(this.store.db, shopId, q.limit, q.cursor));
    return { offers: page.items, nextCursor: page.nextCursor };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Applications

  /**
   * Applies to a plan that requires approval, for the caller (a creator) or for a creator on the caller's agency
   * roster (its owner or a moderator). Idempotent while pending or approved; a refused creator may apply again.
   */
  async apply(p: Principal, productId: string, body: ApplySelectionBody): Promise<SelectionApplication> {
    const creatorId = body.creatorId ?? p.userId;
    const onRoster =
      creatorId !== p.userId && p.agencyId && policy.canModerateAgency(p, p.agencyId)
        ? (await this.roster.memberships(p.agencyId, creatorId)).creator
        : false;
    policy.require(
      policy.canApplyFor(p, creatorId, onRoster),
      creatorId === p.userId
        ? 'Creators apply to selection plans; sign in as a creator'
        : "Only the creator, their agency's owner or moderators, and admins apply for a creator",
    );
    return pgErrors(() =>
      this.store.tx(async (c) => {
        const plan = await this.store.plan(c, productId);
        const head = await this.shops.productHead(c, productId);
        if (!plan || !head) throw AppError.notFound(`Selection plan of product ${productId}`);
        if (head.status === 'archived')
          throw AppError.conflict(`Product ${productId} is archived; archived products are never open to creators`);
        if (head.ownerId === creatorId) throw AppError.badRequest(`${creatorId} owns the shop and sells its products without commission`);
        if (!plan.requiresApproval) throw AppError.conflict(`Product ${productId} is open to every creator; no application is needed`);
        await this.store.lockCreator(c, creatorId);
        const existing = await this.store.applicationOf(c, productId, creatorId);
        if (existing && existing.status !== 'refused') return existing;
        const max = this.limits.PENDING_APPLICATIONS_PER_CREATOR;
        if ((await this.store.countPending(c, creatorId)) >= max) {
          throw AppError.quotaExceeded(
            'PENDING_APPLICATIONS_PER_CREATOR',
            max,
            `A creator has at most ${max} applications waiting for an answer; wait for shops to answer some first`,
          );
        }
        return this.store.apply(c, { id: newId(), productId, shopId: head.shopId, creatorId, appliedBy: p.userId, note: body.note ?? '' });
      }),
    );
  }

  /** Approves or refuses an application (either decision may be changed later: approving a refused one, or refusing an approved one). */
  async decide(p: Principal, applicationId: string, status: 'approved' | 'refused'): Promise<SelectionApplication> {
    return pgErrors(() =>
      this.store.tx(async (c) => {
        const app = await this.store.lockApplication(c, applicationId);
        if (!app) throw AppError.notFound(`Application ${applicationId}`);
        const shop = await this.mustShop(c, app.shopId);
        policy.require(policy.canReviewSelection(p, shop), "Only the shop's owner, staff and admins answer applications");
        if (app.status === status) return app;
        return this.store.decide(c, applicationId, status, p.userId);
      }),
    );
  }

  async shopApplications(p: Principal, shopId: string, q: ListSelectionApplicationsQuery): Promise<SelectionApplicationList> {
    const shop = await this.mustShop(this.store.db, shopId);
    policy.require(policy.canReviewSelection(p, shop), "Only the shop's owner, staff and admins list its applications");
    const page = await cursorErrors(() => this.store.listApplications(this.store.db, { shopId }, q));
    return { applications: page.items, nextCursor: page.nextCursor };
  }

  async myApplications(p: Principal, q: ListSelectionApplicationsQuery): Promise<SelectionApplicationList> {
    const page = await cursorErrors(() => this.store.listApplications(this.store.db, { creatorId: p.userId }, q));
    return { applications: page.items, nextCursor: page.nextCursor };
  }

  /** What the caller may sell of other shops' products, and at what rate (plans needing approval included). */
  async market(p: Principal, q: SelectionListQuery): Promise<SelectionMarket> {
    policy.require(policy.canSell(p), 'The selection market is for creators; sign in as a creator');
    const seller: Seller = { creatorId: p.userId, agencyId: policy.sellingAgency(p) };
    const page = await cursorErrors(() => this.store.market(seller, q.limit, q.cursor));
    return { items: page.items, nextCursor: page.nextCursor };
  }

  // ---------------------------------------------------------------------------------------------------------------

  /** A rate outside COMMISSION_MIN_BPS..COMMISSION_MAX_BPS: BAD_REQUEST naming the bound it broke. */
  private checkRate(rateBps: number, field: string): void {
    const { COMMISSION_MIN_BPS: min, COMMISSION_MAX_BPS: max } = this.limits;
    if (rateBps < min || rateBps > max) {
      const limit = rateBps < min ? 'COMMISSION_MIN_BPS' : 'COMMISSION_MAX_BPS';
      throw AppError.badRequest(
        `${field} must be between ${min} and ${max} basis points (${min / 100}-${max / 100} %); ${rateBps} is out of range`,
        { limit, min, max },
      );
    }
  }

  private async mustShop(c: Db, shopId: string): Promise<ShopWithStaff> {
    const shop = await this.shops.shop(c, shopId);
    if (!shop) throw AppError.notFound(`Shop ${shopId}`);
    return { ...shop, staff: await this.shops.staff(c, shopId) };
  }

  /** The shop, locked (serializes the per-shop counts of plans and offers). */
  private async lockShop(c: Db, shopId: string): Promise<ShopWithStaff> {
    const shop = await this.shops.lockShop(c, shopId);
    if (!shop) throw AppError.notFound(`Shop ${shopId}`);
    return shop;
  }

  /** The product's shop, locked, and whether the product is archived. */
  private async productShop(c: Db, productId: string): Promise<{ shop: ShopWithStaff; archived: boolean }> {
    const head = await this.shops.productHead(c, productId);
    if (!head) throw AppError.notFound(`Product ${productId}`);
    return { shop: await this.lockShop(c, head.shopId), archived: head.status === 'archived' };
  }
}

/** A cursor this server did not make: BAD_REQUEST. */
export async function cursorErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof CursorError) throw AppError.badRequest(err.message);
    const code = (err as { code?: string }).code;
    if (code === '22007' || code === '22008') throw AppError.badRequest('cursor is not one this server returned; start again without it');
    throw err;
  }
}

/**
 * PostgreSQL's refusals as typed errors: a row that changed meanwhile (a plan closed or a product deleted while an
 * application or offer was written: foreign key; a racing duplicate: unique) is a CONFLICT to retry; a check is a
 * BAD_REQUEST. Nothing was written either way (the transaction rolled back).
 */
async function pgErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (err instanceof AppError || typeof code !== 'string') throw err;
    if (code === '23503' || code === '23505') throw AppError.conflict('That changed while this request ran; read it again and retry');
    if (code === '23514')
      throw AppError.badRequest(
        `Refused by the selection rules (${(err as { constraint?: string }).constraint ?? 'check'}); nothing changed`,
      );
    throw err;
  }
}
