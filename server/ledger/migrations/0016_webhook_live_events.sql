-- Up Migration
-- Issue 19, item 3: "merchants can also receive it as an outbound webhook". A followed creator scheduling or starting a
-- live becomes a webhook event for the merchants whose products the live sells and for the creator's agency. Such an
-- event has no order: the outbox row carries its payload and its recipients instead.
ALTER TABLE webhook_outbox
  ALTER COLUMN order_id DROP NOT NULL,
  ADD COLUMN data jsonb CHECK (octet_length(data::text) <= 16384),
  ADD COLUMN shop_ids text[] NOT NULL DEFAULT '{}' CHECK (cardinality(shop_ids) <= 200),
  ADD COLUMN agency_id text,
  ADD CONSTRAINT webhook_outbox_subject CHECK ((order_id IS NULL) = (data IS NOT NULL));

ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_events_check;
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_events_check CHECK (
  cardinality(events) BETWEEN 1 AND 7
  AND events <@ ARRAY['order.paid', 'order.cancelled', 'order.refunded', 'order.shipped', 'order.delivered',
                      'live.scheduled', 'live.started']::text[]
);

-- Down Migration
DELETE FROM webhook_outbox WHERE order_id IS NULL;
UPDATE webhook_endpoints SET events = array_remove(array_remove(events, 'live.scheduled'), 'live.started');
DELETE FROM webhook_endpoints WHERE cardinality(events) = 0;
ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_events_check;
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_events_check CHECK (
  cardinality(events) BETWEEN 1 AND 5
  AND events <@ ARRAY['order.paid', 'order.cancelled', 'order.refunded', 'order.shipped', 'order.delivered']::text[]
);
ALTER TABLE webhook_outbox
  DROP CONSTRAINT webhook_outbox_subject,
  DROP COLUMN agency_id,
  DROP COLUMN shop_ids,
  DROP COLUMN data,
  ALTER COLUMN order_id SET NOT NULL;
