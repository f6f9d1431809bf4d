-- Up Migration
-- Issue 16, items 1, 2 and 7 (docs/commerce.md, "After payment: cancel and refunds"): merchant refunds of paid orders
-- (full, or part by quantity or by amount), buyers' refund requests, and the totals kept on the order. Refund rows were
-- written only by reconciliation (orphan and duplicate charges); an order's own refunds now go through the same table.
--
-- The rule "never refund more than was paid" is stated here, once, as CHECK constraints on the order row: a refund of
-- the order's payment holds its amount (and units) on the order from the moment its row is inserted (before the gateway
-- is called) until it succeeds (then it moves to refunded_*) or fails (then it is released). Two concurrent refunds
-- update the same order row, so PostgreSQL serialises them and the one that would exceed the charge violates the CHECK.

ALTER TABLE refunds ADD COLUMN kind text NOT NULL DEFAULT 'reconciliation'
  CHECK (kind IN ('reconciliation', 'merchant', 'buyer_request'));
-- Units refunded (null or 0: a refund by amount), and whether they go back to the shop SKU's stock once it succeeds.
ALTER TABLE refunds ADD COLUMN quantity integer NOT NULL DEFAULT 0 CHECK (quantity >= 0 AND quantity <= 999);
ALTER TABLE refunds ADD COLUMN restock boolean NOT NULL DEFAULT false;
-- Set once, in the transaction that adds the units to shop_skus.stock_adjusted (server/stock/shopStock.ts).
ALTER TABLE refunds ADD COLUMN restocked_at timestamptz;
-- What the client asked ("amount|quantity|restock"): the same idempotency key with another request is refused.
ALTER TABLE refunds ADD COLUMN fingerprint text;
-- Gateway calls made for this refund (the first and the retries of an unknown outcome), and when the last one started.
ALTER TABLE refunds ADD COLUMN attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0);
ALTER TABLE refunds ADD COLUMN attempted_at timestamptz;
ALTER TABLE refunds ADD CONSTRAINT refunds_order_kind CHECK (kind = 'reconciliation' OR order_id IS NOT NULL);
ALTER TABLE refunds ADD CONSTRAINT refunds_restock_units CHECK (NOT restock OR quantity > 0);
CREATE INDEX refunds_order ON refunds (order_id, created_at, id) WHERE order_id IS NOT NULL;
-- The retry pass: refunds whose gateway outcome is not known yet.
CREATE INDEX refunds_open ON refunds (attempted_at) WHERE status = 'requested' AND kind <> 'reconciliation';

ALTER TABLE orders ADD COLUMN refunded_quantity integer NOT NULL DEFAULT 0;
-- Requested refunds not settled yet (amount and units), held against what is left to refund.
ALTER TABLE orders ADD COLUMN refund_held bigint NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN refund_held_quantity integer NOT NULL DEFAULT 0;
ALTER TABLE orders ADD CONSTRAINT orders_refund_within_paid
  CHECK (refund_held >= 0 AND refunded_amount + refund_held <= amount);
ALTER TABLE orders ADD CONSTRAINT orders_refund_units_within_bought
  CHECK (refunded_quantity >= 0 AND refund_held_quantity >= 0 AND refunded_quantity + refund_held_quantity <= quantity);

-- An order refund (merchant or approved buyer request) holds its amount on its order, which must be paid by this very
-- charge. Raises 23514 (check_violation, via the constraints above) when it would exceed what was paid, and P0001 with
-- 'order not refundable' when the order is not paid by the charge.
CREATE FUNCTION refund_hold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE orders SET refund_held = refund_held + NEW.amount, refund_held_quantity = refund_held_quantity + NEW.quantity
  WHERE id = NEW.order_id AND status = 'paid' AND charge_id = NEW.charge_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'order not refundable: % is not paid by charge %', NEW.order_id, NEW.charge_id;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER refunds_hold BEFORE INSERT ON refunds
  FOR EACH ROW WHEN (NEW.kind <> 'reconciliation' AND NEW.status = 'requested') EXECUTE FUNCTION refund_hold();

-- A held refund settles once: succeeded moves the hold to the order's and the charge's refunded totals; failed releases it.
CREATE FUNCTION refund_settle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'succeeded' THEN
    UPDATE orders SET refund_held = refund_held - NEW.amount, refund_held_quantity = refund_held_quantity - NEW.quantity,
                      refunded_amount = refunded_amount + NEW.amount, refunded_quantity = refunded_quantity + NEW.quantity,
                      updated_at = clock_timestamp()
    WHERE id = NEW.order_id;
    UPDATE charges SET refunded_amount = refunded_amount + NEW.amount WHERE id = NEW.charge_id;
  ELSE
    UPDATE orders SET refund_held = refund_held - NEW.amount, refund_held_quantity = refund_held_quantity - NEW.quantity
    WHERE id = NEW.order_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER refunds_settle AFTER UPDATE OF status ON refunds
  FOR EACH ROW WHEN (NEW.kind <> 'reconciliation' AND OLD.status = 'requested' AND NEW.status IN ('succeeded', 'failed'))
  EXECUTE FUNCTION refund_settle();
-- An order refund leaves a settled state never (the gateway's answer is final; reconciliation keeps its own rules).
CREATE FUNCTION refund_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'refund % is % already', OLD.id, OLD.status;
END $$;
CREATE TRIGGER refunds_final BEFORE UPDATE OF status ON refunds
  FOR EACH ROW WHEN (OLD.kind <> 'reconciliation' AND OLD.status <> 'requested' AND NEW.status IS DISTINCT FROM OLD.status)
  EXECUTE FUNCTION refund_final();

-- A buyer's request for a refund of (part of) a paid order, within the window after payment; the shop approves it
-- (which makes a refund: refund_id) or rejects it with a reason.
CREATE TABLE refund_requests (
  id               text PRIMARY KEY,
  order_id         text NOT NULL REFERENCES orders (id),
  buyer_id         text NOT NULL,
  -- The order's shop (null: a room's own product), so a shop lists its requests without reading every order.
  shop_id          text,
  reason           text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500),
  -- Units asked back (0: the whole order).
  quantity         integer NOT NULL DEFAULT 0 CHECK (quantity >= 0 AND quantity <= 999),
  status           text NOT NULL CHECK (status IN ('open', 'approved', 'rejected')),
  decided_by       text,
  decision_reason  text CHECK (char_length(decision_reason) <= 500),
  refund_id        text REFERENCES refunds (id),
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  decided_at       timestamptz,
  CONSTRAINT refund_requests_decided CHECK ((status = 'open') = (decided_at IS NULL)),
  CONSTRAINT refund_requests_approved_refund CHECK ((status = 'approved') = (refund_id IS NOT NULL))
);
CREATE INDEX refund_requests_order ON refund_requests (order_id, created_at, id);
-- GET /api/shops/:shopId/refund-requests: newest first, optionally by status.
CREATE INDEX refund_requests_shop ON refund_requests (shop_id, status, created_at DESC, id DESC) WHERE shop_id IS NOT NULL;
-- REFUND_REQUESTS_OPEN_PER_BUYER counts here.
CREATE INDEX refund_requests_buyer_open ON refund_requests (buyer_id) WHERE status = 'open';

-- The audit reader pages a scope's entries by id (newest first), optionally from a time and for one action.
CREATE INDEX merchant_audit_scope_action ON merchant_audit (scope, scope_id, action, id DESC);

-- Down Migration
DROP INDEX merchant_audit_scope_action;
DROP TABLE refund_requests;
DROP TRIGGER refunds_final ON refunds;
DROP FUNCTION refund_final();
DROP TRIGGER refunds_settle ON refunds;
DROP FUNCTION refund_settle();
DROP TRIGGER refunds_hold ON refunds;
DROP FUNCTION refund_hold();
ALTER TABLE orders DROP CONSTRAINT orders_refund_units_within_bought, DROP CONSTRAINT orders_refund_within_paid,
  DROP COLUMN refund_held_quantity, DROP COLUMN refund_held, DROP COLUMN refunded_quantity;
DROP INDEX refunds_open, refunds_order;
ALTER TABLE refunds DROP CONSTRAINT refunds_restock_units, DROP CONSTRAINT refunds_order_kind, DROP COLUMN attempted_at,
  DROP COLUMN attempts, DROP COLUMN fingerprint, DROP COLUMN restocked_at, DROP COLUMN restock, DROP COLUMN quantity,
  DROP COLUMN kind;
