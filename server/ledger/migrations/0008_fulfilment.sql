-- Up Migration
-- Issue 16, item 3 (docs/commerce.md, "After payment: fulfilment"): what happens to a paid order after payment, kept
-- apart from its payment status. An order's fulfilment only moves forward: unfulfilled -> shipped (carrier and
-- tracking number) -> delivered -> completed (by the server, a configured time after delivery). Each step is also an
-- order_events row ('shipped', 'delivered', 'completed') with who took it, so the order's history shows payment and
-- fulfilment together, and migration 0006's trigger turns 'shipped' and 'delivered' into webhook outbox events.
ALTER TABLE orders
  ADD COLUMN fulfilment_status text NOT NULL DEFAULT 'unfulfilled'
    CHECK (fulfilment_status IN ('unfulfilled', 'shipped', 'delivered', 'completed')),
  ADD COLUMN carrier text CHECK (char_length(carrier) BETWEEN 1 AND 40),
  ADD COLUMN tracking_number text CHECK (tracking_number ~ '^[A-Za-z0-9][A-Za-z0-9-]{3,39}$'),
  ADD COLUMN shipped_at timestamptz,
  ADD COLUMN delivered_at timestamptz,
  ADD COLUMN completed_at timestamptz;
-- Every step has its time and the shipment its carrier and tracking number, from the step on; no step without the
-- earlier ones.
ALTER TABLE orders ADD CONSTRAINT orders_fulfilment_steps CHECK (
  (fulfilment_status <> 'unfulfilled') = (shipped_at IS NOT NULL)
  AND (shipped_at IS NULL) = (carrier IS NULL)
  AND (carrier IS NULL) = (tracking_number IS NULL)
  AND (fulfilment_status IN ('delivered', 'completed')) = (delivered_at IS NOT NULL)
  AND (fulfilment_status = 'completed') = (completed_at IS NOT NULL)
);
-- Only a paid order is fulfilled (paid_at stays set whatever happens to the order's money afterwards).
ALTER TABLE orders ADD CONSTRAINT orders_fulfilment_paid CHECK (fulfilment_status = 'unfulfilled' OR paid_at IS NOT NULL);
-- The auto-completion's work list: delivered orders by delivery time.
CREATE INDEX orders_delivered_due ON orders (delivered_at) WHERE fulfilment_status = 'delivered';

-- Down Migration
DROP INDEX orders_delivered_due;
ALTER TABLE orders DROP CONSTRAINT orders_fulfilment_paid, DROP CONSTRAINT orders_fulfilment_steps;
ALTER TABLE orders DROP COLUMN completed_at, DROP COLUMN delivered_at, DROP COLUMN shipped_at, DROP COLUMN tracking_number,
  DROP COLUMN carrier, DROP COLUMN fulfilment_status;
