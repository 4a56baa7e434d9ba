
namespace Lamin.Core.Services;

/// <summary>
/// How Move-LaminStorage frees its source: with -RemoveSource each moved object is deleted through the gate, only
/// while it is the object the move verified (issue 25), the old marker last; a run killed after the switch is
/// finished here (each object compared with the destination first).
/// </summary>
internal sealed class MoveSourceRemoval(LaminContext context, StorageService storages)
{
    /// <summary>
    /// Deletes the moved objects at the source (each verified at the destination by the caller), except
    /// those a live artifact of another record with the source root holds (rule 1, <see cref="ObjectUsage"/>):
    /// they are kept with a warning. Returns false when a delete failed: the marker then stays, so that a
    /// re-run with the old root finds the job and finishes it.
    /// </summary>
    public bool RemoveSource(MovePlan plan, IStorageProvider src, IReadOnlyCollection<string> verified, IReadOnlyDictionary<string, ObjectVersion?> versions, Action<string> warn)
    {
        // The old root as no record has it any more: what other records at that root hold.
        var oldRoot = new LaminStorage { Id = 0, Root = plan.Source.Root, Type = plan.Source.Type };
        var scope = new GateScope("Move-LaminStorage");
        var checks = context.Registry.Read(s => verified
            .Select(k =>
            {
                var users = ObjectUsage.Users(s, oldRoot, k, isFolder: false);
                if (users.Count > 0) return (Key: k, Permit: (Gate.Permit?)null, Why: $"artifact {ObjectUsage.Describe(users)} of another storage record with this root includes it");
                // SPEC §10 rule 12: the gate (a nested location's artifacts, hidden rows, control files).
                var permit = Gate.TryCheck(s, plan.Source, k, false, scope, out var refusal);
                return (Key: k, Permit: permit, Why: refusal?.Message ?? "");
            })
            .ToDictionary(x => x.Key, x => (x.Permit, x.Why), StringComparer.Ordinal));
        bool failed = false;
        foreach (var key in verified)
        {
            if (checks[key].Permit is not { } permit)
            {
                warn($"kept {src.PathOf(plan.Source, key)}: {checks[key].Why}");
                continue;
            }
            // Issue 25: only the object the move verified (its identity then); one written since is kept (FileChanged).
            if (versions.GetValueOrDefault(key) is not { } version)
            {
                failed = true;
                warn($"kept {src.PathOf(plan.Source, key)}: it was not there when the move read the source, so it is not what the move verified");
                continue;
            }
            try { Gate.Delete(permit.Expecting(version)); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException)
            {
                failed = true;
                warn(e is LaminException { ErrorId: ErrorIds.FileChanged } ? $"{ErrorIds.FileChanged}: {e.Message}" : $"kept {src.PathOf(plan.Source, key)}: {e.Message}");
            }
        }
        if (plan.Source.IsLocal)
            foreach (var key in verified) LocalStorageProvider.PruneEmptyParents(plan.Source, key);
        if (failed)
            warn($"the source {plan.Source.Root} was not fully removed; run Move-LaminStorage '{plan.Source.Root}' '{plan.Destination.Root}' -RemoveSource again to finish.");
        return !failed;
    }

    /// <summary>
    /// Finishes a -RemoveSource run that was killed after the switch: each object left at the old root is
    /// deleted only when the destination holds the same bytes (md5 compared, never the size alone); the
    /// marker goes only when nothing is left unverified. The killed run's lease is taken over once its
    /// holder is gone.
    /// </summary>
    public LaminStorage FinishRemoval(MovePlan plan, Action<string> warn, CancellationToken cancel)
    {
        var src = StorageProviders.For(plan.Source);
        var dst = StorageProviders.For(plan.Destination);
        bool complete;
        using (Lease.Acquire(plan.Destination, context.User, "Move-LaminStorage"))
        using (Lease.Acquire(plan.Source, context.User, "Move-LaminStorage"))
        {
            var there = dst.ListHashed(plan.Destination, "").ToDictionary(o => o.Object.Key, StringComparer.Ordinal);
            var verified = new List<string>();
            var versions = new Dictionary<string, ObjectVersion?>(StringComparer.Ordinal);
            complete = true;
            foreach (var item in plan.Items.DistinctBy(i => i.Key))
            {
                // Issue 25: the identity before the comparison reads it; the delete happens only while the object still has it.
                versions[item.Key] = src.Version(plan.Source, item.Key);
                if (there.TryGetValue(item.Key, out var d) && MoveDestination.SameContent(plan, src, dst, item, d, cancel) is not null) verified.Add(item.Key);
                else
                {
                    complete = false;
                    warn($"kept {src.PathOf(plan.Source, item.Key)}: the destination does not hold the same bytes at {dst.PathOf(plan.Destination, item.Key)}");
                }
            }
            complete = RemoveSource(plan, src, verified, versions, warn) && complete;
        }
        if (complete)
        {
            // The notes of the run(s) this finishes (issue 25), then the old marker.
            foreach (var note in MoveJournal.FindRemovals(plan.Destination, plan.Storage.Uid, plan.Source.Root, staleOnly: false))
                RetireRemovalNote(plan, note.NoteKey, warn);
            FreeSource(plan, src, removed: true, warn);
        }
        return context.Registry.Read(s => storages.Decorate(s.Storages.FindById(plan.Storage.Id), new AccessPolicy(s, context.User)));
    }

    /// <summary>The removal finished: its note at the new root goes (before the old marker: a note never outlives the removal it reports).</summary>
    public static void RetireRemovalNote(MovePlan plan, string noteKey, Action<string> warn)
    {
        try { MoveJournal.RetireRemoval(plan.Destination, noteKey); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException) { warn($"could not remove the move's removal note {noteKey} at {plan.Destination.Root}: {e.Message}"); }
    }

    /// <summary>Frees the old root for other instances: its marker goes; after -RemoveSource also .lamindb/ and the root when empty.</summary>
    public static void FreeSource(MovePlan plan, IStorageProvider src, bool removed, Action<string> warn)
    {
        try
        {
            Gate.RetireMarker(plan.Source);
            if (removed) src.RemoveEmptyFolders(plan.Source);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException) { warn($"could not remove the old marker at {plan.Source.Root}: {e.Message}"); }
    }

}
