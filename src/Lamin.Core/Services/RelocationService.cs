using Lamin.Core.Artifacts;
using Lamin.Core.Errors;
using Lamin.Core.Hashing;
using Lamin.Core.Model;
using Lamin.Core.Roots;
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
    public int Objects => Items.Count;
    public long Bytes => Items.Sum(i => i.Size);
    public override string ToString() =>
        $"{Objects} object(s), {Bytes} bytes of {Artifacts.Count} artifact(s) from {Source.Root} to {Destination.Root}";
}

/// <summary>
/// Move-LaminStorage (beyond LaminDB): relocates a whole location: plan, copy every object (skipping
/// what a previous run already copied and verified), verify sizes and hashes, write the marker at the
/// destination, rewrite the record in one registry transaction, free the source marker, and optionally
/// remove the source. The storage uid, artifact uids and keys do not change.
/// </summary>
public sealed class RelocationService(LaminContext context)
{
    private readonly StorageService _storages = new(context);

    public MovePlan Plan(string identity, string destination) => context.Registry.Read(s =>
    {
        var access = new AccessPolicy(s, context.User);
        var st = _storages.ResolveForChange(s, access, identity);
        if (!st.IsManaged)
            throw new LaminException(ErrorIds.StorageReadOnly, $"{st.Root} is not managed by this instance; only its owner can move it.", identity);
        var source = StorageRoot.Parse(st.Root, "/");
        var dest = StorageRoot.Parse(destination, context.CurrentDirectory);
        if (!dest.IsLocal && !dest.IsCloud)
            throw new LaminException(ErrorIds.InvalidDestination, $"Lamin can't write to {dest.Type}:// roots; move to a local folder, s3:// or gs://.", destination);
        if (dest.Root == source.Root)
            throw new LaminException(ErrorIds.InvalidDestination, $"{dest.Root} is the location itself.", destination);
        if (Contains(source, dest))
            throw new LaminException(ErrorIds.InvalidDestination, $"{dest.Root} is inside {source.Root}; a location can't move into itself.", destination);
        if (s.Storages.FindAll().FirstOrDefault(x => x.Root == dest.Root) is { } taken)
            throw new LaminException(ErrorIds.DestinationRegistered,
                $"{dest.Root} is already registered (uid {taken.Uid}); move to a root no location uses.", destination);
        if (source.IsLocal && Path.GetDirectoryName(s.Registry.Path) == Path.Combine(source.Root, Marker.ManagedFolder))
            throw new LaminException(ErrorIds.StorageHoldsRegistry,
                $"{st.Root} holds this instance's registry ({s.Registry.Path}); moving it would move the registry. Copy the folder while no Lamin command runs, then Connect-LaminInstance -Path <new root>.", identity);
        var artifacts = s.Artifacts.FindAll().Where(a => a.StorageId == st.Id).ToList();
        var provider = StorageProviders.For(source);
        var items = new List<MoveItem>();
        foreach (var a in artifacts.DistinctBy(a => a.StorageKey()))
        {
            var key = a.StorageKey();
            if (a.NFiles is null) items.Add(new MoveItem(key, a.Size, a, false));
            else items.AddRange(provider.List(source, key).Where(o => o.Key != key).Select(o => new MoveItem(o.Key, o.Size, a, true)));
        }
        var region = dest.Type == "s3" ? StorageProviders.For(dest).DetectRegion(dest) : null;
        return new MovePlan { Storage = st, Source = source, Destination = dest, Region = region, Items = items, Artifacts = artifacts };
    });

    private static bool Contains(StorageRoot outer, StorageRoot inner) =>
        outer.Type == inner.Type && outer.EndpointUrl == inner.EndpointUrl && (outer.IsLocal
            ? LocalPaths.IsUnder(inner.Root, outer.Root)
            : outer.Bucket == inner.Bucket && (outer.Prefix is null || (inner.Prefix ?? "").StartsWith(outer.Prefix + "/", StringComparison.Ordinal) || inner.Prefix == outer.Prefix));

    public LaminStorage Execute(MovePlan plan, bool removeSource, Action<string> warn, ITransferProgress? progress, CancellationToken cancel)
    {
        var src = StorageProviders.For(plan.Source);
        var dst = StorageProviders.For(plan.Destination);
        using var lease = Lease.Acquire(plan.Source, context.User, "Move-LaminStorage");
        CheckDestination(plan, dst);
        var lastRenew = DateTime.UtcNow;
        // One listing of the destination: what an interrupted run already copied.
        var there = dst.ListHashed(plan.Destination, "").ToDictionary(o => o.Object.Key, StringComparer.Ordinal);
        var hashes = new HashResult[plan.Items.Count];
        long bytesDone = 0; int filesDone = 0;
        // Transfers overlap (network latency, two cores); progress and the lease stay on this thread.
        int degree = plan.Source.IsLocal && plan.Destination.IsLocal ? 2 : 4;
        var work = Parallel.ForEachAsync(Enumerable.Range(0, plan.Items.Count),
            new ParallelOptions { MaxDegreeOfParallelism = degree, CancellationToken = cancel },
            (i, ct) =>
            {
                var item = plan.Items[i];
                hashes[i] = AlreadyThere(plan, dst, item, there, ct) ?? Copy(plan, src, dst, item, ct);
                Interlocked.Add(ref bytesDone, item.Size);
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
                if (DateTime.UtcNow - lastRenew > TimeSpan.FromMinutes(5)) { lease.Renew(); lastRenew = DateTime.UtcNow; }
            }
        }
        catch (AggregateException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
        }
        progress?.Bytes(Interlocked.Read(ref bytesDone) - reported);
        progress?.FileDone();

        var memberHashes = new Dictionary<int, List<string>>();
        for (int i = 0; i < plan.Items.Count; i++)
        {
            var item = plan.Items[i];
            var hash = hashes[i];
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
        var moved = context.Registry.Write(s =>
        {
            var record = s.Storages.FindById(plan.Storage.Id)
                ?? throw new LaminException(ErrorIds.RecordNotFound, $"{plan.Storage.Root} was removed meanwhile; nothing was changed.", plan.Storage.Uid);
            var now = s.Artifacts.FindAll().Where(a => a.StorageId == record.Id).Select(a => (a.Id, a.Hash)).OrderBy(x => x.Id).ToList();
            var then = plan.Artifacts.Select(a => (a.Id, a.Hash)).OrderBy(x => x.Id).ToList();
            if (!now.SequenceEqual(then))
                throw new LaminException(ErrorIds.FileChanged,
                    $"Artifacts of {record.Root} were added, removed or changed during the move; the record is unchanged. Run Move-LaminStorage again to resume.", record.Uid);
            record.Root = plan.Destination.Root;
            record.Type = plan.Destination.Type;
            record.Region = plan.Region;
            if (!plan.Destination.IsLocal) record.Host = null;
            record.UpdatedAt = Util.Clock.UtcNow;
            s.Storages.Update(record);
            return _storages.Decorate(record, new AccessPolicy(s, context.User));
        });
        try { src.DeleteMarker(plan.Source); } // frees the old root for other instances
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException) { warn($"could not remove the old marker at {plan.Source.Root}: {e.Message}"); }
        if (removeSource)
        {
            foreach (var item in plan.Items)
                try { src.Delete(plan.Source, item.Key); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException) { warn($"kept {src.PathOf(plan.Source, item.Key)}: {e.Message}"); }
            if (plan.Source.IsLocal)
                foreach (var item in plan.Items) LocalStorageProvider.PruneEmptyParents(plan.Source, item.Key);
            src.RemoveEmptyFolders(plan.Source);
        }
        return moved;
    }

    private static LaminException Changed(MovePlan plan, LaminArtifact a, string found) =>
        new(ErrorIds.HashMismatch,
            $"{a.Uid} ({a.Key ?? a.StorageKey()}) changed under the move: its data hashes to {found}, its record says {a.Hash}. " +
            $"Nothing was switched; the location stays at {plan.Source.Root}. Check it with Test-LaminArtifact -Identity {a.Uid} -Hash.", a.Uid);

    /// <summary>The destination may hold only our own marker and what an interrupted run of this move copied.</summary>
    private static void CheckDestination(MovePlan plan, IStorageProvider dst)
    {
        var marker = dst.ReadMarker(plan.Destination);
        if (marker.Exists && marker.StorageUid != plan.Storage.Uid)
            throw new LaminException(ErrorIds.StorageManagedElsewhere,
                $"{plan.Destination.Root} is marked by storage {marker.StorageUid} (instance {marker.InstanceUid ?? "unknown"}); it belongs to another location.", plan.Destination.Root);
        var expected = plan.Items.ToDictionary(i => i.Key, i => i.Size, StringComparer.Ordinal);
        var unexpected = dst.ListManagedObjects(plan.Destination)
            .Where(o => o.Key != Marker.RelativeKey && o.Key != Lease.RelativeKey && !expected.ContainsKey(o.Key)
                        && !o.Key[(Marker.ManagedFolder.Length + 1)..].StartsWith(LocalStorageProvider.TempPrefix, StringComparison.Ordinal))
            .ToList();
        if (unexpected.Count > 0 || (plan.Destination.IsLocal && !marker.Exists && NonEmptyOutsideManaged(plan, dst)))
            throw new LaminException(ErrorIds.DestinationNotEmpty,
                $"{plan.Destination.Root} is not empty ({(unexpected.Count > 0 ? string.Join(", ", unexpected.Take(5).Select(o => o.Key)) : "files outside .lamindb/")}); move to an empty root.", plan.Destination.Root);
    }

    private static bool NonEmptyOutsideManaged(MovePlan plan, IStorageProvider dst)
    {
        var root = plan.Destination.Root;
        if (!Directory.Exists(root)) return false;
        var expected = plan.Items.Select(i => i.Key.Split('/')[0]).ToHashSet(StringComparer.Ordinal);
        return Directory.EnumerateFileSystemEntries(root).Select(Path.GetFileName).Any(n => n != Marker.ManagedFolder && !expected.Contains(n!));
    }

    /// <summary>An object a previous run already copied: same size and, where it can be checked, the same hash. Returns its hash, or null to copy.</summary>
    private static HashResult? AlreadyThere(MovePlan plan, IStorageProvider dst, MoveItem item,
        Dictionary<string, (StoredObject Object, HashResult? Hash)> listing, CancellationToken cancel)
    {
        if (!listing.TryGetValue(item.Key, out var there) || there.Object.Size != item.Size) return null;
        if (there.Hash is { } meta && !item.IsMember && meta.HashType == item.Artifact.HashType) return meta;
        try
        {
            using var s = dst.OpenRead(plan.Destination, item.Key);
            var h = DataCopier.CopyAndHash(s, item.Size, null, item.Key, null, cancel);
            return item.IsMember || item.Artifact.HashType != h.HashType || h.Hash == item.Artifact.Hash ? h : null;
        }
        catch (Exception e) when (e is IOException or LaminException) { return null; }
    }

    private static HashResult Copy(MovePlan plan, IStorageProvider src, IStorageProvider dst, MoveItem item, CancellationToken cancel)
    {
        using var writer = dst.CreateWriter(plan.Destination, folder: false, item.Key, cancel); // cloud: straight to the final key
        HashResult hash;
        using (var input = src.OpenRead(plan.Source, item.Key))
        using (var output = writer.OpenMember("", item.Size))
            hash = DataCopier.CopyAndHash(input, item.Size, output, src.PathOf(plan.Source, item.Key), null, cancel);
        writer.Commit(item.Key, replace: true); // a partial copy from an interrupted run is replaced
        return hash;
    }
}
