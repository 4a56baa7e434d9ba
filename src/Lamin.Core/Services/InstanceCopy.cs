using Lamin.Core.Registry.Postgres;
using Lamin.Core.Settings;

namespace Lamin.Core.Services;

/// <summary>
/// Copy-LaminInstance: a LiteDB instance copied into a new team instance on PostgreSQL in phases (the source marked
/// as moving, the destination committed, the source retired), each phase settled again by a rerun or by the next
/// write on the source (<see cref="InstanceMove"/>). <see cref="InstanceService.CopyTo"/> is the entry point.
/// </summary>
internal sealed class InstanceCopy(LaminContext context)
{
    public PostgresRegistry.CopyCounts CopyTo(PostgresConnection destination, bool dryRun, Action<string, long, long>? progress)
    {
        var entry = context.Instance;
        if (entry.IsPostgres)
            throw new LaminException(ErrorIds.InvalidArgument,
                $"The instance '{entry.Name}' is already a team instance ({entry.Database}); Copy-LaminInstance copies a LiteDB instance.", entry.Name);
        var source = new LaminRegistry(entry.RegistryPath);
        void RequireAdmin(IRegistrySession s) =>
            new AccessPolicy(s, context.User).Require(AccessPolicy.AllSpaceId, SpaceRole.Admin, entry.Name, $"copy the instance '{entry.Name}'");
        LaminException Exists() => new(ErrorIds.InstanceExists,
            $"The database {destination.Redacted} already holds a Lamin registry; copy into an empty database.", destination.Redacted);
        if (dryRun)
        {
            return source.Read(s =>
            {
                RequireAdmin(s);
                var d = s.InstanceDocument;
                if (d.MovedTo != destination.Redacted) InstanceMove.RefuseIfRetired(d, entry.RegistryPath);
                // A copy stopped half-way is settled by the real run (the destination may hold it already).
                if (d.MovedTo is null && d.MovingTo is null)
                {
                    if (new PostgresRegistry(destination).Exists()) throw Exists();
                    CheckText(s);
                }
                return PostgresRegistry.Count(s);
            });
        }

        // Phase 1: settle an earlier copy's mark (its own commit), then check and mark the source (committed).
        var (state, earlier, counts) = source.WriteDuringMove(s =>
        {
            RequireAdmin(s);
            var d = s.InstanceDocument;
            if (d.MovedTo == destination.Redacted) return (CopyState.Done, d.MovedTo, PostgresRegistry.Count(s)); // retired; only this machine's settings were left
            InstanceMove.RefuseIfRetired(d, entry.RegistryPath);
            if (d.MovingTo is not { } marked) return (CopyState.Marked, null, null);
            var toThis = marked == destination.Redacted;
            return InstanceMove.Settle(s, d, toThis ? destination : null)
                ? (toThis ? CopyState.Done : CopyState.RetiredElsewhere, marked, PostgresRegistry.Count(s))
                : (CopyState.Marked, (string?)null, (PostgresRegistry.CopyCounts?)null);
        });
        if (state == CopyState.Marked)
            counts = source.WriteDuringMove(s =>
            {
                RequireAdmin(s);
                var d = s.InstanceDocument;
                InstanceMove.RefuseIfMoved(d, entry.RegistryPath); // another copy marked it in between
                if (new PostgresRegistry(destination).Exists()) throw Exists();
                CheckText(s);
                d.MovingTo = destination.Redacted;
                s.Instance.Update(d);
                return PostgresRegistry.Count(s);
            });
        if (state == CopyState.RetiredElsewhere)
            throw new LaminException(ErrorIds.InstanceMoved,
                $"An earlier Copy-LaminInstance of '{entry.Name}' into {earlier} had committed; it is finished now: the registry {entry.RegistryPath} is retired " +
                $"and nothing was copied to {destination.Redacted}. Connect to the moved instance with Connect-LaminInstance -Database '{earlier}'.", entry.RegistryPath);

        if (state == CopyState.Marked)
        {
            // Phase 2: the destination, in one transaction. The source's lock is held while it is read; the mark keeps writers out besides.
            try
            {
                counts = source.Read(s =>
                {
                    // Still this copy's mark: a writer that got the lock between the phases settled it (the database
                    // was empty then) and may have written since. The lock is held from here until the destination has
                    // committed, so nobody settles the mark under the copy; after that, settling it can only retire the source.
                    if (s.InstanceDocument.MovingTo != destination.Redacted)
                        throw new LaminException(ErrorIds.RegistryBusy,
                            $"Another command settled the move of '{entry.Name}' between the copy's phases; nothing was copied to {destination.Redacted}. " +
                            "Run Copy-LaminInstance again.", entry.Name);
                    return PostgresRegistry.Import(destination, s, progress);
                });
            }
            catch (Exception e) when (RegistryFailure.MayHaveCommitted(e))
            {
                throw new LaminException(ErrorIds.RegistryUnavailable,
                    $"The copy into {destination.Redacted} was committing when the connection was lost, and the server could not be asked afterwards: " +
                    $"whether the copy was committed is unknown. The registry {entry.RegistryPath} stays marked as moving and takes no writes. " +
                    $"When the server is back, run Copy-LaminInstance -Destination '{destination.Redacted}' again: it finishes the copy if it was committed, " +
                    "or takes the mark back and copies again if not.", destination.Redacted, e);
            }
            catch (Exception)
            {
                // This copy's transaction did not commit: the mark goes (the source is live again), unless the database holds the
                // instance after all (another copy of it won the race) or can't be asked (the mark stays, as after a lost answer).
                try
                {
                    source.WriteDuringMove(s =>
                    {
                        var d = s.InstanceDocument;
                        if (d.MovingTo != destination.Redacted || d.MovedTo is not null) return 0; // not this copy's mark (any more)
                        // Settled rather than cleared: a concurrent copy of this instance into the same database may have won.
                        InstanceMove.Settle(s, d, destination);
                        return 0;
                    });
                }
                catch (LaminException) { /* the mark stays; the next write or copy settles it. The first error is the one to report */ }
                throw;
            }
            Util.TestHooks.Pause("copy-retire"); // tests: the destination committed, the source not yet retired

            // Phase 3: retire the source.
            source.WriteDuringMove(s =>
            {
                var d = s.InstanceDocument;
                d.MovingTo = null;
                d.MovedTo = destination.Redacted;
                s.Instance.Update(d);
                return 0;
            });
        }
        entry.Backend = "PostgreSQL";
        entry.Database = destination.Redacted;
        entry.RegistryPath = "";
        context.Home.Save(entry);
        context.Home.CurrentName = entry.Name;
        return counts!;
    }

    private enum CopyState { Marked, Done, RetiredElsewhere }

    /// <summary>
    /// Every record of the source, page by page, against the registry's text rule (RegistryText): the first that
    /// breaks it is named (record and field) and the copy stops before it writes anything.
    /// </summary>
    private static void CheckText(IRegistrySession s)
    {
        CheckTable(s, s.Spaces, x => x.Id);
        CheckTable(s, s.SpaceAccess, x => x.Id);
        CheckTable(s, s.Storages, x => x.Id);
        CheckTable(s, s.Artifacts, x => x.Id);
        var doc = s.InstanceDocument;
        if (RegistryText.FindProblem(doc) is { } bad) throw Unstorable(s, doc, bad);

        static void CheckTable<T>(IRegistrySession s, IRecordTable<T> table, Func<T, int> id) where T : class
        {
            int last = int.MinValue;
            while (true)
            {
                var page = table.FindPage(last, 1000);
                if (page.Count == 0) return;
                foreach (var r in page)
                    if (RegistryText.FindProblem(r) is { } bad) throw Unstorable(s, r, bad);
                last = id(page[^1]);
                s.ReleaseReads();
            }
        }
    }

    private static LaminException Unstorable(IRegistrySession s, object record, (string Field, string Why) bad) =>
        new(ErrorIds.InvalidArgument,
            $"The {RegistryText.Describe(record)} in {s.Description} has {bad.Why} in its field {bad.Field}, which PostgreSQL can't store " +
            "(a Lamin registry refuses control characters other than tab and line breaks, and unpaired surrogates). Nothing was copied and the source is unchanged. " +
            "Correct that field (a description with Set-LaminArtifact or Set-LaminStorage -Description), or remove the record, then run Copy-LaminInstance again.",
            record is LaminArtifact a ? a.Uid : record is LaminStorage st ? st.Uid : null);

}
