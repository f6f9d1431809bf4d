-- Up Migration
-- Issue 15, selection (选品) and commissions (docs/commerce.md, "Selection" and "Commissions and settlement"): which
-- creator may sell which shop product at what commission (server/selection), and the commission ledger. Rates are whole
-- basis points (1 bp = 0.01 %); the configured range (COMMISSION_MIN_BPS..COMMISSION_MAX_BPS) is the service's rule,
-- the hard range 0..10000 is the schema's.

-- A shop's default rate: what a plan without its own rate pays. Never deleted once set (plans may rely on it).
CREATE TABLE selection_settings (
  shop_id           text PRIMARY KEY REFERENCES shops (id) ON DELETE CASCADE,
  default_rate_bps  integer NOT NULL CHECK (default_rate_bps BETWEEN 0 AND 10000),
  updated_by        text NOT NULL,
  updated_at        timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- A product opened to every creator (the open plan): at its own rate, or the shop's default when rate_bps is null;
-- with `requires_approval`, a creator sells it only once the shop approved their application. One plan per product.
CREATE TABLE selection_plans (
  product_id         text PRIMARY KEY REFERENCES shop_products (id) ON DELETE CASCADE,
  shop_id            text NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  rate_bps           integer CHECK (rate_bps BETWEEN 0 AND 10000),
  requires_approval  boolean NOT NULL,
  created_by         text NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at         timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- Listings per shop and the PLANS_PER_SHOP count.
CREATE INDEX selection_plans_shop ON selection_plans (shop_id, created_at, product_id);

-- A creator's application to a plan that requires approval, and the shop's answer. One per (product, creator): a
-- refused creator may apply again (the row goes back to pending). Applications go with their plan.
CREATE TABLE selection_applications (
  id           text PRIMARY KEY,
  product_id   text NOT NULL REFERENCES selection_plans (product_id) ON DELETE CASCADE,
  shop_id      text NOT NULL,
  creator_id   text NOT NULL,
  -- The creator, or their agency's owner or moderator applying for them.
  applied_by   text NOT NULL,
  note         text NOT NULL DEFAULT '' CHECK (char_length(note) <= 500),
  status       text NOT NULL CHECK (status IN ('pending', 'approved', 'refused')),
  decided_by   text,
  decided_at   timestamptz,
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT selection_applications_once UNIQUE (product_id, creator_id),
  CONSTRAINT selection_applications_decided CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE INDEX selection_applications_shop ON selection_applications (shop_id, status, created_at, id);
-- PENDING_APPLICATIONS_PER_CREATOR counts here; a creator's own list reads it too.
CREATE INDEX selection_applications_creator ON selection_applications (creator_id, status, created_at, id);

-- A rate offered to one named creator or to every creator of one agency, for one product. It beats the open plan.
CREATE TABLE selection_offers (
  id           text PRIMARY KEY,
  shop_id      text NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  product_id   text NOT NULL REFERENCES shop_products (id) ON DELETE CASCADE,
  target_kind  text NOT NULL CHECK (target_kind IN ('creator', 'agency')),
  target_id    text NOT NULL,
  rate_bps     integer NOT NULL CHECK (rate_bps BETWEEN 0 AND 10000),
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT selection_offers_once UNIQUE (product_id, target_kind, target_id)
);
CREATE INDEX selection_offers_shop ON selection_offers (shop_id, created_at, id);
-- The selection market: what is offered to a creator or their agency.
CREATE INDEX selection_offers_target ON selection_offers (target_kind, target_id);

-- The commission ledger: what each paid order line earned its creator (and agency), and what refunds took back. Written
-- only by the triggers below, in the transaction that pays the order or marks the refund succeeded, whichever path does
-- it (payment worker, webhook, reconciliation, supervisor, merchant refunds): a commission is never missed or recorded
-- twice. Amounts are minor units of the order's currency, never negative ('reversed' rows are subtracted).
CREATE TABLE commission_entries (
  id          bigserial PRIMARY KEY,
  order_id    text NOT NULL REFERENCES orders (id),
  line_no     smallint NOT NULL,
  shop_id     text,
  creator_id  text NOT NULL,
  agency_id   text,
  kind        text NOT NULL CHECK (kind IN ('earned', 'reversed')),
  amount      bigint NOT NULL CHECK (amount >= 0),
  refund_id   text REFERENCES refunds (id),
  at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT commission_entries_line FOREIGN KEY (order_id, line_no) REFERENCES order_lines (order_id, line_no),
  CONSTRAINT commission_entries_refund CHECK ((kind = 'reversed') = (refund_id IS NOT NULL))
);
-- Idempotence: one 'earned' per line, one 'reversed' per (refund, line).
CREATE UNIQUE INDEX commission_entries_earned_once ON commission_entries (order_id, line_no) WHERE kind = 'earned';
CREATE UNIQUE INDEX commission_entries_reversed_once ON commission_entries (refund_id, order_id, line_no) WHERE kind = 'reversed';
CREATE INDEX commission_entries_creator ON commission_entries (creator_id, at);
CREATE INDEX commission_entries_agency ON commission_entries (agency_id, at) WHERE agency_id IS NOT NULL;
CREATE INDEX commission_entries_shop ON commission_entries (shop_id, at) WHERE shop_id IS NOT NULL;
-- Settlement statements select paid orders by payment time.
CREATE INDEX orders_paid_at ON orders (paid_at) WHERE paid_at IS NOT NULL;
CREATE INDEX order_lines_creator ON order_lines (creator_id) WHERE creator_id IS NOT NULL;
CREATE INDEX order_lines_agency ON order_lines (agency_id) WHERE agency_id IS NOT NULL;

-- An order that becomes paid earns each of its lines' commission as fixed when the line was placed.
CREATE FUNCTION commission_on_paid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO commission_entries (order_id, line_no, shop_id, creator_id, agency_id, kind, amount, at)
  SELECT l.order_id, l.line_no, l.shop_id, l.creator_id, l.agency_id, 'earned', l.commission_amount, NEW.paid_at
  FROM order_lines l
  WHERE l.order_id = NEW.id AND l.commission_rate_bps IS NOT NULL
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER orders_commission_on_paid AFTER UPDATE OF status ON orders
  FOR EACH ROW WHEN (NEW.status = 'paid' AND OLD.status IS DISTINCT FROM 'paid') EXECUTE FUNCTION commission_on_paid();
CREATE TRIGGER orders_commission_on_paid_insert AFTER INSERT ON orders
  FOR EACH ROW WHEN (NEW.status = 'paid') EXECUTE FUNCTION commission_on_paid();

-- What an order's buyer got back: succeeded refunds of the charge that paid it (refunds of orphan or duplicate charges
-- are not refunds of the order), never counted above the order's amount.
CREATE FUNCTION order_refunded_total(o_id text, until timestamptz DEFAULT 'infinity') RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT LEAST(o.amount, coalesce(sum(r.amount), 0))::bigint
  FROM orders o LEFT JOIN refunds r
    ON r.order_id = o.id AND r.charge_id = o.charge_id AND r.status = 'succeeded' AND r.updated_at < until
  WHERE o.id = o_id
  GROUP BY o.id, o.amount
$$;

-- A refund that succeeds takes back commission in proportion, cumulatively: after it, each line's reversals total
-- floor(earned * refunded / amount), so a full refund reverses exactly what was earned and partial refunds never
-- reverse more. Refunds of one order are serialized (advisory lock) so two succeeding at once each see the other.
CREATE FUNCTION commission_on_refund() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  o orders%ROWTYPE;
  refunded bigint;
BEGIN
  IF NEW.order_id IS NULL THEN RETURN NULL; END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('hawker:commission:' || NEW.order_id, 0));
  SELECT * INTO o FROM orders WHERE id = NEW.order_id;
  IF NOT FOUND OR o.charge_id IS DISTINCT FROM NEW.charge_id OR o.amount <= 0 THEN RETURN NULL; END IF;
  refunded := order_refunded_total(o.id);
  INSERT INTO commission_entries (order_id, line_no, shop_id, creator_id, agency_id, kind, amount, refund_id)
  SELECT e.order_id, e.line_no, e.shop_id, e.creator_id, e.agency_id, 'reversed',
         (e.amount * refunded) / o.amount - coalesce(rv.total, 0), NEW.id
  FROM commission_entries e
  LEFT JOIN LATERAL (
    SELECT sum(x.amount) AS total FROM commission_entries x
    WHERE x.order_id = e.order_id AND x.line_no = e.line_no AND x.kind = 'reversed'
  ) rv ON true
  WHERE e.order_id = o.id AND e.kind = 'earned' AND (e.amount * refunded) / o.amount > coalesce(rv.total, 0)
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER refunds_commission_on_succeeded AFTER UPDATE OF status ON refunds
  FOR EACH ROW WHEN (NEW.status = 'succeeded' AND OLD.status IS DISTINCT FROM 'succeeded') EXECUTE FUNCTION commission_on_refund();
CREATE TRIGGER refunds_commission_on_insert AFTER INSERT ON refunds
  FOR EACH ROW WHEN (NEW.status = 'succeeded') EXECUTE FUNCTION commission_on_refund();

-- Down Migration
DROP TRIGGER refunds_commission_on_insert ON refunds;
DROP TRIGGER refunds_commission_on_succeeded ON refunds;
DROP TRIGGER orders_commission_on_paid_insert ON orders;
DROP TRIGGER orders_commission_on_paid ON orders;
DROP FUNCTION commission_on_refund(), order_refunded_total(text, timestamptz), commission_on_paid();
DROP INDEX order_lines_agency, order_lines_creator, orders_paid_at;
DROP TABLE commission_entries, selection_offers, selection_applications, selection_plans, selection_settings;
