using Lamin.Core.Hashing;

namespace Lamin.Core.Services;

/// <summary>
/// Move-LaminStorage (beyond LaminDB): relocates a whole location: plan, copy every object (skipping
/// what a previous run already copied and verified), verify sizes and hashes, write the marker at the
/// destination, rewrite the record in one registry transaction, and free the source: with -RemoveSource
/// its objects first and its marker last, so that a run killed after the switch is finished by running
/// it again (the marker still names the location). The storage uid, artifact uids and keys do not change.
/// SPEC §10 rule 5: nothing at the destination is overwritten; rule 1: no source object another live
/// artifact holds is deleted. The plan is <see cref="MovePlanner"/>'s, the destination's check
/// <see cref="MoveDestination"/>'s, freeing the source <see cref="MoveSourceRemoval"/>'s.
/// </summary>
public sealed class RelocationService(LaminContext context)
{
    private readonly StorageService _storages = new(context);

    private MoveSourceRemoval Removal => new(context, _storages);

    public MovePlan Plan(string identity, string destination, bool removeSource = false) =>
        new MovePlanner(context, _storages).Plan(identity, destination, removeSource);

    public LaminStorage Execute(MovePlan plan, bool removeSource, Action<string> warn, ITransferProgress? progress, CancellationToken cancel)
    {
        context.RequireWritableRegistry(); // before the lease and the journal are written (issue 28)
        if (plan.Finishing) return Removal.FinishRemoval(plan, warn, cancel);
        var src = StorageProviders.For(plan.Source);
        var dst = StorageProviders.For(plan.Destination);
        using var lease = Lease.Acquire(plan.Source, context.User, "Move-LaminStorage");
        // Every object already at the destination is checked before anything is copied (rule 5).
        var keys = plan.Items.Select(i => i.Key).Distinct(StringComparer.Ordinal).ToList();
        // Issue 25: each source object as it is before anything reads it; -RemoveSource deletes it only while it still is
        // (an object another client writes after this is kept: its copy was verified against what was read here).
        var versions = removeSource ? SourceVersions(plan, src, keys, cancel) : null;
        // SPEC §10 rule 17: copies a refused or killed move left there go first (its own are kept and verified below).
        MoveJournal.CleanBeforeMove(context, plan.Storage.Uid, plan.Source, plan.Destination, o => MoveDestination.Reusable(plan, src, dst, o, cancel), warn);
        var reused = MoveDestination.Check(plan, src, dst, cancel);
        using var journal = MoveJournal.Begin(plan.Storage.Uid, plan.Source, plan.Destination, plan.Items.DistinctBy(i => i.Key).Select(i => new MoveJournal.Entry(i.Key, i.Size)));
        var lastRenew = DateTime.UtcNow;
        var hashes = new Dictionary<string, HashResult>(reused, StringComparer.Ordinal);
        var toCopy = plan.Items.Where(i => !reused.ContainsKey(i.Key)).DistinctBy(i => i.Key).ToList();
        long bytesDone = plan.Items.DistinctBy(i => i.Key).Where(i => reused.ContainsKey(i.Key)).Sum(i => i.Size); int filesDone = 0;
        var copied = new HashResult[toCopy.Count];
        var done = new bool[toCopy.Count];
        // Transfers overlap (network latency, two cores); progress and the lease stay on this thread.
        int degree = plan.Source.IsLocal && plan.Destination.IsLocal ? 2 : 4;
        var work = Parallel.ForEachAsync(Enumerable.Range(0, toCopy.Count),
            new ParallelOptions { MaxDegreeOfParallelism = degree, CancellationToken = cancel },
            (i, ct) =>
            {
                copied[i] = Copy(plan, src, dst, toCopy[i], ct);
                Volatile.Write(ref done[i], true);
                Interlocked.Add(ref bytesDone, toCopy[i].Size);
                Interlocked.Increment(ref filesDone);
                return ValueTask.CompletedTask;
            });
        long reported = 0;
        progress?.FileStarted(plan.Source.Root, plan.Bytes);
        try
        {
            while (!work.Wait(250))
            {
                var now = Interlocked.Read(ref bytesDone);
                progress?.Bytes(now - reported);
                reported = now;
                if (DateTime.UtcNow - lastRenew > Lease.RenewalInterval) { lease.Renew(); lastRenew = DateTime.UtcNow; }
            }
        }
        catch (AggregateException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
        }
        finally
        {
            // What was written, by its hash: a later cleanup removes a copy only while it still is one (rule 17).
            try
            {
                journal.RecordCopies(Enumerable.Range(0, toCopy.Count).Where(i => Volatile.Read(ref done[i]))
                    .Select(i => new MoveJournal.Copied(toCopy[i].Key, toCopy[i].Size, copied[i].Hash, copied[i].HashType)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException)
            {
                warn($"could not list the finished copies beside the move's journal {journal.Key}: {e.Message}");
            }
        }
        for (int i = 0; i < toCopy.Count; i++) hashes[toCopy[i].Key] = copied[i];
        progress?.Bytes(Interlocked.Read(ref bytesDone) - reported);
        progress?.FileDone();

        var memberHashes = new Dictionary<int, List<string>>();
        foreach (var item in plan.Items)
        {
            var hash = hashes[item.Key];
            if (item.IsMember)
            {
                (memberHashes.TryGetValue(item.Artifact.Id, out var list) ? list : memberHashes[item.Artifact.Id] = []).Add(hash.Hash);
                continue;
            }
            if (item.Artifact.Hash is not null && item.Artifact.HashType == hash.HashType && hash.Hash != item.Artifact.Hash)
                throw Changed(plan, item.Artifact, hash.Hash);
        }
        foreach (var a in plan.Artifacts.Where(a => a.NFiles is > 0 && a.HashType == LaminHash.Md5Dir))
            if (memberHashes.TryGetValue(a.Id, out var folderHashes) && LaminHash.HashFolder(folderHashes).Hash != a.Hash)
                throw Changed(plan, a, LaminHash.HashFolder(folderHashes).Hash);

        // The destination becomes the location: its marker (same uid), then the record, in one transaction.
        var markerThere = dst.ReadMarker(plan.Destination);
        if (!markerThere.Exists)
        {
            var instance = context.Registry.Read(s => s.InstanceDocument);
            dst.WriteMarker(plan.Destination, Marker.Content(plan.Storage.Uid, instance.Name, instance.InstanceId, instance.Uid));
        }
        // Issue 25: the removal is pending from the switch on, durably (a note in the new root's .lamindb/): a killed run
        // is reported by Test-LaminStorage with the command that finishes it.
        if (removeSource) MoveJournal.BeginRemoval(journal, plan.Storage.Uid);
        LaminStorage moved;
        try { moved = Switch(plan); }
        catch (Exception) when (!markerThere.Exists)
        {
            // (A removal note stays beside the journal: if the record did switch it reports the pending removal; if not,
            // the journal's cleanup retires it with the journal.)
            // Not switched: the marker just written goes again (unless the record did switch and only the answer was
            // lost; the gate then finds the location there and keeps it). What stays is reported through the journal.
            try { context.Registry.Read(s => Gate.RetireStrayMarker(s, plan.Destination, plan.Storage.Uid, new GateScope("Move-LaminStorage"))); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException) { warn($"could not remove the marker written at {plan.Destination.Root}: {e.Message}"); }
            throw;
        }
        journal.Complete(warn); // the copies are the location's now
        if (removeSource) Util.TestHooks.Pause("move-storage-remove-source"); // tests overwrite or kill here (issue 25)
        // Every object was verified at the destination (copied with its hash checked, or found there with the same md5).
        bool complete = !removeSource || Removal.RemoveSource(plan, src, keys, versions!, warn);
        lease.Dispose(); // the old root's lease goes before its marker and folders
        if (complete && removeSource) MoveSourceRemoval.RetireRemovalNote(plan, journal.Key + MoveJournal.RemovalSuffix, warn);
        if (complete) MoveSourceRemoval.FreeSource(plan, src, removeSource, warn);
        return moved;
    }

    /// <summary>Every copy durable, then the record's root, type, region and generation in one transaction.</summary>
    private LaminStorage Switch(MovePlan plan)
    {
        if (plan.Destination.IsLocal) Durable.Barrier([], [plan.Destination.Root]); // rule 10: every copy durable before the switch
        return context.Registry.Write(s =>
        {
            var record = s.Storages.FindById(plan.Storage.Id)
                ?? throw new LaminException(ErrorIds.RecordNotFound, $"{plan.Storage.Root} was removed meanwhile; nothing was changed.", plan.Storage.Uid);
            var now = s.ArtifactsInStorage(record.Id).Select(a => (a.Id, a.Hash)).OrderBy(x => x.Id).ToList();
            var then = plan.Artifacts.Select(a => (a.Id, a.Hash)).OrderBy(x => x.Id).ToList();
            if (!now.SequenceEqual(then))
                throw new LaminException(ErrorIds.FileChanged,
                    $"Artifacts of {record.Root} were added, removed or changed during the move; the record is unchanged. Run Move-LaminStorage again to resume.", record.Uid);
            record.Root = plan.Destination.Root;
            // SPEC §10 rule 14: the fencing token moves with the root, in this transaction: a writer that staged
            // into the old root (or an older generation) is refused at its commit (StorageMoved).
            record.Generation++;
            record.Type = plan.Destination.Type;
            record.Region = plan.Region;
            if (!plan.Destination.IsLocal) record.Host = null;
            record.UpdatedAt = Util.Clock.UtcNow;
            s.Storages.Update(record);
            return _storages.Decorate(record, new AccessPolicy(s, context.User));
        });
    }

    /// <summary>
    /// The identity of each source object (size with ETag / generation / last-write time and inode) read before the move
    /// reads it; a missing one has none (it is never deleted: the copy would have failed).
    /// </summary>
    private static Dictionary<string, ObjectVersion?> SourceVersions(MovePlan plan, IStorageProvider src, IReadOnlyList<string> keys, CancellationToken cancel)
    {
        var versions = new ObjectVersion?[keys.Count];
        Parallel.For(0, keys.Count, new ParallelOptions { MaxDegreeOfParallelism = plan.Source.IsLocal ? 1 : 8, CancellationToken = cancel },
            i => versions[i] = src.Version(plan.Source, keys[i]));
        return Enumerable.Range(0, keys.Count).ToDictionary(i => keys[i], i => versions[i], StringComparer.Ordinal);
    }

    private static LaminException Changed(MovePlan plan, LaminArtifact a, string found) =>
        new(ErrorIds.HashMismatch,
            $"{a.Uid} ({a.Key ?? a.StorageKey()}) changed under the move: its data hashes to {found}, its record says {a.Hash}. " +
            $"Nothing was switched; the location stays at {plan.Source.Root}. Check it with Test-LaminArtifact -Identity {a.Uid} -Hash.", a.Uid);

    private static HashResult Copy(MovePlan plan, IStorageProvider src, IStorageProvider dst, MoveItem item, CancellationToken cancel)
    {
        // Nothing is at this key (MoveDestination.Check): a local writer renames into place, a cloud one uploads to the key.
        using var writer = dst.CreateWriter(plan.Destination, folder: false, item.Key, cancel);
        HashResult hash;
        // Two roots of one store (one S3 endpoint, GCS): the store copies, no byte passes through here (issue 15);
        // the copy is checked by its size and LaminDB's hash of it, compared with the record by the caller.
        if (writer is IServerSideCopy copier && copier.CanCopyFrom(plan.Source))
        {
            cancel.ThrowIfCancellationRequested();
            var a = item.Artifact;
            HashResult? expected = !item.IsMember && a.Hash is not null && a.HashType is LaminHash.Md5 or LaminHash.Sha1FirstLast ? new HashResult(a.Hash, a.HashType!) : null;
            hash = copier.CopyMemberFrom("", plan.Source, item.Key, item.Size, expected);
        }
        else
        {
            using var input = src.OpenRead(plan.Source, item.Key);
            using var output = writer.OpenMember("", item.Size);
            hash = DataCopier.CopyAndHash(input, item.Size, output, src.PathOf(plan.Source, item.Key), null, cancel);
        }
        writer.Commit(item.Key, replace: false);
        return hash;
    }
}
