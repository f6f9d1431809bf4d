/**
 * Redis keys owned by the analytics domain: one counter hash per room and per agency. Fields: impressions, clicks,
 * orders, units, paidOrders, paidUnits, gmv:<CURRENCY>, and per product (room hash only) imp:<productId>,
 * clk:<productId>. Order and payment counters are incremented inside the orders domain's Lua scripts, in the same atomic
 * step as the state change they count, so they are exact; impressions and clicks are batched per node (analytics tick).
 */
export const analyticsKeys = (p: string) => ({
  room: (roomId: string) => `${p}stats:room:${roomId}`,
  agency: (agencyId: string) => `${p}stats:agency:${agencyId}`,
});
export type AnalyticsKeys = ReturnType<typeof analyticsKeys>;
