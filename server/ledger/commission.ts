/**
 * A line's commission: its amount times the rate in basis points, rounded down to the minor unit. The ledger owns the
 * rule because its `order_lines_commission_exact` CHECK (migration 0003) says the same; selection re-exports it.
 */
export function commissionAmount(lineAmount: number, rateBps: number | null): number {
  return rateBps === null ? 0 : Math.floor((lineAmount * rateBps) / 10_000);
}
