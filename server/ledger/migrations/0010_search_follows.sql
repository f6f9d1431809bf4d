-- Up Migration
-- The centre field (issue 19; docs/centre-field.md): the search index over shop products, creators and rooms, search
-- events for the funnel, follows, and the going-live notices.
--
-- Search terms are made in Node (server/search/terms.ts: CJK runs as character bigrams and unigrams, Latin words
-- lowercased, both NFKC), because Debian's PostgreSQL has no Chinese parser and pg_trgm cannot index a two-character
-- term. pg_trgm (contrib, shipped with postgresql-15) adds typo tolerance for Latin words: a query word is expanded to
-- the similar words of the vocabulary (search_words, trigram-indexed), and documents are then matched through their
-- GIN-indexed term arrays only (bench/search.ts: pg_trgm's `<%` on every document row was 10x slower). Extensions are per database,
-- not per schema: it lives in `public` and every use names it (public.gin_trgm_ops, OPERATOR(public.<%)), so the
-- deployments' schemas (search_path = one schema) share it and dropping a schema never drops it.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
EXCEPTION WHEN unique_violation OR duplicate_object THEN
  NULL; -- created by a concurrent migration of another schema
END $$;

-- One row per shop product: its search terms and what ranking and filters read. Written by server/search after each
-- committed product change (the shops service's change listeners); stock and liveness are corrected at query time.
CREATE TABLE search_products (
  product_id  text PRIMARY KEY REFERENCES shop_products (id) ON DELETE CASCADE,
  shop_id     text NOT NULL,
  shop_name   text NOT NULL,
  title       text NOT NULL,
  image       text NOT NULL,
  category    text NOT NULL,
  currency    text NOT NULL,
  active      boolean NOT NULL,
  -- Durable units left at the last refresh (in-stock first); server/search corrects it from the shared pools.
  in_stock    boolean NOT NULL,
  min_price   bigint NOT NULL,
  max_price   bigint NOT NULL,
  sku_ids     text[] NOT NULL,
  -- Lowercased NFKC title, category and shop name: exact-substring bonus.
  plain       text NOT NULL,
  -- Index terms: CJK bigrams and unigrams, Latin words.
  terms       text[] NOT NULL,
  -- The Latin words, space-separated (they feed the vocabulary).
  latin       text NOT NULL,
  created_at  timestamptz NOT NULL,
  indexed_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX search_products_terms ON search_products USING gin (terms);
-- Storefronts: a shop's products, in stock first, newest first.
CREATE INDEX search_products_shop ON search_products (shop_id, in_stock DESC, created_at DESC, product_id DESC) WHERE active;

-- Creators, as the rooms they open name them (there is no user table: identity is in tokens).
CREATE TABLE search_creators (
  creator_id  text PRIMARY KEY,
  name        text NOT NULL,
  agency_id   text,
  plain       text NOT NULL,
  terms       text[] NOT NULL,
  latin       text NOT NULL,
  indexed_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX search_creators_terms ON search_creators USING gin (terms);
CREATE INDEX search_creators_agency ON search_creators (agency_id, creator_id) WHERE agency_id IS NOT NULL;

-- Rooms not ended (scheduled or live); a room leaves the index when it ends.
CREATE TABLE search_rooms (
  room_id       text PRIMARY KEY,
  creator_id    text NOT NULL,
  creator_name  text NOT NULL,
  title         text NOT NULL,
  status        text NOT NULL CHECK (status IN ('scheduled', 'live')),
  scheduled_at  timestamptz,
  plain         text NOT NULL,
  terms         text[] NOT NULL,
  latin         text NOT NULL,
  indexed_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX search_rooms_terms ON search_rooms USING gin (terms);

-- Every Latin word of every document, once: a query word is expanded to its similar words here (typos), so documents
-- are matched by exact terms only. Words are never removed (a stale one expands to nothing).
CREATE TABLE search_words (word text PRIMARY KEY);
CREATE INDEX search_words_trgm ON search_words USING gin (word public.gin_trgm_ops);

-- Search events for the funnel (种草: searched a product): one row per search served, one per result clicked.
CREATE TABLE search_events (
  id        text PRIMARY KEY,
  q         text NOT NULL CHECK (char_length(q) <= 256),
  type      text NOT NULL,
  user_id   text,
  results   integer NOT NULL,
  at        timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX search_events_at ON search_events (at);
CREATE TABLE search_clicks (
  search_id  text NOT NULL REFERENCES search_events (id) ON DELETE CASCADE,
  kind       text NOT NULL CHECK (kind IN ('product', 'creator', 'room', 'clip')),
  result_id  text NOT NULL,
  position   integer NOT NULL CHECK (position >= 0),
  user_id    text,
  at         timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- One click per result of a search: a repeated click changes nothing (bounded per search by the page sizes).
  PRIMARY KEY (search_id, kind, result_id)
);

-- Who follows which creator (FOLLOWS_PER_USER per user, counted under the follower's advisory lock).
CREATE TABLE follows (
  user_id     text NOT NULL,
  creator_id  text NOT NULL CHECK (creator_id <> user_id),
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (user_id, creator_id)
);
-- Fan-out pages a creator's followers by user id.
CREATE INDEX follows_creator ON follows (creator_id, user_id);

-- In-app notices, at most NOTICES_PER_USER per user (the fan-out trims the oldest). `id` is the event's (one per room
-- and kind), the same for every follower, so a retried fan-out batch inserts nothing twice.
CREATE TABLE notices (
  user_id     text NOT NULL,
  id          text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('live.scheduled', 'live.started')),
  creator_id  text NOT NULL,
  room_id     text NOT NULL,
  body        jsonb NOT NULL,
  at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  read_at     timestamptz,
  PRIMARY KEY (user_id, id)
);
CREATE INDEX notices_user_at ON notices (user_id, at DESC, id DESC);

-- Down Migration
DROP TABLE notices, follows, search_clicks, search_events, search_words, search_rooms, search_creators, search_products;
