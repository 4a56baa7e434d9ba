
namespace Lamin.Core.Registry.Postgres;

/// <summary>
/// Copy-LaminInstance into PostgreSQL: every record of a source registry written into a new registry, then read back
/// and compared, in one transaction that holds the write lock.
/// </summary>
internal static class PostgresCopy
{
    /// <summary>
    /// Copies every record of <paramref name="source"/> (same instance, ids, uids, keys, hashes, versions, trash
    /// state, spaces, grants) into a new registry in <paramref name="destination"/>, in ONE transaction that also
    /// holds the write lock: streamed in batches of multi-row INSERTs (memory flat in the number of records), each id
    /// sequence moved past the largest copied id, then every record read back and compared field by field before the
    /// commit. Any failure rolls it all back: the database is left without a registry, so a rerun starts clean. A
    /// database that already holds one → InstanceExists. <paramref name="progress"/>: (what, done, total).
    /// </summary>
    internal static PostgresRegistry.CopyCounts Import(PostgresConnection destination, IRegistrySession source, Action<string, long, long>? progress, int batch)
    {
        var registry = new PostgresRegistry(destination);
        var counts = PostgresRegistry.Count(source);
        try
        {
            using var c = registry.Open();
            PostgresSchema.Ensure(c, registry.Description);
            using var tx = PostgresWriteLock.Begin(c, out var xid);
            var s = new PostgresSession(c, tx, registry);
            // The copy keeps who created each record and the source's grants (Upgrade-2.sql: only the instance
            // admin, which the role that just created the schema is, may ask for that; for this transaction only).
            s.Execute("SET LOCAL lamin.import = 'on'");
            if (PostgresSchemaCheck.HasInstance(c, tx))
                throw new LaminException(ErrorIds.InstanceExists,
                    $"The database {registry.Description} already holds a Lamin registry; copy into an empty database.", registry.Description);
            var doc = source.InstanceDocument;
            s.InsertInstance(doc); // its default storage is checked at commit (a deferred foreign key)
            Copy(s.SpaceTable, source.Spaces, "spaces", counts.Spaces);
            Copy(s.GrantTable, source.SpaceAccess, "grants", counts.Grants);
            Copy(s.StorageTable, source.Storages, "storage locations", counts.Storages);
            Copy(s.ArtifactTable, source.Artifacts, "artifacts", counts.Artifacts);

            // Verify record by record before reporting success.
            var copied = s.InstanceDocument;
            if (copied.InstanceId != doc.InstanceId || copied.Uid != doc.Uid || copied.Name != doc.Name || copied.CreatedBy != doc.CreatedBy
                || copied.DefaultStorageUid != doc.DefaultStorageUid || copied.KeepArtifactsLocal != doc.KeepArtifactsLocal)
                throw Mismatch(registry, "the instance record");
            Verify(s.SpaceTable, source.Spaces, "spaces", counts.Spaces);
            Verify(s.GrantTable, source.SpaceAccess, "grants", counts.Grants);
            Verify(s.StorageTable, source.Storages, "storage locations", counts.Storages);
            Verify(s.ArtifactTable, source.Artifacts, "artifacts", counts.Artifacts);
            registry.Commit(tx, xid);
            RegistryChanges.Committed();
        }
        catch (Exception e) when (registry.Map(e) is { } mapped) { throw registry.AfterFailure(e, mapped); }
        PostgresSchemaCheck.Forget(destination);
        return counts;

        void Copy<T>(PgTable<T> into, IRecordTable<T> from, string what, long total) where T : class
        {
            var done = Pages(from, into, $"copying {what}", total, (_, page) => into.InsertWithIds(page));
            into.MoveSequence();
            if (done == 0) progress?.Invoke($"copying {what}", 0, total);
        }

        void Verify<T>(PgTable<T> copy, IRecordTable<T> from, string what, long total) where T : class =>
            Pages(from, copy, $"verifying {what}", total, (after, page) =>
            {
                var back = copy.FindPage(after, page.Count == 0 ? 1 : page.Count);
                if (back.Count < page.Count) throw Mismatch(registry, $"{what}: the copy has fewer records");
                if (page.Count == 0 && back.Count > 0) throw Mismatch(registry, $"{what}: the copy has more records");
                for (int i = 0; i < page.Count; i++)
                    if (copy.Fingerprint(back[i]) != copy.Fingerprint(page[i])) throw Mismatch(registry, $"{what}: the record with id {copy.IdOf(page[i])}");
            });

        // Both passes read the source a page at a time (one query per page, in id order) and let go of each page
        // before the next (source.ReleaseReads: LiteDB would otherwise keep every page its transaction read
        // until it ends): the memory of a copy is one page of records, whatever the number of records.
        // Ids are copied as they are, so nothing maps old ids to new ones. Each page, and last the empty one that
        // ends the table, goes to each with the id it follows. Returns the number of records read.
        long Pages<T>(IRecordTable<T> from, PgTable<T> table, string doing, long total, Action<int, List<T>> each) where T : class
        {
            int last = int.MinValue;
            long done = 0;
            while (true)
            {
                var page = from.FindPage(last, batch);
                each(last, page);
                if (page.Count == 0) return done;
                last = table.IdOf(page[^1]);
                done += page.Count;
                source.ReleaseReads();
                progress?.Invoke(doing, done, total);
            }
        }
    }

    private static LaminException Mismatch(PostgresRegistry registry, string what) =>
        new(ErrorIds.RegistryCorrupt, $"The copy in {registry.Description} does not match its source ({what}); nothing was kept there and the source is unchanged.", registry.Description);
}
