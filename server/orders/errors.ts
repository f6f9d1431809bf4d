import { AppError } from '../errors.ts';
import { ErrorCode } from '../protocol/errors.ts';
import type { OrderRefusal } from '../protocol/commerce.ts';

const MESSAGES: Record<OrderRefusal, string> = {
  SOLD_OUT: 'Sold out',
  INSUFFICIENT_STOCK: 'Not enough stock left for this quantity',
  LIMIT_REACHED: 'You have reached the per-buyer limit',
  NOT_STARTED: 'Not on sale yet',
  ENDED: 'This sale has ended',
  IDEMPOTENCY_KEY_REUSED: 'This idempotency key was already used for a different order request',
};

/**
 * The one error factory for refused orders (the reserve script's negative codes, and room-state refusals): a CONFLICT
 * whose `details.reason` says why, plus facts the client can show (units still allowed, units left, start time).
 * A refused order changed nothing.
 */
export function orderRefusal(reason: OrderRefusal, extra: Record<string, unknown> = {}): AppError {
  // A refusal is an answer, not a fault: its stack is never logged, and capturing one for each of the thousands of
  // SOLD_OUT answers in a flash sale was a visible share of the node's CPU.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new AppError(ErrorCode.CONFLICT, MESSAGES[reason], { details: { reason, ...extra } });
  } finally {
    Error.stackTraceLimit = limit;
  }
}
