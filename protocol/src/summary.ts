/**
 * A live's summary (issue 17): what the studio's end screen and the ended room show. GET /api/rooms/:roomId/summary,
 * for anyone signed in while the room is live or after it ended. The audience figures and the top products' units are
 * public (a live's page shows them); orders and GMV only to those who see the room's analytics (its creator, agency
 * staff, admins): null for everyone else.
 *
 * `peakViewers` is the most distinct viewers at once; `totalViewers` the distinct viewers over the whole live
 * (approximate above a few thousand: a HyperLogLog, about 1 % off). The creator is never a viewer.
 */
import { z } from 'zod';
import { Product } from './commerce.ts';
import { Id } from './common.ts';
import { RoomStatus } from './rooms.ts';

/** Products the summary ranks (by paid units, then paid amount). */
export const SUMMARY_TOP_PRODUCTS = 5;

export const RoomSummaryProduct = z.object({
  productId: Id,
  title: z.string(),
  /** Units of paid orders (refunds not subtracted). */
  paidUnits: z.number().int(),
  /** Paid amount less refunds, minor units of `currency`; null for those who do not see the room's money. */
  gmv: z.number().int().nullable(),
  currency: z.string(),
});
export type RoomSummaryProduct = z.infer<typeof RoomSummaryProduct>;

export const RoomSummary = z.object({
  roomId: Id,
  status: RoomStatus,
  peakViewers: z.number().int(),
  totalViewers: z.number().int(),
  likes: z.number().int(),
  /** Orders placed (each accepted order once), null unless the caller sees the room's analytics. */
  orders: z.number().int().nullable(),
  paidOrders: z.number().int().nullable(),
  /** Paid amount per currency, minor units; null unless the caller sees the room's analytics. */
  gmv: z.record(z.string(), z.number().int()).nullable(),
  topProducts: z.array(RoomSummaryProduct),
});
export type RoomSummary = z.infer<typeof RoomSummary>;

/**
 * `product:updated` push: a product on the room's list changed (its title, pictures or a SKU's price; a shop product
 * edited anywhere). The product as the room shows it now; stock moves come as `stock:update`.
 */
export const ProductUpdated = z.object({ roomId: Id, product: Product });
export type ProductUpdated = z.infer<typeof ProductUpdated>;
