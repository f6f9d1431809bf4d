-- Up Migration
-- Issue 18, item 5 (docs/replay.md, "Clips"): a deleted clip's files leave the media storage. The clip's row and its
-- entry here are one transaction, so once DELETE /api/clips/:id answers the clip is gone for good; its files are then
-- deleted (at once, and by each node's clip sweep while that fails: disk error, bucket unreachable). The entry goes when
-- the files are gone. server/recording owns the table.
CREATE TABLE clip_file_deletions (
  clip_id     text PRIMARY KEY,
  attempts    integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error  text CHECK (char_length(last_error) <= 500),
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX clip_file_deletions_due ON clip_file_deletions (updated_at);

-- Down Migration
DROP TABLE clip_file_deletions;
