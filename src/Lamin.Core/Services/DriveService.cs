using System.Collections.Concurrent;
using Lamin.Core.Errors;
using Lamin.Core.Model;
using Lamin.Core.Registry;
using Lamin.Core.Roots;
using Lamin.Core.Storage;

namespace Lamin.Core.Services;

/// <summary>One item of the lamin: drive below a location: a key folder, an artifact, or an artifact whose key is also a folder.</summary>
public sealed class DriveItem
{
    private readonly int _nameStart;

    public DriveItem(string name, string key, LaminArtifact? artifact, bool isFolder) : this(key, key.Length - name.Length, artifact, isFolder) { }

    /// <summary>An item whose name is <paramref name="key"/> from <paramref name="nameStart"/> on (made only when asked for: a recursive listing of 100,000 items never needs most names).</summary>
    internal DriveItem(string key, int nameStart, LaminArtifact? artifact, bool isFolder)
    {
        Key = key;
        _nameStart = nameStart;
        Artifact = artifact;
        IsFolder = isFolder;
    }

    /// <summary>The last '/'-segment of the key (a key-less artifact: &lt;uid&gt;&lt;suffix&gt;).</summary>
    public string Name => _nameStart == 0 ? Key : Key[_nameStart..];

    public string Key { get; }
    public LaminArtifact? Artifact { get; }
    public bool IsFolder { get; }

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

    /// <summary>Artifacts without a key (in a listing of the whole location, or of a top-level prefix their name starts with): shown at the top as &lt;uid&gt;&lt;suffix&gt;.</summary>
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
        foreach (var (item, _) in Walk(folder, 0)) yield return item;
    }

    /// <summary>
    /// Every item below a folder, streamed in one pass over the sorted keys (ordinal key order, so a folder's
    /// items follow it, except that keys such as "a-c" or "a.x" sort between an artifact "a" and "a/b");
    /// <paramref name="depth"/> levels below the folder's children (null = all). Yields the item and its
    /// level (0 = a direct child). A key with an empty segment ("a//b", "a/") is not shown below it.
    /// </summary>
    public IEnumerable<(DriveItem Item, int Level)> Walk(string folder, int? depth)
    {
        var start = folder.Length == 0 ? "" : folder + "/";
        // The folders the previous key opened, as the positions of their closing '/' in that key.
        var open = new List<int>(8);
        string? previous = null;
        HashSet<string>? artifactFolders = null;   // artifacts already shown as containers (their folder is not shown again)
        for (int i = LowerBound(start); i < _keys.Length; i++)
        {
            var key = _keys[i];
            if (!key.StartsWith(start, StringComparison.Ordinal)) break;
            int keep = 0;
            if (previous is not null)
                while (keep < open.Count && key.Length > open[keep] && key[open[keep]] == '/'
                       && string.CompareOrdinal(key, 0, previous, 0, open[keep]) == 0) keep++;
            open.RemoveRange(keep, open.Count - keep);
            previous = key;
            int pos = open.Count == 0 ? start.Length : open[^1] + 1;
            bool hidden = false;
            for (int slash; (slash = key.IndexOf('/', pos)) >= 0; pos = slash + 1)
            {
                if (slash == pos) { hidden = true; break; }   // an empty segment: nothing of this key below it
                int level = open.Count;
                open.Add(slash);
                if (depth is not null && level > depth) continue;
                var folderKey = key[..slash];
                if (artifactFolders?.Contains(folderKey) == true) continue;
                yield return (new DriveItem(folderKey, pos, null, true), level);
            }
            if (hidden || pos == key.Length) continue;   // a key ending in '/': no name on the drive
            int leafLevel = open.Count;
            if (depth is not null && leafLevel > depth) continue;
            // A leaf is also a folder when a later key continues it with '/' (only keys that start with it lie between).
            bool alsoFolder = i + 1 < _keys.Length && _keys[i + 1].StartsWith(key, StringComparison.Ordinal) && HasChildren(key);
            if (alsoFolder) (artifactFolders ??= new HashSet<string>(StringComparer.Ordinal)).Add(key);
            yield return (new DriveItem(key, pos, _keyed[i], alsoFolder), leafLevel);
        }
        if (folder.Length == 0)
            foreach (var a in Keyless) yield return (new DriveItem(KeylessName(a), 0, a, false), 0);
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
/// Listings are cached, so the many ItemExists calls of one command read the registry once: within one
/// service (one provider call of the engine) always; across calls, for a few seconds, only where a change
/// by another process can be seen without asking the registry: a LiteDB file, keyed by its file state
/// (size and write time of the file and LiteDB's log, which every commit changes). Every key also holds
/// <see cref="RegistryChanges.Generation"/>, so a write of this process (any cmdlet) is never answered
/// from a listing read before it. A PostgreSQL registry (other machines write to it) is read afresh by
/// every provider call.
/// </summary>
public sealed class DriveService(LaminContext context)
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

    // ---------------------------------------------------------------- spool files (SPEC §10 rule 17)

    /// <summary>The folder under LAMIN_HOME that holds Set-Content's spool files.</summary>
    public const string SpoolFolderName = "spool";

    /// <summary>A spool folder's name starts with this, then its process's identity (<see cref="Util.ProcessIdentity.TemporaryName"/>).</summary>
    public const string SpoolPrefix = "spool-";

    /// <summary>
    /// A path for content written to the drive before it is added: "content" + the key's suffix (the suffix
    /// rule compares them) in a fresh folder LAMIN_HOME/spool/&lt;storage uid&gt;/spool-&lt;process&gt;-&lt;random&gt;,
    /// never a name taken from the key itself. The folder names the writing process (host, pid, start time),
    /// so a spool that a killed Set-Content left is told from one being written; this write first removes
    /// those of processes that are gone.
    /// </summary>
    public string NewSpoolFile(string storageUid, string key)
    {
        var suffix = Artifacts.Suffixes.Raw(key);
        if (suffix.Any(c => char.IsControl(c) || Path.GetInvalidFileNameChars().Contains(c) || (OperatingSystem.IsWindows() && "<>:\"|?*".Contains(c))))
            throw new LaminException(ErrorIds.InvalidKey, $"The suffix '{suffix}' of the key '{key}' can't be a file name on this system; choose another key.", key);
        foreach (var dead in DeadSpools(context.Home.Path)) DeleteSpoolFolder(dead.Folder);
        var folder = Path.Combine(SpoolRoot(context.Home.Path), SpoolOwnerFolder(storageUid), Util.ProcessIdentity.Current().TemporaryName(SpoolPrefix));
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, "content" + suffix);
    }

    private static string SpoolRoot(string home) => Path.Combine(home, SpoolFolderName);

    /// <summary>The location's uid as a folder name: a uid is base62 (a registry row saying otherwise never becomes a path).</summary>
    private static string SpoolOwnerFolder(string storageUid) => Util.Uids.IsBase62(storageUid) ? storageUid : "_";

    /// <summary>Removes a spool file and its folder.</summary>
    public static void DeleteSpoolFile(string path) => DeleteSpoolFolder(Path.GetDirectoryName(path)!);

    private static void DeleteSpoolFolder(string folder)
    {
        try { Safety.Gate.DeleteDriveSpool(folder, SpoolFolderName, SpoolPrefix); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>A spool folder whose process is gone: what a killed Set-Content left in LAMIN_HOME.</summary>
    /// <param name="StorageUid">The location it was written for; null for the layout before spool folders named their process.</param>
    public sealed record DeadSpool(string Folder, string? StorageUid, long Size, DateTime LastModifiedUtc, string Reason);

    /// <summary>
    /// The spool folders under <paramref name="home"/> whose writer is certainly gone (its pid ended, or now
    /// belongs to a later process); a writer on another host or one that can't be inspected counts as running.
    /// Folders of the older unnamed layout (spool/&lt;random&gt;) count as left behind once older than
    /// <see cref="AuditService.LiveTransferHorizon"/>. Never throws for a folder it can't read.
    /// </summary>
    public static List<DeadSpool> DeadSpools(string home, string? storageUid = null)
    {
        var found = new List<DeadSpool>();
        var root = new DirectoryInfo(SpoolRoot(home));
        if (!root.Exists) return found;
        try
        {
            foreach (var dir in root.EnumerateDirectories())
            {
                if (dir.LinkTarget is not null) continue; // never followed out of LAMIN_HOME
                if (dir.Name.Length == 32 && dir.Name.All(char.IsAsciiHexDigitLower))
                {
                    if (storageUid is null && Measure(dir) is { } old && DateTime.UtcNow - old.Modified >= AuditService.LiveTransferHorizon)
                        found.Add(new DeadSpool(dir.FullName, null, old.Size, old.Modified,
                            $"drive spool of a Set-Content that did not finish (written {old.Modified:u}, before spool files named their process)"));
                    continue;
                }
                if (storageUid is not null && dir.Name != storageUid) continue;
                foreach (var spool in dir.EnumerateDirectories(SpoolPrefix + "*"))
                {
                    if (spool.LinkTarget is not null) continue;
                    var owner = Util.ProcessIdentity.FromTemporaryName(spool.Name, SpoolPrefix);
                    if (owner is null || owner.IsAlive() || Measure(spool) is not { } m) continue;
                    found.Add(new DeadSpool(spool.FullName, dir.Name, m.Size, m.Modified,
                        $"drive spool of a Set-Content whose process {owner.Pid} on {owner.Host} is gone (killed before the content was added)"));
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return found;
    }

    private static (long Size, DateTime Modified)? Measure(DirectoryInfo dir)
    {
        try
        {
            var files = dir.EnumerateFiles("*", SearchOption.AllDirectories).ToList();
            var modified = files.Select(f => f.LastWriteTimeUtc).Append(dir.LastWriteTimeUtc).Max();
            return (files.Sum(f => f.Length), modified);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>Removes dead spool folders (Clear-LaminStorage -Orphaned), checking again that each one's process is gone.</summary>
    public static void RemoveDeadSpools(string home, IEnumerable<string> folders)
    {
        var dead = DeadSpools(home).Select(d => d.Folder).ToHashSet(StringComparer.Ordinal);
        foreach (var f in folders) if (dead.Contains(f)) DeleteSpoolFolder(f);
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
