-- Up Migration
-- Issue 16, items 5 and 6 (docs/commerce.md, "Exports and webhooks"): merchants' signed outbound webhooks, delivered
-- from a durable outbox so no event is lost when a node dies after an order changes, and the merchant audit trail of
-- exports and endpoint changes (the agency audit log lives in Redis and is agency- and room-scoped; shops have none).

-- An endpoint belongs to one shop or one agency. Its secret signs every delivery (shown once, rotatable). An endpoint
-- whose deliveries kept failing is disabled (status 'disabled', with when and why), never deleted behind the owner's back.
CREATE TABLE webhook_endpoints (
  id                    text PRIMARY KEY,
  scope                 text NOT NULL CHECK (scope IN ('shop', 'agency')),
  scope_id              text NOT NULL,
  url                   text NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2048),
  events                text[] NOT NULL CHECK (
    cardinality(events) BETWEEN 1 AND 5
    AND events <@ ARRAY['order.paid', 'order.cancelled', 'order.refunded', 'order.shipped', 'order.delivered']::text[]
  ),
  description           text CHECK (char_length(description) <= 200),
  secret                text NOT NULL CHECK (char_length(secret) >= 32),
  status                text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  disabled_at           timestamptz,
  disabled_reason       text,
  -- Deliveries that failed for good in a row (a success resets both), and when the first of that streak failed.
  consecutive_failures  integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
  failing_since         timestamptz,
  created_by            text NOT NULL,
  created_at            timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at            timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT webhook_endpoints_disabled_when CHECK ((status = 'disabled') = (disabled_at IS NOT NULL))
);
CREATE INDEX webhook_endpoints_scope ON webhook_endpoints (scope, scope_id, created_at, id);

-- The outbox: one row per event, written by the triggers below in the same transaction as the change it announces.
-- The dispatcher claims rows (FOR UPDATE SKIP LOCKED), fans them out to the subscribed endpoints and marks them done.
CREATE TABLE webhook_outbox (
  id             bigserial PRIMARY KEY,
  event_id       text NOT NULL UNIQUE,
  type           text NOT NULL,
  order_id       text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
  dispatched_at  timestamptz
);
CREATE INDEX webhook_outbox_pending ON webhook_outbox (id) WHERE dispatched_at IS NULL;

-- An order status that merchants hear about. 'refunded' as an order status is left to refund rows (below), so a
-- refund is announced once, whichever way it is recorded.
CREATE FUNCTION webhook_order_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IN ('paid', 'cancelled', 'shipped', 'delivered') THEN
    INSERT INTO webhook_outbox (event_id, type, order_id)
    VALUES ('evt_o' || NEW.id, 'order.' || NEW.status, NEW.order_id)
    ON CONFLICT (event_id) DO NOTHING;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER webhook_order_event AFTER INSERT ON order_events FOR EACH ROW EXECUTE FUNCTION webhook_order_event();

-- A refund is announced once it succeeded (inserted as succeeded, or updated to it).
CREATE FUNCTION webhook_refund_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'succeeded' AND NEW.order_id IS NOT NULL
     AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'succeeded') THEN
    INSERT INTO webhook_outbox (event_id, type, order_id)
    VALUES ('evt_r' || NEW.id, 'order.refunded', NEW.order_id)
    ON CONFLICT (event_id) DO NOTHING;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER webhook_refund_event AFTER INSERT OR UPDATE OF status ON refunds
  FOR EACH ROW EXECUTE FUNCTION webhook_refund_event();

-- One delivery of one event to one endpoint (a redelivery by hand is a new row naming the one it repeats). `body` is
-- the exact JSON sent, so every attempt and redelivery signs the same bytes. `queued`: the BullMQ job is known to exist
-- (the dispatcher re-queues pending deliveries without it; job id = delivery id, so re-queuing never duplicates).
CREATE TABLE webhook_deliveries (
  id               text PRIMARY KEY,
  endpoint_id      text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_id         text NOT NULL,
  type             text NOT NULL,
  body             text NOT NULL,
  redelivery_of    text REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  queued           boolean NOT NULL DEFAULT false,
  last_status_code integer,
  last_latency_ms  integer,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at      timestamptz
);
-- The dispatcher fans an event out at most once per endpoint, however often it is retried.
CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries (endpoint_id, event_id) WHERE redelivery_of IS NULL;
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_unqueued ON webhook_deliveries (created_at) WHERE status = 'pending' AND NOT queued;

-- Every HTTP attempt of a delivery: status code (null: no answer), latency, error.
CREATE TABLE webhook_attempts (
  delivery_id  text NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempt      integer NOT NULL CHECK (attempt >= 1),
  status_code  integer,
  latency_ms   integer NOT NULL,
  error        text,
  at           timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (delivery_id, attempt)
);

-- Who exported what and who changed which endpoint, and endpoints the server disabled (actor 'system'), per shop or
-- agency. Durable in PostgreSQL beside what it records.
CREATE TABLE merchant_audit (
  id        bigserial PRIMARY KEY,
  scope     text NOT NULL CHECK (scope IN ('shop', 'agency', 'room')),
  scope_id  text NOT NULL,
  actor     text NOT NULL,
  action    text NOT NULL,
  target    text,
  details   jsonb NOT NULL DEFAULT '{}' CHECK (octet_length(details::text) <= 4096),
  at        timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX merchant_audit_scope ON merchant_audit (scope, scope_id, id DESC);

-- Refund exports page through a scope's refunds by time.
CREATE INDEX refunds_created ON refunds (created_at DESC, id DESC);

-- Down Migration
DROP INDEX refunds_created;
DROP TABLE merchant_audit;
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TRIGGER webhook_refund_event ON refunds;
DROP FUNCTION webhook_refund_event();
DROP TRIGGER webhook_order_event ON order_events;
DROP FUNCTION webhook_order_event();
DROP TABLE webhook_outbox;
DROP TABLE webhook_endpoints;
