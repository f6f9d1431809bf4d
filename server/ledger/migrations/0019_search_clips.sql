-- Up Migration
-- Issue 19, search (人找货) over clips too: one row per published clip, with the terms of its title, its attached
-- products' titles and its creator's name (server/search/terms.ts: CJK bigrams and unigrams, Latin words), written by
-- server/search when a clip is published and at start for published clips not indexed yet. A deleted clip leaves the
-- index with its row (ON DELETE CASCADE); searches also join clips and keep only published ones.
CREATE TABLE search_clips (
  clip_id       text PRIMARY KEY REFERENCES clips (id) ON DELETE CASCADE,
  room_id       text NOT NULL,
  creator_id    text NOT NULL,
  creator_name  text NOT NULL,
  title         text NOT NULL,
  -- The first attached product (the hit's poster is its first picture).
  product_id    text,
  image         text,
  plain         text NOT NULL,
  terms         text[] NOT NULL,
  latin         text NOT NULL,
  published_at  timestamptz NOT NULL,
  indexed_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- No pending list (fastupdate off), as for the other kinds (migration 0017).
CREATE INDEX search_clips_terms ON search_clips USING gin (terms) WITH (fastupdate = off);

-- Down Migration
DROP TABLE search_clips;
