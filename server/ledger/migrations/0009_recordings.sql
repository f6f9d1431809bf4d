-- Up Migration
-- Issue 18 (docs/replay.md): recordings of lives and their shopping timeline. Not money: they live in the ledger's
-- database because it is the durable store every node shares; server/recording owns both tables.

-- One row per recorded live. `gap_ms`: wall-clock time the creator's stream was away and the recording paused, so a
-- moment of the live is at offset `at - started_at - gap_ms` into the recording.
CREATE TABLE recordings (
  id              text PRIMARY KEY,
  room_id         text NOT NULL,
  creator_id      text NOT NULL,
  agency_id       text,
  status          text NOT NULL DEFAULT 'recording' CHECK (status IN ('recording', 'ready', 'failed')),
  started_at      timestamptz NOT NULL,
  ended_at        timestamptz,
  duration_ms     bigint NOT NULL DEFAULT 0 CHECK (duration_ms >= 0),
  bytes           bigint NOT NULL DEFAULT 0 CHECK (bytes >= 0),
  gap_ms          bigint NOT NULL DEFAULT 0 CHECK (gap_ms >= 0),
  failure_reason  text CHECK (char_length(failure_reason) <= 500),
  -- The recording node's heartbeat while recording: a row it stopped touching belongs to a node that died.
  updated_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT recordings_ended_when CHECK ((status = 'recording') = (ended_at IS NULL))
);
CREATE INDEX recordings_room ON recordings (room_id, started_at DESC);
CREATE INDEX recordings_creator ON recordings (creator_id, started_at DESC);
-- At most one recording in progress per room, whatever the nodes do.
CREATE UNIQUE INDEX recordings_one_active ON recordings (room_id) WHERE status = 'recording';
CREATE INDEX recordings_in_progress ON recordings (updated_at) WHERE status = 'recording';

-- The shopping timeline: what the live pushed (pin, unpin, sale start and end, sold out, chat), at its offset into the
-- recording. `data` is the push's payload as viewers got it.
CREATE TABLE recording_events (
  recording_id  text NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
  seq           bigserial,
  offset_ms     bigint NOT NULL CHECK (offset_ms >= 0),
  at            timestamptz NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('pin', 'unpin', 'sale_start', 'sale_end', 'sold_out', 'chat', 'gap')),
  product_id    text,
  data          jsonb NOT NULL,
  PRIMARY KEY (recording_id, seq)
);
CREATE INDEX recording_events_offset ON recording_events (recording_id, offset_ms, seq);

-- Down Migration
DROP TABLE recording_events, recordings;
