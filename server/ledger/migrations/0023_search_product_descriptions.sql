-- Up Migration
-- Issue 19: a product's description is searched too (its first SEARCH_DESCRIPTION_CHARS characters). The version of
-- the code that made a doc's terms is kept beside them, so a node's start re-indexes, page by page, the docs made by
-- older code (server/search catchUpProducts) instead of this migration, which cannot run the terms' Node code.
ALTER TABLE search_products ADD COLUMN terms_version smallint NOT NULL DEFAULT 0;
CREATE INDEX search_products_stale ON search_products (product_id) WHERE terms_version < 1;

-- Down Migration
DROP INDEX search_products_stale;
ALTER TABLE search_products DROP COLUMN terms_version;
