-- Up Migration
-- Issue 17 (docs/uploads.md): uploaded product pictures. The files live on disk under UPLOADS_DIR, one per content hash
-- (the SHA-256 of the stripped bytes); this table says who uploaded which, for the per-user byte quota. Not money: it
-- lives in the ledger's database because that is the durable store every node shares; server/uploads owns it.
CREATE TABLE uploads (
  owner_id      text NOT NULL,
  sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  content_type  text NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
  bytes         integer NOT NULL CHECK (bytes > 0),
  width         integer NOT NULL CHECK (width > 0),
  height        integer NOT NULL CHECK (height > 0),
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- The same picture uploaded twice by one user is one row (and counts once against their quota).
  PRIMARY KEY (owner_id, sha256)
);

-- Down Migration
DROP TABLE uploads;
