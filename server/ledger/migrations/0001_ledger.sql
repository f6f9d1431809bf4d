-- Up Migration
-- The money ledger: the system of record for orders, payments, refunds and their history (docs/commerce.md, "Ledger").
-- Redis holds the hot copies (stock counters, reservations, per-buyer limits); after Redis loses data the node rebuilds
-- them from these tables (server/ledger/recovery.ts). Amounts are integer minor units beside an ISO 4217 currency.
-- Constraints make the bad states impossible rather than merely unlikely: one order per (buyer, idempotency key), one
-- gateway key per charge, at most one charge counted as an order's payment, refunds never above what was paid.

CREATE TABLE orders (
  id               text PRIMARY KEY,
  buyer_id         text NOT NULL,
  idempotency_key  text NOT NULL,
  -- What the buyer asked for ("pool|quantity"): the same key with another request is refused, never replayed.
  fingerprint      text NOT NULL,
  room_id          text NOT NULL,
  agency_id        text,
  channel          text NOT NULL DEFAULT 'live' CHECK (channel IN ('live', 'replay', 'clip', 'storefront')),
  pool_kind        text NOT NULL CHECK (pool_kind IN ('sku', 'sale')),
  product_id       text NOT NULL,
  sku_id           text NOT NULL,
  sale_id          text,
  title            text NOT NULL,
  quantity         integer NOT NULL CHECK (quantity BETWEEN 1 AND 999),
  unit_price       bigint NOT NULL CHECK (unit_price >= 0),
  amount           bigint NOT NULL CHECK (amount >= 0),
  currency         text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  status           text NOT NULL CHECK (status IN ('reserved', 'pending_payment', 'paid', 'failed', 'expired', 'cancelled')),
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  deadline         timestamptz NOT NULL,
  charge_id        text,
  failure_reason   text,
  paid_at          timestamptz,
  refunded_amount  bigint NOT NULL DEFAULT 0,
  -- False only for the supervisor's tombstones: reservations that never reached the ledger and were never told to anyone.
  acknowledged     boolean NOT NULL DEFAULT true,
  -- The BullMQ payment job is known to exist (the outbox flag: the supervisor queues reserved orders without it).
  job_queued       boolean NOT NULL DEFAULT false,
  -- When the supervisor next looks at an order still paying past its deadline.
  next_check_at    timestamptz,
  CONSTRAINT orders_buyer_key UNIQUE (buyer_id, idempotency_key),
  CONSTRAINT orders_sale_ref CHECK ((pool_kind = 'sale') = (sale_id IS NOT NULL)),
  CONSTRAINT orders_paid_has_charge CHECK ((status = 'paid') = (charge_id IS NOT NULL AND paid_at IS NOT NULL)),
  CONSTRAINT orders_refund_bounded CHECK (refunded_amount >= 0 AND refunded_amount <= amount)
);
-- Listings: keyset pagination on (created_at, id) per buyer, room and agency, optionally by status.
CREATE INDEX orders_buyer_created ON orders (buyer_id, created_at DESC, id DESC);
CREATE INDEX orders_room_created ON orders (room_id, created_at DESC, id DESC);
-- Money figures per room / agency (analytics) read these without touching the heap.
CREATE INDEX orders_room_money ON orders (room_id) INCLUDE (status, quantity, amount, refunded_amount, currency, acknowledged);
CREATE INDEX orders_agency_money ON orders (agency_id) INCLUDE (status, quantity, amount, refunded_amount, currency, acknowledged) WHERE agency_id IS NOT NULL;
CREATE INDEX orders_agency_created ON orders (agency_id, created_at DESC, id DESC) WHERE agency_id IS NOT NULL;
CREATE INDEX orders_room_status_created ON orders (room_id, status, created_at DESC, id DESC);
CREATE INDEX orders_buyer_status_created ON orders (buyer_id, status, created_at DESC, id DESC);
-- The supervisor's work lists: open orders by deadline, reserved orders whose payment job is not known to exist.
CREATE INDEX orders_open_deadline ON orders (deadline) WHERE status IN ('reserved', 'pending_payment');
CREATE INDEX orders_unqueued ON orders (created_at) WHERE status = 'reserved' AND NOT job_queued;
-- Recovery sums units per stock pool.
CREATE INDEX orders_pool ON orders (product_id, sku_id, sale_id) INCLUDE (status, quantity);

-- What was bought at what price. One line per order today (an order is one SKU); carts will add lines.
CREATE TABLE order_lines (
  order_id    text NOT NULL REFERENCES orders (id),
  line_no     smallint NOT NULL CHECK (line_no >= 1),
  product_id  text NOT NULL,
  sku_id      text NOT NULL,
  sale_id     text,
  title       text NOT NULL,
  quantity    integer NOT NULL CHECK (quantity >= 1),
  unit_price  bigint NOT NULL CHECK (unit_price >= 0),
  amount      bigint NOT NULL CHECK (amount = unit_price * quantity),
  PRIMARY KEY (order_id, line_no)
);

-- Every status an order took, with why and who.
CREATE TABLE order_events (
  id        bigserial PRIMARY KEY,
  order_id  text NOT NULL REFERENCES orders (id),
  status    text NOT NULL,
  reason    text,
  actor     text NOT NULL,
  at        timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX order_events_order ON order_events (order_id, id);

-- Each call made to the gateway for an order, written BEFORE the call (durable before money moves).
CREATE TABLE payment_attempts (
  id           bigserial PRIMARY KEY,
  order_id     text NOT NULL REFERENCES orders (id),
  kind         text NOT NULL CHECK (kind IN ('charge', 'cancel')),
  gateway_key  text NOT NULL,
  started_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at  timestamptz,
  outcome      text CHECK (outcome IN ('succeeded', 'declined', 'cancelled', 'error')),
  detail       text
);
CREATE INDEX payment_attempts_order ON payment_attempts (order_id, id);

-- Charges the gateway made, as far as we know them. `disposition` says what a charge is to us: the payment of its
-- order, an orphan (no order, or an order that is not paid by it), or a duplicate (a second charge for a paid order).
CREATE TABLE charges (
  id               text PRIMARY KEY,
  gateway_key      text NOT NULL UNIQUE,
  order_id         text REFERENCES orders (id),
  reference        text NOT NULL,
  amount           bigint NOT NULL CHECK (amount >= 0),
  currency         text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  disposition      text NOT NULL CHECK (disposition IN ('payment', 'orphan', 'duplicate')),
  refunded_amount  bigint NOT NULL DEFAULT 0,
  charged_at       timestamptz NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  source           text NOT NULL CHECK (source IN ('worker', 'webhook', 'reconciliation')),
  CONSTRAINT charges_refund_bounded CHECK (refunded_amount >= 0 AND refunded_amount <= amount),
  CONSTRAINT charges_payment_has_order CHECK (disposition <> 'payment' OR order_id IS NOT NULL)
);
-- At most one charge counts as an order's payment.
CREATE UNIQUE INDEX charges_one_payment_per_order ON charges (order_id) WHERE disposition = 'payment';

-- Refunds we asked the gateway for. The idempotency key is chosen before the call, so a retry never refunds twice.
CREATE TABLE refunds (
  id                 text PRIMARY KEY,
  idempotency_key    text NOT NULL UNIQUE,
  charge_id          text NOT NULL REFERENCES charges (id),
  order_id           text REFERENCES orders (id),
  amount             bigint NOT NULL CHECK (amount > 0),
  currency           text NOT NULL,
  reason             text NOT NULL,
  status             text NOT NULL CHECK (status IN ('requested', 'succeeded', 'failed')),
  gateway_refund_id  text,
  failure_reason     text,
  actor              text NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at         timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX refunds_charge ON refunds (charge_id);

-- What reconciliation found and did, once per finding (re-runs do not repeat a correction).
CREATE TABLE reconciliation_findings (
  id         bigserial PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('orphan_charge', 'duplicate_charge', 'paid_without_charge', 'payment_applied', 'amount_mismatch')),
  charge_id  text NOT NULL DEFAULT '',
  order_id   text NOT NULL DEFAULT '',
  action     text NOT NULL CHECK (action IN ('refunded', 'flagged', 'recorded')),
  detail     jsonb NOT NULL DEFAULT '{}',
  found_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT reconciliation_once UNIQUE (kind, charge_id, order_id)
);

CREATE TABLE reconciliation_runs (
  id            bigserial PRIMARY KEY,
  started_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at   timestamptz,
  range_from    timestamptz NOT NULL,
  range_to      timestamptz NOT NULL,
  charges_seen  integer NOT NULL DEFAULT 0,
  corrections   integer NOT NULL DEFAULT 0,
  error         text
);

-- Small facts the ledger keeps about the deployment (e.g. the Redis run id the hot state was last rebuilt against).
CREATE TABLE ledger_meta (
  key         text PRIMARY KEY,
  value       text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Down Migration
DROP TABLE ledger_meta, reconciliation_runs, reconciliation_findings, refunds, charges, payment_attempts, order_events,
  order_lines, orders;
