-- certbound schema, version 3, for the embedded SQLite store: the columns of
-- 003_signing_key_rotation.sql (ISO-8601 text, as every date of this dialect).
ALTER TABLE signing_keys ADD COLUMN activates_at text;
ALTER TABLE signing_keys ADD COLUMN retired_at text;
