using Lamin.Core.Artifacts;
using Lamin.Core.Errors;
using Lamin.Core.Hashing;
using Lamin.Core.Model;
using Lamin.Core.Roots;
using Lamin.Core.Safety;
using Lamin.Core.Storage;

namespace Lamin.Core.Services;

/// <summary>One object to move: its key (relative to the root), size and, for a file artifact, the recorded hash.</summary>
public sealed record MoveItem(string Key, long Size, LaminArtifact Artifact, bool IsMember);

/// <summary>The plan of Move-LaminStorage: what moves where, before anything is written.</summary>
public sealed class MovePlan
{
    public required LaminStorage Storage { get; init; }
    public required StorageRoot Source { get; init; }
    public required StorageRoot Destination { get; init; }
    public required string? Region { get; init; }
    public required IReadOnlyList<MoveItem> Items { get; init; }
    public required IReadOnlyList<LaminArtifact> Artifacts { get; init; }
    /// <summary>
    /// The record already points at <see cref="Destination"/>: a -RemoveSource run was interrupted after the
    /// switch, and this plan only removes what is left at <see cref="Source"/> (verified at the destination first).
    /// </summary>
    public bool Finishing { get; init; }
    public int Objects => Items.Count;
    public long Bytes => Items.Sum(i => i.Size);
    public override string ToString() => Finishing
        ? $"finish an interrupted move: remove {Objects} object(s), {Bytes} bytes left at {Source.Root} (already moved to {Destination.Root})"
        : $"{Objects} object(s), {Bytes} bytes of {Artifacts.Count} artifact(s) from {Source.Root} to {Destination.Root}";
}

/// <summary>
/// Move-LaminStorage (beyond LaminDB): relocates a whole location: plan, copy every object (skipping
/// what a previous run already copied and verified), verify sizes and hashes, write the marker at the
/// destination, rewrite the record in one registry transaction, and free the source: with -RemoveSource
/// its objects first and its marker last, so that a run killed after the switch is finished by running
/// it again (the marker still names the location). The storage uid, artifact uids and keys do not change.
/// SPEC §10 rule 5: nothing at the destination is overwritten; rule 1: no source object another live
/// artifact holds is deleted.
/// </summary>
public sealed class RelocationService(LaminContext context)
{
    private readonly StorageService _storages = new(context);

    public MovePlan Plan(string identity, string destination, bool removeSource = false) => context.Registry.Read(s =>
    {
        var access = new AccessPolicy(s, context.User);
        if (removeSource && UnfinishedRemoval(s, access, identity, destination) is { } finishing) return finishing;
        var st = _storages.ResolveForChange(s, access, identity);
        if (!st.IsManaged)
            throw new LaminException(ErrorIds.StorageReadOnly, $"{st.Root} is not managed by this instance; only its owner can move it.", identity);
        // SPEC §7 and §10: a move takes every artifact's bytes along; one the user can't see would be left behind.
        if (s.HidesArtifactsIn(st.Id))
            throw new LaminException(ErrorIds.AccessDenied,
                $"User '{access.User}' can't move {st.Root}: it holds artifacts in a space the user has no access to. " +
                "Only a user who sees all of them (the instance admin) can move it; nothing was moved.", identity);
        var source = StorageRoot.Parse(st.Root, "/");
        var dest = StorageRoot.Parse(destination, context.CurrentDirectory);
        if (!dest.IsLocal && !dest.IsCloud)
            throw new LaminException(ErrorIds.InvalidDestination, $"Lamin can't write to {dest.Type}:// roots; move to a local folder, s3:// or gs://.", destination);
        if (dest.Root == source.Root)
            throw new LaminException(ErrorIds.InvalidDestination,
                $"{dest.Root} is the location itself. If a Move-LaminStorage -RemoveSource to it was interrupted, run it again with the old root as -Identity: it removes what is left there.", destination);
        if (Contains(source, dest))
            throw new LaminException(ErrorIds.InvalidDestination, $"{dest.Root} is inside {source.Root}; a location can't move into itself.", destination);
        if (s.Storages.FindAll().FirstOrDefault(x => x.Root == dest.Root) is { } taken)
            throw new LaminException(ErrorIds.DestinationRegistered,
                $"{dest.Root} is already registered (uid {taken.Uid}); move to a root no location uses.", destination);
        if (source.IsLocal && Path.GetDirectoryName(s.RegistryPath) == Path.Combine(source.Root, Marker.ManagedFolder))
            throw new LaminException(ErrorIds.StorageHoldsRegistry,
                $"{st.Root} holds this instance's registry ({s.RegistryPath}); moving it would move the registry. Copy the folder while no Lamin command runs, then Connect-LaminInstance -Path <new root>.", identity);
        var artifacts = s.ArtifactsInStorage(st.Id).ToList();
        var provider = StorageProviders.For(source);
        var items = new List<MoveItem>();
        foreach (var a in artifacts.DistinctBy(a => a.StorageKey()))
        {
            var key = a.StorageKey();
            if (a.NFiles is null) items.Add(new MoveItem(key, a.Size, a, false));
            else items.AddRange(provider.List(source, key).Where(o => o.Key != key).Select(o => new MoveItem(o.Key, o.Size, a, true)));
        }
        // SPEC §11: keys the destination's file system can't store (KeyNotPortable) or tell apart (KeyCollision), before anything is copied.
        LocationRules.RequireStorable(dest, items.Select(i => i.Key));
        var region = dest.Type == "s3" ? StorageProviders.For(dest).DetectRegion(dest) : null;
        return new MovePlan { Storage = st, Source = source, Destination = dest, Region = region, Items = items, Artifacts = artifacts };
    });

    /// <summary>
    /// A -RemoveSource run killed after the registry switch: <paramref name="identity"/> names a root no record
    /// has any more, whose marker still names the location that now sits at <paramref name="destination"/>.
    /// </summary>
    private MovePlan? UnfinishedRemoval(Registry.IRegistrySession s, AccessPolicy access, string identity, string destination)
    {
        if (!(identity.Contains('/') || identity.Contains('\\') || identity.StartsWith('~') || identity.StartsWith('.'))) return null;
        StorageRoot old, dest;
        try { old = StorageRoot.Parse(identity, context.CurrentDirectory); dest = StorageRoot.Parse(destination, context.CurrentDirectory); }
        catch (LaminException) { return null; }
        if ((!old.IsLocal && !old.IsCloud) || old.Root == dest.Root) return null;
        var all = s.Storages.FindAll().ToList();
        if (all.Any(x => x.Root == old.Root) || all.FirstOrDefault(x => x.Root == dest.Root) is not { } current) return null;
        var provider = StorageProviders.For(old);
        MarkerInfo marker;
        try { marker = provider.ReadMarker(old); }
        catch (Exception e) when (e is LaminException or IOException or UnauthorizedAccessException) { return null; }
        if (!marker.Exists || marker.StorageUid != current.Uid) return null;
        var st = _storages.ResolveForChange(s, access, current.Uid);
        var artifacts = s.ArtifactsInStorage(st.Id).ToList();
        var items = new List<MoveItem>();
        foreach (var a in artifacts.DistinctBy(a => a.StorageKey()))
        {
            var key = a.StorageKey();
            items.AddRange(provider.List(old, key).Where(o => a.NFiles is null ? o.Key == key : o.Key != key).Select(o => new MoveItem(o.Key, o.Size, a, a.NFiles is not null)));
        }
        return new MovePlan { Storage = st, Source = old, Destination = dest, Region = st.Region, Items = items, Artifacts = artifacts, Finishing = true };
    }

    private static bool Contains(StorageRoot outer, StorageRoot inner) =>
        outer.Type == inner.Type && outer.EndpointUrl == inner.EndpointUrl && (outer.IsLocal
            ? LocalPaths.IsUnder(inner.Root, outer.Root)
            : outer.Bucket == inner.Bucket && (outer.Prefix is null || (inner.Prefix ?? "").StartsWith(outer.Prefix + "/", StringComparison.Ordinal) || inner.Prefix == outer.Prefix));

    public LaminStorage Execute(MovePlan plan, bool removeSource, Action<string> warn, ITransferProgress? progress, CancellationToken cancel)
    {
        context.RequireWritableRegistry(); // before the lease and the journal are written (issue 28)
        if (plan.Finishing) return FinishRemoval(plan, warn, cancel);
        var src = StorageProviders.For(plan.Source);
        var dst = StorageProviders.For(plan.Destination);
        using var lease = Lease.Acquire(plan.Source, context.User, "Move-LaminStorage");
        // Every object already at the destination is checked before anything is copied (rule 5).
        var keys = plan.Items.Select(i => i.Key).Distinct(StringComparer.Ordinal).ToList();
        // Issue 25: each source object as it is before anything reads it; -RemoveSource deletes it only while it still is
        // (an object another client writes after this is kept: its copy was verified against what was read here).
        var versions = removeSource ? SourceVersions(plan, src, keys, cancel) : null;
        // SPEC §10 rule 17: copies a refused or killed move left there go first (its own are kept and verified below).
        MoveJournal.CleanBeforeMove(context, plan.Storage.Uid, plan.Source, plan.Destination, o => Reusable(plan, src, dst, o, cancel), warn);
        var reused = CheckDestination(plan, src, dst, cancel);
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
        bool complete = !removeSource || RemoveSource(plan, src, keys, versions!, warn);
        lease.Dispose(); // the old root's lease goes before its marker and folders
        if (complete && removeSource) RetireRemovalNote(plan, journal.Key + MoveJournal.RemovalSuffix, warn);
        if (complete) FreeSource(plan, src, removeSource, warn);
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

    /// <summary>The removal finished: its note at the new root goes (before the old marker: a note never outlives the removal it reports).</summary>
    private static void RetireRemovalNote(MovePlan plan, string noteKey, Action<string> warn)
    {
        try { MoveJournal.RetireRemoval(plan.Destination, noteKey); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException) { warn($"could not remove the move's removal note {noteKey} at {plan.Destination.Root}: {e.Message}"); }
    }

    /// <summary>Frees the old root for other instances: its marker goes; after -RemoveSource also .lamindb/ and the root when empty.</summary>
    private static void FreeSource(MovePlan plan, IStorageProvider src, bool removed, Action<string> warn)
    {
        try
        {
            Gate.RetireMarker(plan.Source);
            if (removed) src.RemoveEmptyFolders(plan.Source);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException) { warn($"could not remove the old marker at {plan.Source.Root}: {e.Message}"); }
    }

    /// <summary>
    /// Deletes the moved objects at the source (each verified at the destination by the caller), except
    /// those a live artifact of another record with the source root holds (rule 1, <see cref="ObjectUsage"/>):
    /// they are kept with a warning. Returns false when a delete failed: the marker then stays, so that a
    /// re-run with the old root finds the job and finishes it.
    /// </summary>
    private bool RemoveSource(MovePlan plan, IStorageProvider src, IReadOnlyCollection<string> verified, IReadOnlyDictionary<string, ObjectVersion?> versions, Action<string> warn)
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
    private LaminStorage FinishRemoval(MovePlan plan, Action<string> warn, CancellationToken cancel)
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
                if (there.TryGetValue(item.Key, out var d) && SameContent(plan, src, dst, item, d, cancel) is not null) verified.Add(item.Key);
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
        return context.Registry.Read(s => _storages.Decorate(s.Storages.FindById(plan.Storage.Id), new AccessPolicy(s, context.User)));
    }

    private static LaminException Changed(MovePlan plan, LaminArtifact a, string found) =>
        new(ErrorIds.HashMismatch,
            $"{a.Uid} ({a.Key ?? a.StorageKey()}) changed under the move: its data hashes to {found}, its record says {a.Hash}. " +
            $"Nothing was switched; the location stays at {plan.Source.Root}. Check it with Test-LaminArtifact -Identity {a.Uid} -Hash.", a.Uid);

    /// <summary>
    /// SPEC §10 rule 5, on every kind of destination: the destination may hold only our own marker, a
    /// lease, a move's journal (<see cref="MoveJournal"/>), temporaries of an interrupted transfer, and objects at this move's keys with the same
    /// content as the source (what an interrupted run of the same move left: md5 compared, the source
    /// hashed here, the destination by its S3 ETag / GCS md5Hash or its bytes). Anything else →
    /// DestinationNotEmpty naming it, before anything is copied. Returns the reused objects with the
    /// source's hash (md5 / sha1-fl, as a copy would have computed it).
    /// </summary>
    private static Dictionary<string, HashResult> CheckDestination(MovePlan plan, IStorageProvider src, IStorageProvider dst, CancellationToken cancel)
    {
        var marker = dst.ReadMarker(plan.Destination);
        if (marker.Exists && marker.StorageUid != plan.Storage.Uid)
            throw new LaminException(ErrorIds.StorageManagedElsewhere,
                $"{plan.Destination.Root} is marked by storage {marker.StorageUid} (instance {marker.InstanceUid ?? "unknown"}); it belongs to another location.", plan.Destination.Root);
        var items = plan.Items.DistinctBy(i => i.Key).ToDictionary(i => i.Key, StringComparer.Ordinal);
        var conflicts = new List<string>();
        var reused = new Dictionary<string, HashResult>(StringComparer.Ordinal);
        foreach (var there in dst.ListHashed(plan.Destination, ""))
        {
            var key = there.Object.Key;
            if (key == Marker.RelativeKey || Lease.IsLeaseKey(key) || MoveJournal.IsJournalKey(key)
                || key.StartsWith(ArtifactKeys.AutoPrefix + LocalStorageProvider.TempPrefix, StringComparison.Ordinal)) continue;
            if (!items.TryGetValue(key, out var item)) { conflicts.Add($"{dst.PathOf(plan.Destination, key)} (not part of this location)"); continue; }
            if (SameContent(plan, src, dst, item, there, cancel) is { } hash) reused[key] = hash;
            else conflicts.Add($"{dst.PathOf(plan.Destination, key)} (differs from {src.PathOf(plan.Source, key)})");
            cancel.ThrowIfCancellationRequested();
        }
        if (conflicts.Count > 0)
            throw new LaminException(ErrorIds.DestinationNotEmpty,
                $"{plan.Destination.Root} is not empty: {string.Join(", ", conflicts.Take(5))}{(conflicts.Count > 5 ? $" and {conflicts.Count - 5} more" : "")}. " +
                "Nothing was copied or overwritten; move to an empty root, or remove these objects first.", plan.Destination.Root);
        return reused;
    }

    /// <summary>A copy a stopped run of this move left: reused when it is at one of this move's keys with the source's bytes (rule 5).</summary>
    private static bool Reusable(MovePlan plan, IStorageProvider src, IStorageProvider dst, StoredObject there, CancellationToken cancel) =>
        plan.Items.FirstOrDefault(i => i.Key == there.Key) is { } item && SameContent(plan, src, dst, item, (there, null), cancel) is not null;

    /// <summary>
    /// The source's hash (md5 or sha1-fl, as copying computes it) when the destination object holds the
    /// same bytes as the source object (full md5 on both sides; never the size alone), else null.
    /// </summary>
    private static HashResult? SameContent(MovePlan plan, IStorageProvider src, IStorageProvider dst, MoveItem item,
        (StoredObject Object, HashResult? Hash) there, CancellationToken cancel)
    {
        if (there.Object.Size != item.Size) return null;
        try
        {
            var (lamin, md5) = ObjectHashes.LaminAndMd5(src, plan.Source, item.Key, item.Size, cancel);
            // S3 single-part ETag / GCS md5Hash first; else (multipart ETag, SSE, local files) the bytes.
            if (there.Hash is { HashType: LaminHash.Md5 } meta && meta.Hash == md5) return lamin;
            return ObjectHashes.LaminAndMd5(dst, plan.Destination, item.Key, item.Size, cancel).Md5 == md5 ? lamin : null;
        }
        catch (Exception e) when (e is IOException or LaminException or InvalidDataException or UnauthorizedAccessException) { return null; }
    }

    private static HashResult Copy(MovePlan plan, IStorageProvider src, IStorageProvider dst, MoveItem item, CancellationToken cancel)
    {
        // Nothing is at this key (CheckDestination): a local writer renames into place, a cloud one uploads to the key.
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
