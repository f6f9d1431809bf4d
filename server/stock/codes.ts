/**
 * The return codes of the stock scripts (server/stock/lua/*.lua). Each script's header repeats its codes on a
 * `-- CODES:` line; test/stock/codes.test.ts fails when the two disagree, so a script and its caller can never drift.
 * A script answers `{code, ...values}`; stock/errors.ts turns every refusal into one typed error.
 */
export const ReserveCode = {
  RESERVED: 1,
  REPLAYED: 2,
  SOLD_OUT: -1,
  LIMIT_REACHED: -2,
  NOT_STARTED: -3,
  ENDED: -4,
  KEY_REUSED: -5,
  NO_POOL: -6,
  INSUFFICIENT: -7,
  ROOM_NOT_LIVE: -8,
  RECOVERING: -9,
  BANNED: -10,
} as const;

export const TransitionCode = { CHANGED: 1, UNCHANGED: 0, NO_ORDER: -1, RECOVERING: -2 } as const;
export const RebuildCode = { REBUILT: 1, NO_POOL: -1 } as const;
export const AdjustCode = { ADJUSTED: 1, NO_POOL: -1, TOO_FEW_LEFT: -2, OVER_CAP: -3 } as const;
export const ScheduleCode = { SCHEDULED: 1, NO_POOL: -1, OVERLAPS: -2, TOO_FEW_LEFT: -3, TOO_MANY_SALES: -4 } as const;
export const EndCode = { ENDED: 1, NOT_DUE: 0, NO_SALE: -1 } as const;
export const SeedCode = { SEEDED: 1, UPDATED: 2, EXISTED: 0 } as const;
/** unlock.lua: the benchmark-only `lock` stock step's release (server/stock/benchReserve.ts). */
export const UnlockCode = { RELEASED: 1, NOT_HELD: 0 } as const;

/** Every script's codes by file name, for the header check. */
export const SCRIPT_CODES = {
  reserve: ReserveCode,
  transition: TransitionCode,
  rebuild: RebuildCode,
  adjust: AdjustCode,
  schedule: ScheduleCode,
  end: EndCode,
  seed: SeedCode,
  unlock: UnlockCode,
} as const;

export type StockScript = keyof typeof SCRIPT_CODES;

/**
 * The order fields reserve.lua copies onto a new order, in the order their values are passed (ReserveArgs.fields).
 * reserve.lua lists the same names (test/unit/stock/codes.test.ts checks that they agree): only the values travel, so a
 * reservation sends ten arguments fewer.
 */
export const RESERVE_ORDER_FIELDS = [
  'roomId',
  'agencyId',
  'poolKind',
  'productId',
  'skuId',
  'saleId',
  'idempotencyKey',
  'channel',
  'shopId',
  'creatorId',
] as const;
