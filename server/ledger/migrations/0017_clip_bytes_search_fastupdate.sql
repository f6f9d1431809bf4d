-- Up Migration
-- Issue 18, item 5: clips count against the per-agency media quota (MEDIA_QUOTA_BYTES_PER_AGENCY) by the bytes their
-- files take. Clips cut before this migration count as 0 until they are cut again.
ALTER TABLE clips ADD COLUMN bytes bigint NOT NULL DEFAULT 0 CHECK (bytes >= 0);

-- Issue 19, search p95: a GIN index's pending list (fastupdate) is scanned whole by every search until autovacuum merges
-- it; with products changing all day it was 8-29 ms of each query on 100,000 products (bench:search, EXPLAIN ANALYZE).
-- Without it each product change updates the index at once, which costs the (rare) writer instead of every reader.
ALTER INDEX search_products_terms SET (fastupdate = off);
ALTER INDEX search_creators_terms SET (fastupdate = off);
ALTER INDEX search_rooms_terms SET (fastupdate = off);

-- Down Migration
ALTER INDEX search_rooms_terms RESET (fastupdate);
ALTER INDEX search_creators_terms RESET (fastupdate);
ALTER INDEX search_products_terms RESET (fastupdate);
ALTER TABLE clips DROP COLUMN bytes;
