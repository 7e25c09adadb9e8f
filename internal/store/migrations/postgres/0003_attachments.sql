-- Upload URLs carry a random secret; the row keeps only its SHA-256 (hex),
-- cleared once the bytes are stored, which makes each URL single use.
ALTER TABLE attachments ADD COLUMN upload_token TEXT;
ALTER TABLE attachments ADD COLUMN thumbnail_token TEXT;
