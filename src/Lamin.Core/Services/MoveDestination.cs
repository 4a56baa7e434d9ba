using Lamin.Core.Hashing;

namespace Lamin.Core.Services;

/// <summary>
/// What Move-LaminStorage finds at its destination (SPEC §10 rule 5): only its own control objects and copies of
/// its own keys with the source's bytes (md5 compared, never the size alone) may be there; anything else stops the
/// move before it copies.
/// </summary>
internal static class MoveDestination
{
    /// <summary>
    /// SPEC §10 rule 5, on every kind of destination: the destination may hold only our own marker, a
    /// lease, a move's journal (<see cref="MoveJournal"/>), temporaries of an interrupted transfer, and objects at this move's keys with the same
    /// content as the source (what an interrupted run of the same move left: md5 compared, the source
    /// hashed here, the destination by its S3 ETag / GCS md5Hash or its bytes). Anything else →
    /// DestinationNotEmpty naming it, before anything is copied. Returns the reused objects with the
    /// source's hash (md5 / sha1-fl, as a copy would have computed it).
    /// </summary>
    public static Dictionary<string, HashResult> Check(MovePlan plan, IStorageProvider src, IStorageProvider dst, CancellationToken cancel)
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
    public static bool Reusable(MovePlan plan, IStorageProvider src, IStorageProvider dst, StoredObject there, CancellationToken cancel) =>
        plan.Items.FirstOrDefault(i => i.Key == there.Key) is { } item && SameContent(plan, src, dst, item, (there, null), cancel) is not null;

    /// <summary>
    /// The source's hash (md5 or sha1-fl, as copying computes it) when the destination object holds the
    /// same bytes as the source object (full md5 on both sides; never the size alone), else null.
    /// </summary>
    public static HashResult? SameContent(MovePlan plan, IStorageProvider src, IStorageProvider dst, MoveItem item,
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

}
