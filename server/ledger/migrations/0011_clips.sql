-- Up Migration
-- Issue 18 (docs/replay.md, "Clips"): shoppable clips cut from recordings. Each has its own HLS files in the media
-- storage (under its own id), so it outlives its recording's retention: no foreign key to recordings on purpose.
-- server/recording owns the table.
CREATE TABLE clips (
  id              text PRIMARY KEY,
  recording_id    text NOT NULL,
  room_id         text NOT NULL,
  creator_id      text NOT NULL,
  agency_id       text,
  title           text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 100),
  start_ms        bigint NOT NULL CHECK (start_ms >= 0),
  end_ms          bigint NOT NULL,
  duration_ms     bigint NOT NULL DEFAULT 0 CHECK (duration_ms >= 0),
  status          text NOT NULL DEFAULT 'cutting' CHECK (status IN ('cutting', 'ready', 'failed')),
  failure_reason  text CHECK (char_length(failure_reason) <= 500),
  product_ids     text[] NOT NULL CHECK (cardinality(product_ids) BETWEEN 1 AND 5),
  published_at    timestamptz,
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT clips_range CHECK (end_ms > start_ms),
  CONSTRAINT clips_published_ready CHECK (published_at IS NULL OR status = 'ready')
);
CREATE INDEX clips_feed ON clips (created_at DESC) WHERE published_at IS NOT NULL;
CREATE INDEX clips_creator ON clips (creator_id, created_at DESC);
CREATE INDEX clips_agency ON clips (agency_id, created_at DESC) WHERE agency_id IS NOT NULL;
CREATE INDEX clips_cutting ON clips (updated_at) WHERE status = 'cutting';

-- Down Migration
DROP TABLE clips;
