import { createHash } from 'node:crypto';
import {
  type ApprovedRefundRequest,
  type ApproveRefundRequestBody,
  type CreateRefundBody,
  type CreateRefundRequestBody,
  ErrorCode,
  type MerchantAuditPage,
  type MerchantAuditQuery,
  type Order,
  type OrderRefunds,
  type OrderRefundUpdated,
  type ListShopRefundRequestsQuery,
  type Principal,
  type RefundRefusal,
  type RefundRequest,
  type RefundRequestList,
  type RefundRequestPage,
  type RefundResult,
  type RejectRefundRequestBody,
} from '@hawker/protocol';
import { type OrderSeller, policy } from '../edge/policy.ts';
import { AppError } from '../kernel/errors.ts';
import { newId } from '../kernel/ids.ts';
import type { Logger } from '../kernel/log.ts';
import { CursorError, type LedgerOrders, toWire } from '../ledger/index.ts';
import type { MirrorableOrder } from '../orders/store.ts';
import type { GatewayRefund } from '../payments/contract.ts';
import { GatewayRefusal, type PaymentGateway } from '../payments/gateway.ts';
import type { RoomService } from '../rooms/service.ts';
import { type AuditScope, type Db, type OrderFacts, type RefundRow, type RefundStore, refundView } from './store.ts';

/** The settings this service enforces (server/config.ts, "After payment"). */
export interface RefundLimits {
  REFUND_REQUEST_WINDOW_MS: number;
  REFUND_REQUESTS_OPEN_PER_BUYER: number;
  REFUND_REQUESTS_PER_ORDER: number;
  REFUNDS_PER_ORDER: number;
}

/** What the service needs of its neighbours (given by the assembly, server/domains.ts). */
export interface RefundDeps {
  ledger: LedgerOrders;
  /** Mirrors a status the ledger committed into Redis (returns stock, releases limits): the orders domain's store. */
  mirror: (order: MirrorableOrder) => Promise<unknown>;
  /** The payment gateway (null: none configured; refunds then stay requested until one is). */
  gateway: PaymentGateway | null;
  /** The stock module's restock of returned units (server/stock/shopStock.ts). */
  returnUnits:
    | ((
        productId: string,
        skuId: string,
        units: number,
        claim: (c: Db) => Promise<boolean>,
      ) => Promise<'returned' | 'already' | 'over_cap'>)
    | null;
  rooms: RoomService;
  /** Pushes `order:refund` to all of the buyer's sockets. */
  push: (buyerId: string, update: OrderRefundUpdated) => void;
  log: Logger;
}

/** A typed CONFLICT with its refusal reason in `details.reason`; nothing changed. */
const refused = (reason: RefundRefusal, message: string): AppError => new AppError(ErrorCode.CONFLICT, message, { details: { reason } });

/**
 * The gateway idempotency key of a merchant refund: the order and the client's key (gateways take 1-128 characters of
 * A-Z a-z 0-9 _ -; the rare pair longer than that is hashed, still one key per pair).
 */
function gatewayKey(orderId: string, clientKey: string): string {
  const plain = `rf_${orderId}_${clientKey}`;
  return plain.length <= 128 ? plain : `rf_${createHash('sha256').update(`${orderId}\n${clientKey}`).digest('base64url')}`;
}

/** The gateway's refund reason per kind: fixed, so a retry with the same key sends the same request. */
// `gateway` refunds are recorded settled (made at the gateway already) and never sent; listed for the type's sake.
const GATEWAY_REASON = { merchant: 'merchant_refund', buyer_request: 'buyer_request', gateway: 'gateway_refund' } as const;

/**
 * After payment (docs/commerce.md, "After payment: cancel and refunds"): staff cancel of unpaid orders, refunds of paid
 * ones (merchant refunds and approved buyer requests), buyers' refund requests and the merchant audit reader.
 *
 * A refund's row, with the gateway idempotency key derived from the client's key (or the request's id), is committed
 * before the gateway is called; inserting it holds its amount on the order, where PostgreSQL's CHECKs refuse anything
 * past what was paid (migration 0007). The gateway's answer settles it once (requested -> succeeded | failed); an
 * unknown outcome (timeout, 5xx) leaves it requested, and the retry pass (index.ts) asks again with the same key, so
 * the gateway refunds once whatever the number of tries. Every money action is in the merchant audit trail.
 */
export class RefundService {
  constructor(
    private readonly store: RefundStore,
    private readonly deps: RefundDeps,
    private readonly limits: RefundLimits,
  ) {}

  // -----------------------------------------------------------------------------------------------------------------
  // Who

  /** The order, or NOT_FOUND. */
  private async order(orderId: string): Promise<OrderFacts> {
    const o = await this.store.order(this.store.db, orderId);
    if (!o) throw AppError.notFound(`Order ${orderId}`);
    return o;
  }

  /** Who sold the order (its shop, or its room for a room's own product), for the policy. */
  private async seller(o: Pick<OrderFacts, 'shopId' | 'roomId' | 'id'>): Promise<OrderSeller> {
    if (o.shopId) {
      const shop = await this.store.shop(o.shopId);
      if (shop) return { shop };
    }
    const room = o.roomId ? await this.deps.rooms.store.get(o.roomId) : null;
    if (!room) throw AppError.notFound(`Order ${o.id}`);
    return { room };
  }

  private scope(o: Pick<OrderFacts, 'shopId' | 'roomId'>): AuditScope {
    return o.shopId ? { kind: 'shop', id: o.shopId } : { kind: 'room', id: o.roomId ?? '' };
  }

  // -----------------------------------------------------------------------------------------------------------------
  // Staff cancel

  /**
   * Shop staff or the room's managers cancel an unpaid (reserved) order: the ledger transition, then the Redis mirror
   * returns its stock and releases the buyer's limit at once (the path of a buyer's cancel). An order whose payment
   * is in flight is refused (PAYMENT_IN_FLIGHT): once it is paid it can be refunded.
   */
  async staffCancel(p: Principal, orderId: string, reason: string): Promise<Order> {
    const o = await this.order(orderId);
    policy.require(
      policy.canCancelOrder(p, await this.seller(o)),
      "Only the shop's owner, its staff, the room's managers and admins cancel its orders",
    );
    const res = await this.deps.ledger.transition(orderId, ['reserved'], 'cancelled', {
      reason: `cancelled by staff: ${reason}`,
      actor: p.userId,
    });
    if (!res) throw AppError.notFound(`Order ${orderId}`);
    if (!res.changed) {
      if (res.order.status === 'pending_payment')
        throw refused(
          'PAYMENT_IN_FLIGHT',
          'The payment of this order is in flight, so it cannot be cancelled; once it is paid, a refund can be requested',
        );
      throw refused('NOT_CANCELLABLE', `This order is ${res.order.status}; only an unpaid (reserved) order can be cancelled`);
    }
    await this.deps.mirror(res.order);
    await this.store.audit(this.store.db, this.scope(o), p.userId, 'order.cancelled_by_staff', orderId, {
      orderId,
      reason,
      amount: o.amount,
      quantity: o.quantity,
    });
    return toWire(res.order);
  }

  // -----------------------------------------------------------------------------------------------------------------
  // Merchant refunds

  /** Refunds a paid order (full, by quantity or by amount), once per client idempotency key. */
  async refund(p: Principal, orderId: string, body: CreateRefundBody): Promise<RefundResult> {
    const o = await this.order(orderId);
    policy.require(
      policy.canRefundOrder(p, await this.seller(o)),
      "Only the shop's owner, the room's managers and admins refund its orders",
    );
    const key = gatewayKey(orderId, body.idempotencyKey);
    const fingerprint = JSON.stringify([body.full ?? null, body.quantity ?? null, body.amount ?? null, body.restock ?? false]);
    const seen = await this.store.refundByKey(this.store.db, key);
    if (seen) return { refund: refundView(this.replay(seen, fingerprint)), replayed: true };
    if (body.restock && !o.shopId) throw AppError.badRequest('Invalid body.restock: only shop products have a stock to return units to');
    const row = await this.hold(p, o, {
      key,
      fingerprint,
      kind: 'merchant',
      reason: body.reason,
      restock: body.restock ?? false,
      size: body.full ? { full: true } : body.quantity !== undefined ? { quantity: body.quantity } : { amount: body.amount! },
    });
    if ('replayed' in row) return { refund: refundView(this.replay(row.replayed, fingerprint)), replayed: true };
    return { refund: refundView(await this.execute(row.created)), replayed: false };
  }

  private replay(seen: RefundRow, fingerprint: string): RefundRow {
    if (seen.fingerprint !== fingerprint)
      throw refused('IDEMPOTENCY_KEY_REUSED', 'This idempotency key was used for another refund of this order; use a new key');
    return seen;
  }

  /**
   * Writes a requested refund of `o` (the ledger holds its amount: more than was paid is refused there, whatever runs
   * concurrently), with its audit entry, in one transaction. `onto` runs in the same transaction after the insert
   * (an approved request's decision).
   */
  private async hold(
    p: Principal,
    o: OrderFacts,
    r: {
      key: string;
      fingerprint: string;
      kind: 'merchant' | 'buyer_request';
      reason: string;
      restock: boolean;
      size: { full: true } | { quantity: number } | { amount: number };
    },
    onto?: (c: Db, refund: RefundRow) => Promise<void>,
  ): Promise<{ created: RefundRow } | { replayed: RefundRow }> {
    if (o.status === 'pending_payment')
      throw refused('PAYMENT_IN_FLIGHT', 'The payment of this order is in flight; a refund can be requested once it is paid');
    if (o.status !== 'paid' || !o.chargeId) throw refused('NOT_PAID', `This order is ${o.status}; only a paid order can be refunded`);
    try {
      return await this.store.tx(async (c) => {
        const cur = await this.store.order(c, o.id, true); // serialises refunds of this order (and the count below)
        if (cur?.status !== 'paid' || !cur.chargeId) throw refused('NOT_PAID', 'This order is not paid any more');
        const again = await this.store.refundByKey(c, r.key);
        if (again) return { replayed: again };
        if ((await this.store.countRefunds(c, o.id)) >= this.limits.REFUNDS_PER_ORDER)
          throw AppError.quotaExceeded(
            'REFUNDS_PER_ORDER',
            this.limits.REFUNDS_PER_ORDER,
            `An order has at most ${this.limits.REFUNDS_PER_ORDER} refunds`,
          );
        let amount: number;
        let quantity: number;
        if ('full' in r.size) {
          amount = cur.amount - cur.refundedAmount - cur.heldAmount;
          quantity = Math.max(0, cur.quantity - cur.refundedQuantity - cur.heldQuantity);
          if (amount <= 0) throw refused('EXCEEDS_PAID', 'Nothing is left to refund on this order (counting refunds in flight)');
        } else if ('quantity' in r.size) {
          quantity = r.size.quantity;
          amount = quantity * cur.unitPrice;
          if (amount <= 0) throw AppError.badRequest('Invalid body.quantity: these units cost nothing, so there is nothing to refund');
        } else {
          amount = r.size.amount;
          quantity = 0;
        }
        const created = await this.store.insertRefund(c, {
          id: `rf_${newId()}`,
          idempotencyKey: r.key,
          chargeId: cur.chargeId,
          orderId: o.id,
          kind: r.kind,
          amount,
          quantity,
          currency: cur.currency,
          reason: r.reason,
          restock: r.restock && quantity > 0,
          fingerprint: r.fingerprint,
          actor: p.userId,
        });
        if (!created) throw new Error(`refund key ${r.key} conflicted under the order lock`); // the lock makes this impossible
        await onto?.(c, created);
        await this.store.audit(c, this.scope(o), p.userId, 'refund.requested', o.id, {
          orderId: o.id,
          refundId: created.id,
          kind: r.kind,
          amount,
          quantity,
          restock: created.restock,
          reason: r.reason,
        });
        return { created };
      });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === '23514')
        throw refused(
          'EXCEEDS_PAID',
          'This refund would take back more than was paid (or more units than were bought), counting refunds in flight',
        );
      if (code === 'P0001' && /order not refundable/.test((err as Error).message))
        throw refused('NOT_PAID', 'This order is not paid any more');
      throw err;
    }
  }

  /**
   * Asks the gateway for a requested refund (same key every time) and settles it on a final answer. An unknown
   * outcome leaves it requested for the retry pass. Safe to run concurrently for the same refund (the gateway answers
   * the same key with the same refund; settling is conditional).
   */
  async execute(row: RefundRow): Promise<RefundRow> {
    const { gateway, log } = this.deps;
    let current = row;
    if (current.status === 'requested') {
      if (!gateway) return current;
      await this.store.markAttempt(row.id);
      let outcome: { status: 'succeeded' | 'failed'; gatewayId: string | null; failure: string | null } | null = null;
      try {
        const r = await gateway.refund({
          idempotencyKey: row.idempotencyKey,
          chargeId: row.chargeId,
          amount: row.amount,
          reason: GATEWAY_REASON[row.kind],
        });
        outcome =
          r.status === 'succeeded'
            ? { status: 'succeeded', gatewayId: r.id, failure: null }
            : { status: 'failed', gatewayId: r.id, failure: r.failureReason };
      } catch (err) {
        if (err instanceof GatewayRefusal) outcome = { status: 'failed', gatewayId: null, failure: `${err.code}: ${err.message}` };
        else
          log.warn(
            { err: (err as Error).message, refundId: row.id },
            'refund outcome unknown; the retry pass asks again with the same key',
          );
      }
      if (!outcome) return (await this.store.refund(this.store.db, row.id)) ?? current;
      current = await this.settleOutcome(row, outcome);
    }
    if (current.status === 'succeeded' && current.restock && current.restockedAt === null) await this.restock(current);
    return (await this.store.refund(this.store.db, row.id)) ?? current;
  }

  /**
   * Settles a requested refund on the gateway's final answer (conditional on the row still being requested, so the
   * request, the retry pass and a webhook settling the same refund at once settle it once): audited and pushed to the
   * buyer by whoever settled it. Returns the row as it is now.
   */
  private async settleOutcome(
    row: RefundRow,
    outcome: { status: 'succeeded' | 'failed'; gatewayId: string | null; failure: string | null },
  ): Promise<RefundRow> {
    const settled = await this.store.settle(row.id, outcome.status, outcome.gatewayId, outcome.failure);
    if (!settled) return (await this.store.refund(this.store.db, row.id)) ?? row;
    const o = await this.store.order(this.store.db, row.orderId);
    if (o) {
      await this.store.audit(this.store.db, this.scope(o), 'system:refunds', `refund.${settled.status}`, o.id, {
        orderId: o.id,
        refundId: settled.id,
        amount: settled.amount,
        quantity: settled.quantity,
        requestedBy: settled.actor,
        ...(settled.failureReason ? { failureReason: settled.failureReason } : {}),
      });
      this.deps.push(o.buyerId, {
        orderId: o.id,
        refundId: settled.id,
        status: settled.status,
        amount: settled.amount,
        quantity: settled.quantity,
        refundedAmount: o.refundedAmount,
        updatedAt: settled.updatedAt,
      });
    }
    return settled;
  }

  /**
   * A `refund.succeeded` webhook: settles the refund this ledger asked for under that idempotency key if it is still
   * waiting on an answer (the gateway's reply to the request was lost), then restocks as the request would. Refunds
   * reconciliation made (`reconcile_…` keys) are its own; a refund the ledger never asked for, or one whose charge or
   * amount differ from the request, changes nothing and is logged for reconciliation. Returns whether anything changed.
   */
  async applyGatewayRefund(refund: GatewayRefund, eventId: string): Promise<boolean> {
    if (refund.idempotencyKey.startsWith('reconcile_')) return false;
    const row = await this.store.refundByKey(this.store.db, refund.idempotencyKey);
    // No request of this ledger used that key: a refund made at the payment provider (its console), not through Hawker.
    if (!row) return this.recordGatewayRefund(refund, eventId);
    if (row.chargeId !== refund.chargeId || row.amount !== refund.amount) {
      this.deps.log.error(
        { eventId, gatewayRefundId: refund.id, chargeId: refund.chargeId, amount: refund.amount, known: Boolean(row) },
        'refund webhook for a refund this ledger did not ask for, or with another charge or amount; left to reconciliation',
      );
      return false;
    }
    if (row.status !== 'requested') return false;
    const settled = await this.settleOutcome(row, {
      status: refund.status,
      gatewayId: refund.id,
      failure: refund.status === 'failed' ? refund.failureReason : null,
    });
    if (settled.status === 'succeeded' && settled.restock && settled.restockedAt === null) await this.restock(settled);
    return settled.status !== 'requested';
  }

  /**
   * A refund made at the payment provider, outside Hawker (a merchant refunding in the gateway's console): recorded as a
   * succeeded refund of the order its charge paid, kind `gateway`, money only (no units are restocked: nothing says the
   * goods came back), once per gateway refund (key `gateway:<refund id>`; a client's keys cannot contain ':').
   *
   * Only what the gateway itself confirms is recorded: its own record of the refund (asked for by id) must say
   * succeeded, with the webhook's charge, amount, currency and key. The ledger's rules hold as for every refund: the
   * insert holds the amount on the order (never more than was paid, counting refunds in flight) and the settle moves it
   * to the refunded totals and reverses commission (migrations 0004, 0007). A refund that does not fit (more than is
   * left, an order not paid by that charge) changes nothing and is logged; reconciliation flags the charge
   * (`refund_mismatch`). Audited, and pushed to the buyer as every refund is. Returns whether it was recorded now.
   */
  private async recordGatewayRefund(refund: GatewayRefund, eventId: string): Promise<boolean> {
    const { log, gateway } = this.deps;
    const about = { eventId, gatewayRefundId: refund.id, chargeId: refund.chargeId, amount: refund.amount };
    if (refund.status !== 'succeeded') return false;
    const orderId = await this.store.orderOfCharge(refund.chargeId);
    if (!orderId) {
      log.error(about, 'refund webhook for a charge that paid no order here; left to reconciliation');
      return false;
    }
    const key = `gateway:${refund.id}`;
    if (await this.store.refundByKey(this.store.db, key)) return false; // recorded already (a replayed webhook)
    if (!gateway) {
      log.error(about, 'a refund made at the payment provider cannot be confirmed without PAYMENT_GATEWAY_URL; not recorded');
      return false;
    }
    const confirmed = await gateway.getRefund(refund.id);
    if (
      confirmed?.status !== 'succeeded' ||
      confirmed.chargeId !== refund.chargeId ||
      confirmed.amount !== refund.amount ||
      confirmed.currency !== refund.currency ||
      confirmed.idempotencyKey !== refund.idempotencyKey
    ) {
      log.error({ ...about, confirmed: confirmed !== null }, "refund webhook the gateway's own record does not confirm; not recorded");
      return false;
    }
    let recorded: { refund: RefundRow; order: OrderFacts } | 'replayed' | null;
    try {
      recorded = await this.store.tx(async (c) => {
        const o = await this.store.order(c, orderId, true); // serialises with the order's other refunds
        if (o?.status !== 'paid' || o.chargeId !== refund.chargeId || o.currency !== refund.currency) return null;
        if (await this.store.refundByKey(c, key)) return 'replayed'; // a concurrent delivery of the same webhook won
        const created = await this.store.insertRefund(c, {
          id: `rf_${newId()}`,
          idempotencyKey: key,
          chargeId: refund.chargeId,
          orderId,
          kind: 'gateway',
          amount: refund.amount,
          quantity: 0,
          currency: refund.currency,
          reason: 'Refunded at the payment provider',
          restock: false,
          fingerprint: `${refund.amount}|0|false`,
          actor: 'gateway',
        });
        if (!created) return 'replayed';
        const settled = await this.store.settle(created.id, 'succeeded', refund.id, null, c);
        if (!settled) throw new Error(`refund ${created.id} was settled by someone else inside its own transaction`);
        await this.store.audit(c, this.scope(o), 'system:gateway', 'refund.succeeded', orderId, {
          orderId,
          refundId: settled.id,
          amount: settled.amount,
          quantity: 0,
          gatewayRefundId: refund.id,
          requestedBy: 'gateway',
        });
        return { refund: settled, order: o };
      });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === '23514' || (code === 'P0001' && /order not refundable/.test((err as Error).message))) {
        log.error(
          about,
          'a refund made at the payment provider exceeds what is left of its order here; not recorded, left to reconciliation',
        );
        return false;
      }
      throw err;
    }
    if (recorded === 'replayed') return false;
    if (!recorded) {
      log.error(about, 'a refund made at the payment provider names an order not paid by that charge here; not recorded');
      return false;
    }
    const after = await this.store.order(this.store.db, orderId);
    this.deps.push(recorded.order.buyerId, {
      orderId,
      refundId: recorded.refund.id,
      status: 'succeeded',
      amount: recorded.refund.amount,
      quantity: 0,
      refundedAmount: after?.refundedAmount ?? recorded.order.refundedAmount + recorded.refund.amount,
      updatedAt: recorded.refund.updatedAt,
    });
    log.warn({ ...about, orderId, refundId: recorded.refund.id }, 'recorded a refund made at the payment provider');
    return true;
  }

  /** Returns a succeeded refund's units to the shop SKU's stock, once (the stock module's restock, claimed on the row). */
  private async restock(r: RefundRow): Promise<void> {
    if (!this.deps.returnUnits) return;
    const o = await this.store.order(this.store.db, r.orderId);
    if (!o?.shopId) return;
    const res = await this.deps.returnUnits(o.productId, o.skuId, r.quantity, (c) => this.store.claimRestock(c, r.id));
    if (res === 'over_cap') {
      // The SKU cannot hold more units: the restock is dropped (recorded), not retried forever by the retry pass. The
      // request and the retry pass can both get here for one refund: only the one that drops it records it.
      if (!(await this.store.dropRestock(r.id))) return;
      await this.store.audit(this.store.db, this.scope(o), 'system:refunds', 'refund.restock_dropped', o.id, {
        orderId: o.id,
        refundId: r.id,
        quantity: r.quantity,
        why: 'the SKU is at its stock cap (MAX_SKU_STOCK)',
      });
      this.deps.log.error({ refundId: r.id, orderId: o.id }, 'refunded units could not be restocked: the SKU is at its stock cap');
    }
  }

  /** The retry pass: requested refunds whose outcome is unknown, and restocks a crash left undone. */
  async retryDue(olderThanMs: number): Promise<number> {
    const due = await this.store.due(olderThanMs, 50);
    for (const r of due) await this.execute(r);
    return due.length;
  }

  /** An order's refunds and totals: its buyer, and those who may cancel its orders (staff read). */
  async listRefunds(p: Principal, orderId: string): Promise<OrderRefunds> {
    await this.readable(p, orderId);
    // The totals and the refunds from one snapshot: read one after the other, a refund settling in between showed as
    // `succeeded` beside totals still held.
    const { o, refunds } = await this.store.tx(async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const o = await this.store.order(c, orderId);
      if (!o) throw AppError.notFound(`Order ${orderId}`);
      return { o, refunds: await this.store.refundsOf(orderId, c) };
    });
    return {
      orderId,
      amount: o.amount,
      quantity: o.quantity,
      currency: o.currency,
      refundedAmount: o.refundedAmount,
      refundedQuantity: o.refundedQuantity,
      pendingAmount: o.heldAmount,
      refunds: refunds.map(refundView),
    };
  }

  /** The order if `p` is its buyer or may cancel it (NOT_FOUND otherwise: no existence leak to other buyers). */
  private async readable(p: Principal, orderId: string): Promise<OrderFacts> {
    const o = await this.order(orderId);
    if (o.buyerId === p.userId) return o;
    if (policy.canCancelOrder(p, await this.seller(o))) return o;
    throw AppError.notFound(`Order ${orderId}`);
  }

  // -----------------------------------------------------------------------------------------------------------------
  // Buyer refund requests

  /** The buyer asks for (part of) a paid order back, within REFUND_REQUEST_WINDOW_MS of payment. */
  async requestRefund(p: Principal, orderId: string, body: CreateRefundRequestBody): Promise<RefundRequest> {
    const o = await this.order(orderId);
    if (o.buyerId !== p.userId) throw AppError.notFound(`Order ${orderId}`);
    if (o.status === 'pending_payment')
      throw refused('PAYMENT_IN_FLIGHT', 'The payment of this order is in flight; a refund can be requested once it is paid');
    if (o.status !== 'paid' || o.paidAt === null) throw refused('NOT_PAID', `This order is ${o.status}; only a paid order can be refunded`);
    const window = this.limits.REFUND_REQUEST_WINDOW_MS;
    if (Date.now() > o.paidAt + window)
      throw refused(
        'WINDOW_CLOSED',
        `Refunds can be requested for ${Math.round(window / 3_600_000)} hours after payment; that time has passed`,
      );
    return this.store.tx(async (c) => {
      const cur = await this.store.order(c, orderId, true);
      await this.store.lockBuyer(c, p.userId);
      if (!cur) throw AppError.notFound(`Order ${orderId}`);
      const leftUnits = cur.quantity - cur.refundedQuantity - cur.heldQuantity;
      if (cur.refundedAmount + cur.heldAmount >= cur.amount || (body.quantity !== undefined && body.quantity > leftUnits))
        throw refused('EXCEEDS_PAID', 'More than is left to refund on this order was asked for');
      const n = await this.store.requestCounts(c, orderId, p.userId);
      if (n.orderOpen > 0) throw refused('REQUEST_OPEN', 'This order has an open refund request; wait for the shop to answer it');
      if (n.orderAll >= this.limits.REFUND_REQUESTS_PER_ORDER)
        throw AppError.quotaExceeded(
          'REFUND_REQUESTS_PER_ORDER',
          this.limits.REFUND_REQUESTS_PER_ORDER,
          `An order takes at most ${this.limits.REFUND_REQUESTS_PER_ORDER} refund requests; contact the shop`,
        );
      if (n.buyerOpen >= this.limits.REFUND_REQUESTS_OPEN_PER_BUYER)
        throw AppError.quotaExceeded(
          'REFUND_REQUESTS_OPEN_PER_BUYER',
          this.limits.REFUND_REQUESTS_OPEN_PER_BUYER,
          `You have ${n.buyerOpen} refund requests waiting for an answer; wait for one to be decided`,
        );
      const req = await this.store.insertRequest(c, {
        id: `rq_${newId()}`,
        orderId,
        buyerId: p.userId,
        shopId: o.shopId,
        reason: body.reason,
        quantity: body.quantity ?? 0,
      });
      await this.store.audit(c, this.scope(o), p.userId, 'refund_request.created', orderId, {
        orderId,
        requestId: req.id,
        quantity: req.quantity,
        reason: body.reason,
      });
      return req;
    });
  }

  /** An open request and its order, after checking `p` may refund it. */
  private async decidable(p: Principal, requestId: string): Promise<{ req: RefundRequest; o: OrderFacts }> {
    const req = await this.store.request(this.store.db, requestId);
    if (!req) throw AppError.notFound(`Refund request ${requestId}`);
    const o = await this.order(req.orderId);
    policy.require(
      policy.canRefundOrder(p, await this.seller(o)),
      "Only the shop's owner, the room's managers and admins decide refund requests",
    );
    if (req.status !== 'open') throw refused('ALREADY_DECIDED', `This refund request was ${req.status} already`);
    return { req, o };
  }

  /** Approves a buyer's request: the refund is made (its key is the request's id, so approving never refunds twice). */
  async approve(p: Principal, requestId: string, body: ApproveRefundRequestBody): Promise<ApprovedRefundRequest> {
    const { req, o } = await this.decidable(p, requestId);
    if (body.restock && !o.shopId) throw AppError.badRequest('Invalid body.restock: only shop products have a stock to return units to');
    let decided: RefundRequest | null = null;
    const held = await this.hold(
      p,
      o,
      {
        key: `rq_${requestId}`,
        fingerprint: JSON.stringify(['request', req.quantity]),
        kind: 'buyer_request',
        reason: req.reason,
        restock: body.restock ?? false,
        size: req.quantity > 0 ? { quantity: req.quantity } : { full: true },
      },
      async (c, refund) => {
        decided = await this.store.decide(c, requestId, { status: 'approved', by: p.userId, reason: null, refundId: refund.id });
        if (!decided) throw refused('ALREADY_DECIDED', 'This refund request was decided already');
        await this.store.audit(c, this.scope(o), p.userId, 'refund_request.approved', o.id, {
          orderId: o.id,
          requestId,
          refundId: refund.id,
        });
      },
    );
    if ('replayed' in held) throw refused('ALREADY_DECIDED', 'This refund request was decided already');
    const refund = await this.execute(held.created);
    return { request: decided!, refund: refundView(refund) };
  }

  async reject(p: Principal, requestId: string, body: RejectRefundRequestBody): Promise<RefundRequest> {
    const { o } = await this.decidable(p, requestId);
    return this.store.tx(async (c) => {
      const decided = await this.store.decide(c, requestId, { status: 'rejected', by: p.userId, reason: body.reason, refundId: null });
      if (!decided) throw refused('ALREADY_DECIDED', 'This refund request was decided already');
      await this.store.audit(c, this.scope(o), p.userId, 'refund_request.rejected', o.id, {
        orderId: o.id,
        requestId,
        reason: body.reason,
      });
      return decided;
    });
  }

  async listRequests(p: Principal, orderId: string): Promise<RefundRequestList> {
    await this.readable(p, orderId);
    return { requests: await this.store.requestsOf(orderId) };
  }

  /** A shop's refund requests, newest first (its owner, its staff, admins): where staff find the open ones. */
  async listShopRequests(p: Principal, shopId: string, q: ListShopRefundRequestsQuery): Promise<RefundRequestPage> {
    const shop = await this.store.shop(shopId);
    if (!shop) throw AppError.notFound(`Shop ${shopId}`);
    policy.require(policy.canCancelOrder(p, { shop }), "Only the shop's owner, its staff and admins read its refund requests");
    try {
      return await this.store.requestsOfShop(shopId, q);
    } catch (err) {
      if (err instanceof CursorError) throw AppError.badRequest(err.message);
      throw err;
    }
  }

  // -----------------------------------------------------------------------------------------------------------------
  // Audit reader

  async audit(p: Principal, q: MerchantAuditQuery): Promise<MerchantAuditPage> {
    let seller: OrderSeller;
    let scope: AuditScope;
    if (q.shopId !== undefined) {
      const shop = await this.store.shop(q.shopId);
      if (!shop) throw AppError.notFound(`Shop ${q.shopId}`);
      seller = { shop };
      scope = { kind: 'shop', id: q.shopId };
    } else {
      seller = { room: await this.deps.rooms.store.mustGet(q.roomId!) };
      scope = { kind: 'room', id: q.roomId! };
    }
    policy.require(policy.canReadMerchantAudit(p, seller), "Only the shop's owner, the room's managers and admins read its audit trail");
    return this.store.auditPage(scope, q);
  }
}
