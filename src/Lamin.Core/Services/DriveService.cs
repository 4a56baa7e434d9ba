using System.Collections.Concurrent;
using Lamin.Core.Errors;
using Lamin.Core.Model;
using Lamin.Core.Registry;
using Lamin.Core.Roots;
using Lamin.Core.Storage;

namespace Lamin.Core.Services;

/// <summary>One item of the lamin: drive below a location: a key folder, an artifact, or an artifact whose key is also a folder.</summary>
public sealed record DriveItem(string Name, string Key, LaminArtifact? Artifact, bool IsFolder)
{
    /// <summary>What the drive emits: the artifact when the key is one (SPEC §8 "Details"), else the folder record.</summary>
    public object Record(string storageUid) => Artifact is not null ? Artifact : new LaminKeyFolder { Name = Name, Key = Key, StorageUid = storageUid };

    /// <summary>A container for navigation: a folder, or an artifact whose key is also the prefix of other keys.</summary>
    public bool IsContainer => IsFolder;
}

/// <summary>
/// The latest, non-trashed artifacts of one location whose keys start with <see cref="Prefix"/> (ordinal),
/// sorted by key, as the lamin: drive reads them (one registry read, reused for the whole key tree below).
/// </summary>
public sealed class DriveListing
{
    internal DriveListing(LaminStorage storage, string prefix, List<LaminArtifact> keyed, List<LaminArtifact> keyless)
    {
        Storage = storage;
        Prefix = prefix;
        _keyed = keyed;
        _keys = keyed.Select(a => a.Key!).ToArray();
        Keyless = keyless;
    }

    public LaminStorage Storage { get; }
    public string Prefix { get; }
    private readonly List<LaminArtifact> _keyed;
    private readonly string[] _keys;

    /// <summary>Artifacts without a key (only in a listing of the whole location): shown at the top as &lt;uid&gt;&lt;suffix&gt;.</summary>
    public IReadOnlyList<LaminArtifact> Keyless { get; }

    public int Count => _keyed.Count + Keyless.Count;

    /// <summary>Whether this listing holds everything at and below <paramref name="key"/> ("" = the whole location).</summary>
    public bool Covers(string key) => key.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The name a key-less artifact has at the top of its location.</summary>
    public static string KeylessName(LaminArtifact a) => a.Uid + a.Suffix;

    /// <summary>First index whose key is ≥ <paramref name="value"/> (ordinal).</summary>
    private int LowerBound(string value)
    {
        int lo = 0, hi = _keys.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (string.CompareOrdinal(_keys[mid], value) < 0) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>The item at a key ("" is the location itself: null), or null when nothing is there.</summary>
    public DriveItem? Item(string key)
    {
        if (key.Length == 0) return null;
        int i = LowerBound(key);
        LaminArtifact? exact = i < _keys.Length && _keys[i] == key ? _keyed[i] : null;
        int j = LowerBound(key + "/");
        bool folder = j < _keys.Length && _keys[j].StartsWith(key + "/", StringComparison.Ordinal);
        var name = key[(key.LastIndexOf('/') + 1)..];
        if (exact is not null || folder) return new DriveItem(name, key, exact, folder);
        if (!key.Contains('/'))
            foreach (var a in Keyless)
                if (KeylessName(a) == key) return new DriveItem(key, key, a, false);
        return null;
    }

    /// <summary>Whether anything lies below a folder key ("" = the location).</summary>
    public bool HasChildren(string folder)
    {
        if (folder.Length == 0) return Count > 0;
        int j = LowerBound(folder + "/");
        return j < _keys.Length && _keys[j].StartsWith(folder + "/", StringComparison.Ordinal);
    }

    /// <summary>The items directly below a folder key ("" = the location's top), in key order; key-less artifacts last.</summary>
    public IEnumerable<DriveItem> Children(string folder)
    {
        var start = folder.Length == 0 ? "" : folder + "/";
        int i = LowerBound(start);
        string? lastFolder = null;
        for (; i < _keys.Length && _keys[i].StartsWith(start, StringComparison.Ordinal); i++)
        {
            var rest = _keys[i][start.Length..];
            int slash = rest.IndexOf('/');
            if (slash < 0)
            {
                if (rest.Length == 0) continue; // a key ending in '/': no name on the drive
                if (rest == lastFolder) continue;
                // A leaf; it is also a folder when the next keys continue it with '/'.
                int next = i + 1;
                bool alsoFolder = false;
                while (next < _keys.Length && _keys[next].StartsWith(start + rest, StringComparison.Ordinal))
                {
                    if (_keys[next].Length > start.Length + rest.Length && _keys[next][start.Length + rest.Length] == '/') { alsoFolder = true; break; }
                    next++;
                }
                if (alsoFolder) lastFolder = rest;
                yield return new DriveItem(rest, start + rest, _keyed[i], alsoFolder);
                continue;
            }
            var name = rest[..slash];
            if (name.Length == 0 || name == lastFolder) continue;
            lastFolder = name;
            yield return new DriveItem(name, start + name, null, true);
        }
        if (folder.Length == 0)
            foreach (var a in Keyless) yield return new DriveItem(KeylessName(a), KeylessName(a), a, false);
    }

    /// <summary>
    /// Every item below a folder, depth-first in key order, streamed; <paramref name="depth"/> levels
    /// below the folder's children (null = all). Yields the item and its level (0 = a direct child).
    /// </summary>
    public IEnumerable<(DriveItem Item, int Level)> Walk(string folder, int? depth, int level = 0)
    {
        foreach (var child in Children(folder))
        {
            yield return (child, level);
            if (child.IsFolder && (depth is null || level < depth))
                foreach (var below in Walk(child.Key, depth, level + 1)) yield return below;
        }
    }

    /// <summary>The latest, non-trashed artifacts at or below a folder key (Remove-Item -Recurse, Move-Item of a folder).</summary>
    public IEnumerable<LaminArtifact> ArtifactsUnder(string folder)
    {
        if (folder.Length == 0) { foreach (var a in _keyed) yield return a; foreach (var a in Keyless) yield return a; yield break; }
        int i = LowerBound(folder + "/");
        for (; i < _keys.Length && _keys[i].StartsWith(folder + "/", StringComparison.Ordinal); i++) yield return _keyed[i];
    }
}

/// <summary>
/// What the lamin: drive (SPEC §8) asks of the registry and the stores: locations, the key tree of a
/// location, an artifact's bytes (ranged reads on S3 and GCS), and writing a new artifact at a key.
/// Listings are cached for a few seconds, keyed by the registry's file state (size and write time of the
/// file and LiteDB's log, which every commit changes), so the many ItemExists calls of one command, and
/// repeated Tab presses, read the registry once; the drive's own writes empty the cache.
/// </summary>
public sealed class DriveService(LaminContext context)
{
    // A listing is reused only while the registry's file state is unchanged (any commit changes it), and
    // never longer than this: repeated Tab presses and a command's many ItemExists calls read the registry once.
    private static readonly TimeSpan CacheLife = TimeSpan.FromSeconds(10);
    private const int CacheSize = 16;
    private static readonly ConcurrentDictionary<string, (string Stamp, DateTime At, object Value)> Cache = new();

    private string? _stamp;

    /// <summary>
    /// The registry file's state (size and write time of it and LiteDB's log): changes with every committed
    /// write. Read once per service (one provider call of the engine), so a call's many lookups stat it once.
    /// </summary>
    private string Stamp() => _stamp ??= ReadStamp();

    private string ReadStamp()
    {
        var path = context.Instance.RegistryPath;
        static string Of(string p) { var f = new FileInfo(p); return f.Exists ? $"{f.Length}:{f.LastWriteTimeUtc.Ticks}" : "-"; }
        var dir = Path.GetDirectoryName(path) ?? "";
        var log = Path.Combine(dir, Path.GetFileNameWithoutExtension(path) + "-log" + Path.GetExtension(path));
        return $"{path}|{context.User}|{Of(path)}|{Of(log)}";
    }

    private string CacheKey(string stamp, string what) => stamp[..stamp.IndexOf('|')] + "|" + context.User + "|" + what;

    private bool TryCached<T>(string stamp, string what, out T value) where T : class
    {
        if (Cache.TryGetValue(CacheKey(stamp, what), out var hit) && hit.Stamp == stamp && DateTime.UtcNow - hit.At < CacheLife && hit.Value is T v)
        {
            value = v;
            return true;
        }
        value = null!;
        return false;
    }

    private T Cached<T>(string what, Func<T> load) where T : class
    {
        var stamp = Stamp();
        if (TryCached<T>(stamp, what, out var value)) return value;
        var loaded = load();
        var now = DateTime.UtcNow;
        if (Cache.Count >= CacheSize)
            foreach (var old in Cache.OrderBy(kv => kv.Value.At).Take(Cache.Count - CacheSize / 2).Select(kv => kv.Key).ToList()) Cache.TryRemove(old, out _);
        Cache[CacheKey(stamp, what)] = (stamp, now, loaded);
        return loaded;
    }

    /// <summary>Forgets cached listings (after the drive itself changed something).</summary>
    public static void Invalidate() => Cache.Clear();

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
        var stamp = Stamp();
        var head = CacheKey(stamp, "list|" + storageUid + "|");
        var now = DateTime.UtcNow;
        foreach (var (key, entry) in Cache)
            if (entry.Value is DriveListing l && entry.Stamp == stamp && now - entry.At < CacheLife
                && key.StartsWith(head, StringComparison.Ordinal) && seek.StartsWith(l.Prefix, StringComparison.Ordinal)) return l;
        return Cached("list|" + storageUid + "|" + seek, () => Load(storage, seek));
    }

    private DriveListing Load(LaminStorage storage, string seek) => context.Registry.Read(s =>
    {
        var view = new ArtifactService.View(s, context, new StorageService(context));
        if (!view.Storages.TryGetValue(storage.Id, out var st))
            throw new LaminException(ErrorIds.RecordNotFound, $"The storage location {storage.Uid} was removed.", storage.Uid);
        view.Access.Require(st.SpaceId, SpaceRole.Read, storage.Uid, $"see storage location '{storage.Uid}'");
        // The whole location: one sequential scan (as Get-LaminArtifact -Storage reads), faster than
        // fetching most documents through the storage index one by one.
        IEnumerable<LaminArtifact> rows = seek.Length == 0
            ? s.Artifacts.FindAll().Where(a => a.StorageId == st.Id)
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
        keyed.Sort((x, y) => string.CompareOrdinal(x.Key, y.Key));
        keyless.Sort((x, y) => string.CompareOrdinal(x.Uid, y.Uid));
        return new DriveListing(view.Storages[st.Id], seek, keyed, keyless);
    });

    /// <summary>
    /// The seek prefix for listing a folder with a -Filter: the folder plus the filter's leading literal
    /// characters that have no other case (wildcards on the drive match case-insensitively).
    /// </summary>
    public static string SeekFor(string folder, string? filter)
    {
        var start = folder.Length == 0 ? "" : folder + "/";
        return filter is null ? start : start + ArtifactService.LiteralPrefix(filter);
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
            throw new LaminException(ErrorIds.PathNotFound, $"The data of {a.Uid} is missing at {a.Path}. Check it with Test-LaminArtifact.", a.Path, e);
        }
    }

    /// <summary>
    /// A path for content written to the drive before it is added: "content" + the key's suffix (the suffix
    /// rule compares them) in a fresh folder under LAMIN_HOME, never a name taken from the key itself.
    /// </summary>
    public string NewSpoolFile(string key)
    {
        var suffix = Artifacts.Suffixes.Raw(key);
        if (suffix.Any(c => char.IsControl(c) || Path.GetInvalidFileNameChars().Contains(c) || (OperatingSystem.IsWindows() && "<>:\"|?*".Contains(c))))
            throw new LaminException(ErrorIds.InvalidKey, $"The suffix '{suffix}' of the key '{key}' can't be a file name on this system; choose another key.", key);
        var folder = Path.Combine(context.Home.Path, "spool", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, "content" + suffix);
    }

    /// <summary>Removes a spool file and its folder.</summary>
    public static void DeleteSpoolFile(string path)
    {
        try { Directory.Delete(Path.GetDirectoryName(path)!, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>
    /// Adds a file as a new artifact, or a new version of a known key, at <paramref name="key"/> in the
    /// location (Set-Content on the drive): the rules of Add-LaminArtifact -Key -Storage (StorageReadOnly,
    /// RecordLocked, InvalidKey, SuffixMismatch...), without returning another artifact of the same content.
    /// </summary>
    public LaminArtifact WriteAt(string storageUid, string key, string file, Action<string> warn, CancellationToken cancel)
    {
        var service = new ArtifactService(context);
        var plan = service.Plan(new AddRequest(file, Key: key, Storage: storageUid, SkipHashLookup: true));
        if (plan.InPlace)
            throw new LaminException(ErrorIds.InvalidArgument, $"The content to write lies inside the storage location {plan.Storage.Root}; nothing was written.", key);
        using var staged = service.Stage(plan, null, cancel);
        var result = service.Commit([staged], warn)[0];
        Invalidate();
        return result.Artifact ?? throw result.Error!;
    }
}
