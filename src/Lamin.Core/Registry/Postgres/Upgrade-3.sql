-- Lamin registry on PostgreSQL, schema version 3: keys of any length the module accepts can be indexed.
--
-- Runs once per database after Upgrade-2.sql (a new registry) or on a version-2 registry (an upgrade),
-- inside the transaction PostgresSchema.Ensure holds under the registry's advisory lock.
--
-- A key may be 1024 characters (SPEC rule 20), up to about 3 KB in UTF-8, but a btree index entry must stay
-- under 2704 bytes: versions 1-2 indexed whole keys, so a long key of multi-byte characters was refused
-- ("index row size exceeds btree version 4 maximum"). Now:
--   - Lookups and prefix ranges seek _key_head / _real_key_head, the first 500 characters (at most 2000
--     bytes), stored with the row; every query also compares the whole key. A plain column, so its
--     ordinal comparisons stay leakproof and a role under row-level security seeks the index as the owner does.
--   - One latest version per (storage, key): the unique btree for keys up to 2000 bytes, as before, and a
--     hash exclusion constraint for longer ones (a hash index holds a hash code, whatever the key's length,
--     and compares whole keys on a match).
ALTER TABLE lamin.artifact
    ADD COLUMN _key_head text COLLATE "C" GENERATED ALWAYS AS (left(key, 500)) STORED,
    ADD COLUMN _real_key_head text COLLATE "C" GENERATED ALWAYS AS (left(_real_key, 500)) STORED;

DROP INDEX lamin.artifact_key_idx;
CREATE INDEX artifact_key_idx ON lamin.artifact (_key_head);
DROP INDEX lamin.artifact_real_key_idx;
CREATE INDEX artifact_real_key_idx ON lamin.artifact (_real_key_head) WHERE _real_key IS NOT NULL;

DROP INDEX lamin.artifact_latest_key;
CREATE UNIQUE INDEX artifact_latest_key ON lamin.artifact (storage_id, key)
    WHERE is_latest AND NOT is_trashed AND key IS NOT NULL AND octet_length(key) <= 2000;
ALTER TABLE lamin.artifact ADD CONSTRAINT artifact_latest_long_key
    EXCLUDE USING hash ((storage_id::text || '/' || key) WITH =)
    WHERE (is_latest AND NOT is_trashed AND key IS NOT NULL AND octet_length(key) > 2000);
