-- Up Migration
-- Shops and their products (server/shops; docs/commerce.md, "Shops and products"): durable, owned by a shop rather than
-- a room, so they outlive any live. Prices are integer minor units in the shop's one currency. The constraints below
-- make the bad states impossible, whatever a caller or a bug sends: prices positive and bounded, compare-at above price,
-- at most 200 SKUs per product, one SKU per (product, combination) and per (product, code), every SKU made of its
-- product's attribute values, an archived product always with its archive time.

CREATE TABLE shops (
  id             text PRIMARY KEY,
  owner_id       text NOT NULL,
  kind           text NOT NULL CHECK (kind IN ('merchant', 'creator')),
  name           text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 60),
  logo_url       text CHECK (char_length(logo_url) <= 2048),
  currency       text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  contact_email  text CHECK (char_length(contact_email) <= 254),
  contact_phone  text CHECK (char_length(contact_phone) <= 32),
  return_policy  text CHECK (char_length(return_policy) <= 2000),
  created_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- GET /api/me/shops and the per-owner shop limit.
CREATE INDEX shops_owner ON shops (owner_id, created_at, id);

-- Who may manage a shop's products besides its owner. Staff rows go with their shop.
CREATE TABLE shop_staff (
  shop_id   text NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  user_id   text NOT NULL,
  added_by  text NOT NULL,
  added_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (shop_id, user_id)
);
CREATE INDEX shop_staff_user ON shop_staff (user_id);

-- Whether `combination` is one value of each attribute of `attrs` ([{name, values: [...]}, ...]), in order. Used by the
-- triggers below, so no SKU can name a value its product does not have.
CREATE FUNCTION shop_combination_valid(attrs jsonb, combination text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT cardinality(combination) = jsonb_array_length(attrs)
     AND NOT EXISTS (
       SELECT 1 FROM unnest(combination) WITH ORDINALITY AS c(value, i)
       WHERE NOT ((attrs -> (c.i::int - 1) -> 'values') ? c.value)
     )
$$;

-- A product belongs to its shop for good: a shop with products cannot be deleted (RESTRICT), and orders will name
-- products, so a product that was ever ordered is archived, never deleted (server/shops checks the ledger's
-- order_lines before a delete).
CREATE TABLE shop_products (
  id           text PRIMARY KEY,
  shop_id      text NOT NULL REFERENCES shops (id) ON DELETE RESTRICT,
  status       text NOT NULL CHECK (status IN ('active', 'archived')),
  -- 1 at creation, +1 per edit: orders keep the version they bought.
  version      integer NOT NULL CHECK (version >= 1),
  title        text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 120),
  description  text NOT NULL DEFAULT '' CHECK (char_length(description) <= 5000),
  -- Ordered; the first is the cover.
  images       text[] NOT NULL CHECK (cardinality(images) BETWEEN 1 AND 9 AND array_position(images, NULL) IS NULL),
  category     text NOT NULL CHECK (category ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  -- [{"name": "Colour", "values": ["Red", "Blue"]}, ...]: at most 3, in order.
  attributes   jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(attributes) = 'array' AND jsonb_array_length(attributes) <= 3),
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  archived_at  timestamptz,
  CONSTRAINT shop_products_archived_at CHECK ((status = 'archived') = (archived_at IS NOT NULL))
);
-- Listings: keyset pagination on (created_at, id) per shop, optionally by status; the per-shop product limit counts here.
CREATE INDEX shop_products_shop_created ON shop_products (shop_id, created_at DESC, id DESC);
CREATE INDEX shop_products_shop_status_created ON shop_products (shop_id, status, created_at DESC, id DESC);

-- A SKU is part of its product (deleted with it: only never-ordered products are deleted).
CREATE TABLE shop_skus (
  id                text PRIMARY KEY,
  product_id        text NOT NULL REFERENCES shop_products (id) ON DELETE CASCADE,
  -- Creation order, 0-based; bounding it bounds the SKUs of a product to 200 (SKUS_PER_PRODUCT).
  position          smallint NOT NULL CHECK (position >= 0 AND position < 200),
  -- One value per attribute, in the attributes' order ('{}' for a product without attributes).
  combination       text[] NOT NULL CHECK (cardinality(combination) <= 3 AND array_position(combination, NULL) IS NULL),
  code              text NOT NULL CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$'),
  price             bigint NOT NULL CHECK (price BETWEEN 1 AND 1000000000),
  compare_at_price  bigint CHECK (compare_at_price > price AND compare_at_price <= 1000000000),
  -- The units the SKU was created with. From part 2 of issue 15 on, the stock module owns this SKU's stock (one counter
  -- across every channel); nothing else writes it after the insert.
  initial_stock     integer NOT NULL CHECK (initial_stock BETWEEN 0 AND 1000000),
  created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT shop_skus_position UNIQUE (product_id, position),
  CONSTRAINT shop_skus_combination UNIQUE (product_id, combination),
  -- Checked at the end of each statement, so one edit may swap two SKUs' codes.
  CONSTRAINT shop_skus_code UNIQUE (product_id, code) DEFERRABLE INITIALLY IMMEDIATE
);

CREATE FUNCTION shop_skus_check_combination() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT shop_combination_valid((SELECT attributes FROM shop_products WHERE id = NEW.product_id), NEW.combination) THEN
    RAISE EXCEPTION 'SKU % of product %: % is not one value of each of the product''s attributes', NEW.id, NEW.product_id, NEW.combination
      USING ERRCODE = 'check_violation', CONSTRAINT = 'shop_skus_combination_valid';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER shop_skus_combination_valid BEFORE INSERT OR UPDATE OF product_id, combination ON shop_skus
  FOR EACH ROW EXECUTE FUNCTION shop_skus_check_combination();

CREATE FUNCTION shop_products_check_attributes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM shop_skus WHERE product_id = NEW.id AND NOT shop_combination_valid(NEW.attributes, combination)) THEN
    RAISE EXCEPTION 'product %: its attributes no longer hold every SKU''s values', NEW.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'shop_products_attributes_hold_skus';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER shop_products_attributes_hold_skus BEFORE UPDATE OF attributes ON shop_products
  FOR EACH ROW EXECUTE FUNCTION shop_products_check_attributes();

-- Deleting a product first asks whether any order line names it.
CREATE INDEX order_lines_product ON order_lines (product_id);

-- Down Migration
DROP INDEX order_lines_product;
DROP TABLE shop_skus, shop_products, shop_staff, shops;
DROP FUNCTION shop_products_check_attributes(), shop_skus_check_combination(), shop_combination_valid(jsonb, text[]);
