-- Up Migration
-- Issue 18, items 2 and 5 (docs/replay.md): recordings expire after RECORDING_RETENTION_DAYS, media counts against a
-- per-agency quota, and the shopping timeline records price changes. server/recording owns these tables.

-- When the retention job deleted the recording's media. The row stays (who recorded what, for how long; clips may
-- refer to it); the API answers NOT_FOUND for it and its timeline is deleted with the media.
ALTER TABLE recordings ADD COLUMN expired_at timestamptz;
CREATE INDEX recordings_expiring ON recordings (ended_at) WHERE status <> 'recording' AND expired_at IS NULL;
-- The quota's sum: media still stored, by owner (the agency, or the creator of a room without one).
CREATE INDEX recordings_stored_by_owner ON recordings ((coalesce(agency_id, 'creator:' || creator_id))) WHERE expired_at IS NULL;

ALTER TABLE recording_events DROP CONSTRAINT recording_events_kind_check;
ALTER TABLE recording_events ADD CONSTRAINT recording_events_kind_check
  CHECK (kind IN ('pin', 'unpin', 'sale_start', 'sale_end', 'sold_out', 'chat', 'gap', 'price_change'));

-- Down Migration
DELETE FROM recording_events WHERE kind = 'price_change';
ALTER TABLE recording_events DROP CONSTRAINT recording_events_kind_check;
ALTER TABLE recording_events ADD CONSTRAINT recording_events_kind_check
  CHECK (kind IN ('pin', 'unpin', 'sale_start', 'sale_end', 'sold_out', 'chat', 'gap'));
DROP INDEX recordings_stored_by_owner;
DROP INDEX recordings_expiring;
ALTER TABLE recordings DROP COLUMN expired_at;
