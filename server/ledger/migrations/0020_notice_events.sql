-- Up Migration
-- Issue 19, notice fan-out to 1,000,000 followers within 60 s: what every follower's copy of a notice shares (kind,
-- creator, room, creator name, title, schedule) is stored once per event instead of once per follower. A follower's
-- row is now the user, the event id, when and whether read: about 40 % of the bytes (row, WAL) it was, which is what
-- limited the fan-out (bench:notices, docs/benchmarks.md). No foreign key from notices to notice_events on purpose:
-- its check would take a key-share lock on the one event row per follower (a million lock updates on one row).
CREATE TABLE notice_events (
  id          text PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('live.scheduled', 'live.started')),
  creator_id  text NOT NULL,
  room_id     text NOT NULL,
  body        jsonb NOT NULL,
  at          timestamptz NOT NULL
);
INSERT INTO notice_events (id, kind, creator_id, room_id, body, at)
  SELECT DISTINCT ON (id) id, kind, creator_id, room_id, body, at FROM notices ORDER BY id, at DESC;
ALTER TABLE notices DROP COLUMN kind, DROP COLUMN creator_id, DROP COLUMN room_id, DROP COLUMN body;

-- Down Migration
ALTER TABLE notices ADD COLUMN kind text, ADD COLUMN creator_id text, ADD COLUMN room_id text, ADD COLUMN body jsonb;
UPDATE notices n SET kind = e.kind, creator_id = e.creator_id, room_id = e.room_id, body = e.body
  FROM notice_events e WHERE e.id = n.id;
DELETE FROM notices WHERE kind IS NULL;
ALTER TABLE notices ALTER COLUMN kind SET NOT NULL, ALTER COLUMN creator_id SET NOT NULL, ALTER COLUMN room_id SET NOT NULL,
  ALTER COLUMN body SET NOT NULL, ADD CONSTRAINT notices_kind_check CHECK (kind IN ('live.scheduled', 'live.started'));
DROP TABLE notice_events;
