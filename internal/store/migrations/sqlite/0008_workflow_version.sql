-- A workflow's revision, raised by every save of the aggregate. On SQLite a
-- change is prepared on a read snapshot, off the single writer, and applied
-- only if the revision is still the one it read.
ALTER TABLE workflows ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
