/**
 * Redis keys owned by the analytics domain: one engagement counter hash per room and per agency. Fields: impressions,
 * clicks, and per product (room hash only) imp:<productId>, clk:<productId>, batched per node (analytics tick). Order,
 * paid and GMV figures are not kept here: they are read from the PostgreSQL ledger, the one source of truth for money.
 */
export const analyticsKeys = (p: string) => ({
  room: (roomId: string) => `${p}stats:room:${roomId}`,
  agency: (agencyId: string) => `${p}stats:agency:${agencyId}`,
});
export type AnalyticsKeys = ReturnType<typeof analyticsKeys>;
