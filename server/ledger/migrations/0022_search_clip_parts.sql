-- Up Migration
-- Issue 19: a clip's search doc follows renames. Its parts are kept beside its terms so the owner of a change can
-- rewrite the doc in its own transaction without asking Redis: the attached products' ids and their titles in the
-- same order ('' for one that does not count: archived or deleted), found by product (GIN) and by creator. A shop
-- product's edit, archive, unarchive or delete rewrites the docs naming it (server/shops, same transaction); a
-- creator's new name rewrites their clips' docs with their creator doc (server/search).
ALTER TABLE search_clips
  ADD COLUMN product_ids    text[] NOT NULL DEFAULT '{}',
  ADD COLUMN product_titles text[] NOT NULL DEFAULT '{}';
CREATE INDEX search_clips_products ON search_clips USING gin (product_ids) WITH (fastupdate = off);
CREATE INDEX search_clips_creator ON search_clips (creator_id);
-- Docs written before have no parts: they leave, and each node's start indexes published clips missing from the
-- index (server/search catchUpClips), this time with their parts.
DELETE FROM search_clips;

-- Issue 19, notice fan-out (bench:notices): a user's list is bounded (NOTICES_PER_USER, trimmed by every fan-out
-- batch), so reading it newest first through the primary key's user_id prefix sorts at most that many rows; the second
-- B-tree on (user_id, at, id) cost an index entry (and its WAL) per notice delivered for nothing else.
DROP INDEX notices_user_at;

-- Down Migration
CREATE INDEX notices_user_at ON notices (user_id, at DESC, id DESC);
DROP INDEX search_clips_creator;
DROP INDEX search_clips_products;
ALTER TABLE search_clips DROP COLUMN product_titles, DROP COLUMN product_ids;
