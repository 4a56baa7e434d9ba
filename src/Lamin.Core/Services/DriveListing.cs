
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
