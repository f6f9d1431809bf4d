-- Up Migration
-- Issue 18: a recording's timeline offsets count from its media's first frame, not from when its recorder started.
-- Under load ffmpeg's first frame can land seconds (13 s measured) after the recorder started, and markers counted
-- from `started_at` then fell that much late against the video. `media_started_at` is when the first frame was taken
-- (the recorder learns it when the first segment lands); null until then, and for recordings made before this change,
-- whose offsets stay counted from `started_at`. `started_at` stays the row's start: the window in which a live's
-- moments belong to this recording.
ALTER TABLE recordings ADD COLUMN media_started_at timestamptz;

-- Down Migration
ALTER TABLE recordings DROP COLUMN media_started_at;
