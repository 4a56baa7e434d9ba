-- Lamin registry on PostgreSQL, schema version 4: a storage location carries a generation (SPEC §10 rule 14).
--
-- Runs once per database after Upgrade-3.sql (a new registry) or on a version-3 registry (an upgrade),
-- inside the transaction PostgresSchema.Ensure holds under the registry's advisory lock.
--
-- Move-LaminStorage adds one to a location's generation in the transaction that switches its root. A writer
-- (Add-LaminArtifact, Move-LaminArtifact, the lamin: drive) remembers the root and generation it staged its
-- bytes into, and its commit, under the registry's write lock, refuses (StorageMoved) when either changed:
-- its records never point at a root that does not hold its bytes. Existing locations start at 0; adding a
-- column with a constant default rewrites no row.
ALTER TABLE lamin.storage ADD COLUMN generation bigint NOT NULL DEFAULT 0 CHECK (generation >= 0);
COMMENT ON COLUMN lamin.storage.generation IS 'Fencing token: Move-LaminStorage adds one when it switches root; writers commit only against the generation they staged into';
