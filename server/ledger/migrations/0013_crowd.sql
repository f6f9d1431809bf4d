-- Up Migration
-- Crowd assets, post-live reports and the viewer-event pipeline (issue 19, items 4, 5, 7; docs/centre-field.md,
-- "Crowd assets", "Report", "Pipeline"). Viewer events (join, leave and watch time, like, product click, follow,
-- search, visits with their traffic source) are summed in memory on each node and written in batches as upserts into
-- these aggregates: rows grow with people x days and rooms x minutes, never with taps. Money is never kept here: orders,
-- GMV and refunds are read from the ledger (orders), so the report equals it.

-- What one person did per day towards one creator, agency or shop (merchant): the facts the crowd stage is computed
-- from, with the ledger's paid orders. `sources`: the traffic sources they came through that day. `likes` counts the
-- nodes that saw the person like that day (a node writes only a person's first like of the day: a like matters to the
-- crowd as interest; the room's like totals are in room_minutes).
CREATE TABLE crowd_daily (
  scope_kind     text NOT NULL CHECK (scope_kind IN ('creator', 'agency', 'shop')),
  scope_id       text NOT NULL,
  day            date NOT NULL,
  user_id        text NOT NULL,
  watch_seconds  bigint NOT NULL DEFAULT 0 CHECK (watch_seconds >= 0),
  likes          integer NOT NULL DEFAULT 0 CHECK (likes >= 0),
  clicks         integer NOT NULL DEFAULT 0 CHECK (clicks >= 0),
  follows        integer NOT NULL DEFAULT 0 CHECK (follows >= 0),
  searches       integer NOT NULL DEFAULT 0 CHECK (searches >= 0),
  visits         integer NOT NULL DEFAULT 0 CHECK (visits >= 0),
  sources        text[] NOT NULL DEFAULT '{}',
  PRIMARY KEY (scope_kind, scope_id, day, user_id)
);
-- Erasure finds a person's rows.
CREATE INDEX crowd_daily_user ON crowd_daily (user_id);

-- One row per person who joined a room: the report's viewers, watch time, product clicks and traffic sources.
CREATE TABLE room_viewers (
  room_id        text NOT NULL,
  user_id        text NOT NULL,
  first_at       timestamptz NOT NULL,
  watch_seconds  bigint NOT NULL DEFAULT 0 CHECK (watch_seconds >= 0),
  clicks         integer NOT NULL DEFAULT 0 CHECK (clicks >= 0),
  -- How they came in: 'live' unless a visit named another source (search, follow_notice, storefront...).
  source         text NOT NULL,
  PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_viewers_user ON room_viewers (user_id);

-- Per room, minute and node: the most connections the node held in the room during the minute, its joins, likes and
-- clicks. The room's concurrent viewers in a minute are the sum over nodes.
CREATE TABLE room_minutes (
  room_id  text NOT NULL,
  minute   timestamptz NOT NULL,
  node_id  text NOT NULL,
  viewers  integer NOT NULL DEFAULT 0 CHECK (viewers >= 0),
  joins    integer NOT NULL DEFAULT 0 CHECK (joins >= 0),
  likes    integer NOT NULL DEFAULT 0 CHECK (likes >= 0),
  clicks   integer NOT NULL DEFAULT 0 CHECK (clicks >= 0),
  PRIMARY KEY (room_id, minute, node_id)
);

-- Rooms and their creator and agency (written when a room is scheduled or goes live): orders of a room's own product
-- carry no creator (orders.creator_id is set for shop products only), so a creator's crowd finds them by their room.
CREATE TABLE crowd_rooms (
  room_id     text PRIMARY KEY,
  creator_id  text NOT NULL,
  agency_id   text
);
CREATE INDEX crowd_rooms_creator ON crowd_rooms (creator_id);

-- Pin and flash-sale markers of the report's chart (the room pushes product:pinned and sale:started).
CREATE TABLE room_markers (
  id          bigserial PRIMARY KEY,
  room_id     text NOT NULL,
  at          timestamptz NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('pin', 'sale')),
  product_id  text
);
CREATE INDEX room_markers_room ON room_markers (room_id, at);

-- Deletion requests (crowd erasure): who asked, when, and the pseudonym their ledger rows now carry. The person's id
-- is kept only as a SHA-256 digest, so a repeated request is recognised without keeping who they were.
CREATE TABLE crowd_erasures (
  user_digest   text PRIMARY KEY,
  pseudonym     text NOT NULL UNIQUE,
  requested_by  text NOT NULL CHECK (requested_by IN ('self', 'admin')),
  at            timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Down Migration
DROP TABLE crowd_erasures, room_markers, crowd_rooms, room_minutes, room_viewers, crowd_daily;
