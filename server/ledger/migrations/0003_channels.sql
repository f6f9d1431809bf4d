-- Up Migration
-- Issue 15, part 2 (docs/commerce.md, "Channels" and "Commissions"): one stock per shop SKU across every channel,
-- orders outside a live, and what each order line fixes at the moment of sale (the product as bought, who sold it,
-- the commission rate). Every new column is nullable or defaulted, so rows written before this migration stay valid:
-- an order of a room's own product (the wave-1 catalog) has no shop and no commission.

-- Orders carry the channel they came through; a search result is a channel too. Orders outside a room (storefront,
-- search, a product link) have no room.
ALTER TABLE orders DROP CONSTRAINT orders_channel_check;
ALTER TABLE orders ADD CONSTRAINT orders_channel_check
  CHECK (channel IN ('live', 'replay', 'clip', 'storefront', 'search'));
ALTER TABLE orders ALTER COLUMN room_id DROP NOT NULL;
ALTER TABLE orders ADD CONSTRAINT orders_live_has_room CHECK (channel <> 'live' OR room_id IS NOT NULL);
-- The shop whose product was bought (null: a room's own product from before shops), and the creator credited with the
-- sale (the room's creator for live, the clip's or replay's creator; null for storefront and search).
ALTER TABLE orders ADD COLUMN shop_id text;
ALTER TABLE orders ADD COLUMN creator_id text;
CREATE INDEX orders_shop_created ON orders (shop_id, created_at DESC, id DESC) WHERE shop_id IS NOT NULL;
CREATE INDEX orders_creator_created ON orders (creator_id, created_at DESC, id DESC) WHERE creator_id IS NOT NULL;

-- The line as bought: the product version, SKU code and its attribute values, the cover image; who sold it; and the
-- commission fixed when it was placed (rate in basis points of the line amount, and that amount's commission, rounded
-- down to the minor unit). A line without a creator, or of the creator's own shop, has no commission (null rate).
ALTER TABLE order_lines ADD COLUMN shop_id text;
ALTER TABLE order_lines ADD COLUMN product_version integer CHECK (product_version >= 1);
ALTER TABLE order_lines ADD COLUMN sku_code text;
ALTER TABLE order_lines ADD COLUMN options text[] CHECK (cardinality(options) <= 3);
ALTER TABLE order_lines ADD COLUMN image_url text;
ALTER TABLE order_lines ADD COLUMN creator_id text;
ALTER TABLE order_lines ADD COLUMN agency_id text;
ALTER TABLE order_lines ADD COLUMN commission_rate_bps integer CHECK (commission_rate_bps BETWEEN 0 AND 10000);
ALTER TABLE order_lines ADD COLUMN commission_amount bigint NOT NULL DEFAULT 0;
ALTER TABLE order_lines ADD CONSTRAINT order_lines_commission_exact
  CHECK (commission_amount = coalesce((amount * commission_rate_bps) / 10000, 0));
ALTER TABLE order_lines ADD CONSTRAINT order_lines_commission_has_creator
  CHECK (commission_rate_bps IS NULL OR creator_id IS NOT NULL);
CREATE INDEX order_lines_shop ON order_lines (shop_id) WHERE shop_id IS NOT NULL;

-- A shop SKU's stock is one counter across every channel, owned by server/stock: Redis holds the hot copy, this is its
-- durable total. `stock_adjusted` is the net of every restock (+) and withdrawal (-) since the SKU was created, so
-- its total is initial_stock + stock_adjusted, never negative and never past MAX_SKU_STOCK.
ALTER TABLE shop_skus ADD COLUMN stock_adjusted integer NOT NULL DEFAULT 0;
ALTER TABLE shop_skus ADD CONSTRAINT shop_skus_stock_total CHECK (initial_stock + stock_adjusted BETWEEN 0 AND 1000000);

-- Down Migration
ALTER TABLE shop_skus DROP CONSTRAINT shop_skus_stock_total;
ALTER TABLE shop_skus DROP COLUMN stock_adjusted;
DROP INDEX order_lines_shop;
ALTER TABLE order_lines DROP CONSTRAINT order_lines_commission_has_creator, DROP CONSTRAINT order_lines_commission_exact,
  DROP COLUMN commission_amount, DROP COLUMN commission_rate_bps, DROP COLUMN agency_id, DROP COLUMN creator_id,
  DROP COLUMN image_url, DROP COLUMN options, DROP COLUMN sku_code, DROP COLUMN product_version, DROP COLUMN shop_id;
DROP INDEX orders_creator_created, orders_shop_created;
ALTER TABLE orders DROP COLUMN creator_id, DROP COLUMN shop_id, DROP CONSTRAINT orders_live_has_room;
ALTER TABLE orders ALTER COLUMN room_id SET NOT NULL;
ALTER TABLE orders DROP CONSTRAINT orders_channel_check;
ALTER TABLE orders ADD CONSTRAINT orders_channel_check CHECK (channel IN ('live', 'replay', 'clip', 'storefront'));
