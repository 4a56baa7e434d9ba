using System.Collections.Concurrent;

namespace Lamin.Core.Services;

/// <summary>
/// What the lamin: drive (SPEC §8) asks of the registry and the stores: locations, the key tree of a
/// location, an artifact's bytes (ranged reads on S3 and GCS), and writing a new artifact at a key.
/// Listings are cached, so the many ItemExists calls of one command read the registry once: within one
/// service (one provider call of the engine) always; across calls, for a few seconds, only where a change
/// by another process can be seen without asking the registry: a LiteDB file, keyed by its file state
/// (size and write time of the file and LiteDB's log, which every commit changes). Every key also holds
/// <see cref="RegistryChanges.Generation"/>, so a write of this process (any cmdlet) is never answered
/// from a listing read before it. A PostgreSQL registry (other machines write to it) is read afresh by
/// every provider call. Set-Content's spool files (SPEC §10 rule 17) are in <c>DriveService.Spools.cs</c>.
/// </summary>
public sealed partial class DriveService(LaminContext context)
{
    // A listing is reused only while the registry's file state is unchanged (any commit changes it), and
    // never longer than this: repeated Tab presses and a command's many ItemExists calls read the registry once.
    private static readonly TimeSpan CacheLife = TimeSpan.FromSeconds(10);
    private const int CacheSize = 16;
    private static readonly ConcurrentDictionary<string, (string Stamp, DateTime At, object Value)> Shared = new();
    private readonly ConcurrentDictionary<string, (string Stamp, DateTime At, object Value)> _own = new();

    private string? _fileStamp;

    /// <summary>
    /// The registry's state as this process can know it: the file's size and write time (and its log's),
    /// stat'ed once per service (one provider call), and this process's write generation. Null for a
    /// registry without a file (PostgreSQL): only this service's own cache is used then.
    /// </summary>
    private string? Stamp()
    {
        var instance = context.Instance;   // NoCurrentInstance before anything is read
        if (instance.IsPostgres || string.IsNullOrEmpty(instance.RegistryPath)) return null;
        return (_fileStamp ??= ReadFileStamp(instance.RegistryPath)) + "|" + RegistryChanges.Generation;
    }

    private string ReadFileStamp(string path)
    {
        static string Of(string p) { var f = new FileInfo(p); return f.Exists ? $"{f.Length}:{f.LastWriteTimeUtc.Ticks}" : "-"; }
        var dir = Path.GetDirectoryName(path) ?? "";
        var log = Path.Combine(dir, Path.GetFileNameWithoutExtension(path) + "-log" + Path.GetExtension(path));
        return $"{path}|{context.User}|{Of(path)}|{Of(log)}";
    }

    /// <summary>The cache to use and the stamp its entries must carry.</summary>
    private (ConcurrentDictionary<string, (string Stamp, DateTime At, object Value)> Cache, string Stamp, string Head) CacheFor()
    {
        var stamp = Stamp();
        if (stamp is null) return (_own, "own|" + RegistryChanges.Generation, "");
        return (Shared, stamp, stamp[..stamp.IndexOf('|')] + "|" + context.User + "|");
    }

    private static bool Fresh((string Stamp, DateTime At, object Value) entry, string stamp, DateTime now) =>
        entry.Stamp == stamp && now - entry.At < CacheLife;

    private T Cached<T>(string what, Func<T> load) where T : class
    {
        var (cache, stamp, head) = CacheFor();
        var now = DateTime.UtcNow;
        if (cache.TryGetValue(head + what, out var hit) && Fresh(hit, stamp, now) && hit.Value is T v) return v;
        var loaded = load();
        if (cache.Count >= CacheSize)
            foreach (var old in cache.OrderBy(kv => kv.Value.At).Take(cache.Count - CacheSize / 2).Select(kv => kv.Key).ToList()) cache.TryRemove(old, out _);
        cache[head + what] = (stamp, now, loaded);
        return loaded;
    }

    /// <summary>Forgets cached listings (after the drive itself changed something).</summary>
    public static void Invalidate() => Shared.Clear();

    /// <summary>The locations the user may see (the containers of lamin:\).</summary>
    public IReadOnlyList<LaminStorage> Storages() =>
        Cached("storages", () => new StorageService(context).Get(new StorageQuery()).OrderBy(s => s.Uid, StringComparer.Ordinal).ToList());

    /// <summary>The location with exactly this uid (case-sensitive, as uids are), or null.</summary>
    public LaminStorage? Storage(string uid) => Storages().FirstOrDefault(s => string.Equals(s.Uid, uid, StringComparison.Ordinal));

    /// <summary>
    /// A New-PSDrive root: a storage uid, id, stub or root (normalised as -Storage is), resolved to the location's uid.
    /// </summary>
    public LaminStorage ResolveDriveRoot(string root)
    {
        var found = new StorageService(context).Get(new StorageQuery(Identity: root));
        return found.Count == 1 ? found[0] : throw new LaminException(ErrorIds.RecordNotFound, $"No storage location '{root}'.", root);
    }

    /// <summary>
    /// The artifacts of a location whose keys start with <paramref name="seek"/> (ordinal; "" = all, with
    /// the key-less ones), read through the key index (or the storage index for the whole location).
    /// A cached listing with a shorter prefix serves a longer one.
    /// </summary>
    public DriveListing List(string storageUid, string seek = "")
    {
        var storage = Storage(storageUid)
            ?? throw new LaminException(ErrorIds.RecordNotFound, $"No storage location with uid '{storageUid}' in this instance; list them with Get-ChildItem lamin:\\.", storageUid);
        // A cached listing of the whole location (or of a shorter prefix) answers without a read.
        var (cache, stamp, head) = CacheFor();
        var prefix = head + "list|" + storageUid + "|";
        var now = DateTime.UtcNow;
        foreach (var (key, entry) in cache)
            if (entry.Value is DriveListing l && Fresh(entry, stamp, now)
                && key.StartsWith(prefix, StringComparison.Ordinal) && seek.StartsWith(l.Prefix, StringComparison.Ordinal)) return l;
        return Cached("list|" + storageUid + "|" + seek, () => Load(storage, seek));
    }

    private DriveListing Load(LaminStorage storage, string seek) => context.Registry.Read(s =>
    {
        var view = new ArtifactService.View(s, context, new StorageService(context));
        if (!view.Storages.TryGetValue(storage.Id, out var st))
            throw new LaminException(ErrorIds.RecordNotFound, $"The storage location {storage.Uid} was removed.", storage.Uid);
        view.Access.Require(st.SpaceId, SpaceRole.Read, storage.Uid, $"see storage location '{storage.Uid}'");
        // The whole location: on LiteDB one sequential scan (as Get-LaminArtifact -Storage reads), faster
        // than fetching most documents through the storage index one by one; on PostgreSQL its rows only.
        IEnumerable<LaminArtifact> rows = seek.Length == 0
            ? s.RegistryPath is null ? s.ArtifactsInStorage(st.Id) : s.Artifacts.FindAll().Where(a => a.StorageId == st.Id)
            : s.ArtifactsByKeyPrefix(seek).Where(a => a.StorageId == st.Id);
        var keyed = new List<LaminArtifact>();
        var keyless = new List<LaminArtifact>();
        foreach (var a in rows)
        {
            if (!a.IsLatest || a.IsTrashed || !view.Access.CanSee(a.SpaceId)) continue;
            view.Decorate(a);
            if (a.Key is null) { if (seek.Length == 0) keyless.Add(a); }
            else keyed.Add(a);
        }
        // A top-level name may also be a key-less artifact's <uid><suffix> (Get-Item of it, a -Filter at the
        // top): those whose name starts with the seek are found by their uid, not by a key.
        if (seek.Length > 0 && !seek.Contains('/'))
        {
            var stem = seek.Length > Artifacts.ArtifactVersions.StemLength ? seek[..Artifacts.ArtifactVersions.StemLength] : seek;
            foreach (var a in s.ArtifactsByUidPrefix(stem))
                if (a.Key is null && a.StorageId == st.Id && a.IsLatest && !a.IsTrashed && view.Access.CanSee(a.SpaceId)
                    && DriveListing.KeylessName(a).StartsWith(seek, StringComparison.Ordinal))
                    keyless.Add(view.Decorate(a));
        }
        keyed.Sort((x, y) => string.CompareOrdinal(x.Key, y.Key));
        keyless.Sort((x, y) => string.CompareOrdinal(x.Uid, y.Uid));
        return new DriveListing(view.Storages[st.Id], seek, keyed, keyless);
    });

    /// <summary>
    /// The latest, non-trashed artifacts at and below a key folder of the drive (a <see cref="LaminKeyFolder"/>
    /// piped into the artifact cmdlets), in key order; an artifact whose key is the folder itself comes first.
    /// A folder that no longer exists → PathNotFound.
    /// </summary>
    public IReadOnlyList<LaminArtifact> ArtifactsInFolder(string storageUid, string folderKey)
    {
        var key = folderKey.Trim('/');
        var listing = List(storageUid, key);
        var item = key.Length == 0 ? null : listing.Item(key);
        if (key.Length > 0 && item is null)
            throw new LaminException(ErrorIds.PathNotFound,
                $"The key folder '{key}' of {storageUid} holds no latest, non-trashed artifact (any more); list it with Get-ChildItem lamin:\\{storageUid}.", key);
        var found = new List<LaminArtifact>();
        if (item?.Artifact is { } self) found.Add(self);
        found.AddRange(listing.ArtifactsUnder(key));
        return found;
    }

    /// <summary>
    /// The seek prefix for listing a folder with a -Filter: the folder plus the filter's leading literal
    /// characters that have no other case (wildcards on the drive match case-insensitively).
    /// </summary>
    public static string SeekFor(string folder, string? filter)
    {
        var start = folder.Length == 0 ? "" : folder + "/";
        return filter is null ? start : start + Query.KeyCase.LiteralPrefixAnyCase(filter, maxVariants: 1);
    }

    // ---------------------------------------------------------------- content

    /// <summary>
    /// Opens an artifact's bytes for reading: a local file directly, an S3 or GCS object through ranged
    /// reads (a reader that stops early fetches one small range, not the object). A folder → InvalidPath.
    /// </summary>
    public static Stream OpenContent(LaminArtifact a)
    {
        if (a.NFiles is not null)
            throw new LaminException(ErrorIds.InvalidPath,
                $"{a.Key ?? a.Uid} is a folder artifact ({a.NFiles} files); it has no content of its own. Save it with Save-LaminArtifact.", a.Uid);
        var root = StorageRoot.Parse(a.Storage, "/");
        var key = a.StorageKey();
        try
        {
            return root.Type switch
            {
                "s3" => new RangedReadStream(a.Size, (offset, count) => S3StorageProvider.Instance.OpenRange(root, key, offset, count)),
                "gs" => new RangedReadStream(a.Size, (offset, count) => GcsStorageProvider.Instance.OpenRange(root, key, offset, count)),
                _ => StorageProviders.For(root).OpenRead(root, key),
            };
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new LaminException(ErrorIds.PathNotFound, $"The data of {a.Uid} is missing at {a.FullName}. Check it with Test-LaminArtifact.", a.FullName, e);
        }
    }

    /// <summary>
    /// Adds a file as a new artifact, or a new version of a known key, at <paramref name="key"/> in the
    /// location (Set-Content on the drive): the rules of Add-LaminArtifact -Key -Storage (StorageReadOnly,
    /// RecordLocked, InvalidKey, SuffixMismatch...), without returning another artifact of the same content,
    /// nor an older version of the key: only the latest version with this content makes the write a no-op.
    /// </summary>
    public LaminArtifact WriteAt(string storageUid, string key, string file, Action<string> warn, CancellationToken cancel)
    {
        var service = new ArtifactService(context);
        var plan = service.Plan(new AddRequest(file, Key: key, Storage: storageUid, SkipHashLookup: true));
        if (plan.InPlace)
            throw new LaminException(ErrorIds.InvalidArgument, $"The content to write lies inside the storage location {plan.Storage.Root}; nothing was written.", key);
        // SPEC §8: what Get-Content reads next is what was written; content equal to an older version makes a new latest one.
        plan.ReadBack = true;
        using var staged = service.Stage(plan, null, cancel);
        var result = service.Commit([staged], warn)[0];
        Invalidate();
        return result.Artifact ?? throw result.Error!;
    }
}
