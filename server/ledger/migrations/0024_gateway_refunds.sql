-- Up Migration
-- Refunds made at the payment provider, outside Hawker (a merchant refunding in the gateway's own console): the
-- gateway's signed `refund.succeeded` webhook for a refund no Hawker request asked for is recorded as a refund of the
-- order it paid, kind 'gateway' (after the gateway confirms it), through the same hold and settle triggers as every
-- order refund, so "never refund more than was paid" and the commission reversal hold for it as for the others.
-- Reconciliation flags a charge the gateway says was refunded more than the ledger knows ('refund_mismatch').
ALTER TABLE refunds DROP CONSTRAINT refunds_kind_check;
ALTER TABLE refunds ADD CONSTRAINT refunds_kind_check CHECK (kind IN ('reconciliation', 'merchant', 'buyer_request', 'gateway'));
ALTER TABLE reconciliation_findings DROP CONSTRAINT reconciliation_findings_kind_check;
ALTER TABLE reconciliation_findings ADD CONSTRAINT reconciliation_findings_kind_check
  CHECK (kind IN ('orphan_charge', 'duplicate_charge', 'paid_without_charge', 'payment_applied', 'amount_mismatch', 'refund_mismatch'));

-- Down Migration
ALTER TABLE reconciliation_findings DROP CONSTRAINT reconciliation_findings_kind_check;
ALTER TABLE reconciliation_findings ADD CONSTRAINT reconciliation_findings_kind_check
  CHECK (kind IN ('orphan_charge', 'duplicate_charge', 'paid_without_charge', 'payment_applied', 'amount_mismatch'));
ALTER TABLE refunds DROP CONSTRAINT refunds_kind_check;
ALTER TABLE refunds ADD CONSTRAINT refunds_kind_check CHECK (kind IN ('reconciliation', 'merchant', 'buyer_request'));
