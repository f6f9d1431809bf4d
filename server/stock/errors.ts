import { AppError } from '../kernel/errors.ts';
import type { OrderRefusal } from '@hawker/protocol';
import { ErrorCode } from '@hawker/protocol';
import { AdjustCode, ReserveCode, ScheduleCode } from './codes.ts';

const REFUSAL_MESSAGES: Record<OrderRefusal, string> = {
  SOLD_OUT: 'Sold out',
  INSUFFICIENT_STOCK: 'Not enough stock left for this quantity',
  LIMIT_REACHED: 'You have reached the per-buyer limit',
  NOT_STARTED: 'Not on sale yet',
  ENDED: 'This sale has ended',
  IDEMPOTENCY_KEY_REUSED: 'This idempotency key was already used for a different order request',
  ARCHIVED: 'This product is no longer sold: its shop archived it',
};

/**
 * A refused order: a CONFLICT whose `details.reason` says why, plus facts the client can show (units still allowed,
 * units left, start time). A refused order changed nothing.
 */
export function orderRefusal(reason: OrderRefusal, extra: Record<string, unknown> = {}): AppError {
  // An answer, not a fault: no stack (thousands of SOLD_OUT answers per second in a flash sale).
  return AppError.answer(ErrorCode.CONFLICT, REFUSAL_MESSAGES[reason], { details: { reason, ...extra } });
}

/** What the error factory may name in its messages. */
export interface StockErrorContext {
  /** What the script was about, e.g. "SKU std of product p1". */
  subject?: string;
  /** The limit the script enforced (MAX_SKU_STOCK, sales per room). */
  limit?: number;
}

/**
 * The one error factory for the stock scripts' refusals: every negative (or otherwise refusing) code of
 * server/stock/codes.ts becomes a typed AppError here, and nowhere else.
 */
export function stockError(
  script: 'reserve' | 'adjust' | 'schedule',
  res: readonly (string | number | undefined)[],
  ctx: StockErrorContext = {},
): AppError {
  const [code, v] = res;
  const subject = ctx.subject ?? 'This item';
  if (script === 'reserve') {
    switch (code) {
      case ReserveCode.SOLD_OUT:
        return orderRefusal('SOLD_OUT', { left: 0 });
      case ReserveCode.LIMIT_REACHED:
        return orderRefusal('LIMIT_REACHED', { allowed: Number(v) });
      case ReserveCode.NOT_STARTED:
        return orderRefusal('NOT_STARTED', { startsAt: Number(v) });
      case ReserveCode.ENDED:
        return orderRefusal('ENDED');
      case ReserveCode.KEY_REUSED:
        return orderRefusal('IDEMPOTENCY_KEY_REUSED', { orderId: String(v) });
      case ReserveCode.NO_POOL:
        return AppError.notFound('Product or sale');
      case ReserveCode.INSUFFICIENT:
        return orderRefusal('INSUFFICIENT_STOCK', { left: Number(v) });
      case ReserveCode.ROOM_NOT_LIVE:
        return orderRefusal('NOT_STARTED', { startsAt: v ? Number(v) : null });
      case ReserveCode.BANNED:
        return AppError.forbidden('You are banned from this room and cannot order from it');
      case ReserveCode.RECOVERING:
        return AppError.unavailable(
          'Orders are paused for a moment while the shop re-syncs its stock; nothing was reserved; retry shortly',
        );
    }
  } else if (script === 'adjust') {
    switch (code) {
      case AdjustCode.NO_POOL:
        return AppError.notFound(subject);
      case AdjustCode.TOO_FEW_LEFT:
        return AppError.conflict(`Only ${v} unsold units are left to withdraw`);
      case AdjustCode.OVER_CAP: {
        const cap = ctx.limit ?? 0;
        return AppError.conflict(
          `A SKU holds at most ${cap} units in total; it has ${v}, so at most ${Math.max(0, cap - Number(v))} more fit`,
        );
      }
    }
  } else {
    switch (code) {
      case ScheduleCode.NO_POOL:
        return AppError.conflict('This product is no longer on sale');
      case ScheduleCode.OVERLAPS:
        return AppError.conflict(`The sale window overlaps sale ${v}; a room runs one flash sale at a time`);
      case ScheduleCode.TOO_FEW_LEFT:
        return AppError.conflict(`Only ${v} units of this SKU are unallocated; restock or lower the quantity`);
      case ScheduleCode.TOO_MANY_SALES:
        return AppError.conflict(`A room can have at most ${ctx.limit} scheduled sales`);
    }
  }
  // An unknown code is a script/caller mismatch: a bug, reported as such (test/stock/codes.test.ts guards it).
  return new AppError(ErrorCode.INTERNAL, `${script}.lua returned ${JSON.stringify(res)}`);
}
