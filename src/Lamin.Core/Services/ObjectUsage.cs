
namespace Lamin.Core.Services;

/// <summary>
/// SPEC §10 rule 1, in one place: which live artifacts (every record not permanently removed, trashed
/// ones included) hold bytes at or under a storage key. Every delete of an object that is not a
/// temporary of our own asks this first — Remove-LaminArtifact -DeleteFile, the source side of
/// Move-LaminArtifact and Move-LaminStorage -RemoveSource, orphan clearing.
/// <para>
/// Two storage records with the same root (one path registered for two hosts) are one place on disk,
/// so both are searched (rule 4). Lookups go through the key indexes: cost grows with the number of
/// matching records and the depth of the key, never with the size of the registry.
/// </para>
/// </summary>
public static class ObjectUsage
{
    /// <summary>How keys compare on a root: as its file system compares names (SPEC §11: case-insensitive on NTFS and macOS, ordinal on Linux, S3 and GCS).</summary>
    public static StringComparison KeyComparison(LaminStorage storage) => LocationRules.For(storage.Type, storage.Root).Comparison;

    /// <summary>
    /// True when deleting <paramref name="key"/> (a folder when <paramref name="isFolder"/>) would delete
    /// bytes of an artifact stored at <paramref name="otherKey"/> (a folder when <paramref name="otherIsFolder"/>).
    /// A file key deletes that object alone: objects "below" a file key (S3 allows k and k/x) are not its bytes.
    /// </summary>
    public static bool Overlaps(string key, bool isFolder, string otherKey, bool otherIsFolder, StringComparison cmp = StringComparison.Ordinal)
    {
        if (string.Equals(key, otherKey, cmp)) return true;
        if (isFolder && otherKey.Length > key.Length && otherKey[key.Length] == '/' && otherKey.StartsWith(key, cmp)) return true;
        if (otherIsFolder && key.Length > otherKey.Length && key[otherKey.Length] == '/' && key.StartsWith(otherKey, cmp)) return true;
        return false;
    }

    /// <summary>
    /// Every other live artifact whose bytes the delete of <paramref name="key"/> in <paramref name="storage"/>
    /// would touch, in any record with the same root. <paramref name="except"/>: the ids being removed or moved
    /// themselves (an artifact's own record, or a whole version family that moves together).
    /// </summary>
    public static List<LaminArtifact> Users(IRegistrySession s, LaminStorage storage, string key, bool isFolder, ICollection<int>? except = null)
    {
        var cmp = KeyComparison(storage);
        var sameRoot = s.StoragesByRoot(storage.Root).Select(x => x.Id).ToHashSet();
        sameRoot.Add(storage.Id);
        var candidates = new Dictionary<int, LaminArtifact>();
        void Add(IEnumerable<LaminArtifact> rows)
        {
            foreach (var a in rows)
                if (sameRoot.Contains(a.StorageId) && (except is null || !except.Contains(a.Id))) candidates.TryAdd(a.Id, a);
        }
        // The same key and every folder above it (a registered folder that includes this object).
        var prefixes = new List<string> { key };
        for (int i = key.LastIndexOf('/'); i > 0; i = key.LastIndexOf('/', i - 1)) prefixes.Add(key[..i]);
        foreach (var prefix in prefixes)
        {
            Add(s.ArtifactsByKey(prefix));
            Add(s.ArtifactsByRealKey(prefix));
        }
        // Auto keys (.lamindb/<uid>): versions of one folder share their object.
        if (key.StartsWith(ArtifactKeys.AutoPrefix, StringComparison.Ordinal))
        {
            var name = key[ArtifactKeys.AutoPrefix.Length..];
            if (name.Length >= 16) { var stem = name[..16]; Add(s.ArtifactsByUidPrefix(stem)); }
        }
        // Artifacts registered below a folder that is deleted.
        if (isFolder)
        {
            var below = key + "/";
            Add(s.ArtifactsByKeyPrefix(below));
            Add(s.ArtifactsByRealKeyPrefix(below));
        }
        // A file system that ignores case: the key indexes are ordinal, so every artifact of the root is a candidate.
        if (cmp != StringComparison.Ordinal) foreach (var id in sameRoot) Add(s.ArtifactsInStorage(id));
        var users = candidates.Values
            .Where(a => Overlaps(key, isFolder, a.StorageKey(), a.NFiles is not null, cmp))
            .OrderBy(a => a.Id)
            .ToList();
        // Artifacts this session can't see (PostgreSQL, SPEC §7) may hold these bytes: count them as a user, naming nothing.
        if (sameRoot.Any(s.HidesArtifactsIn)) users.Add(Hidden);
        return users;
    }

    /// <summary>Stands for artifacts in spaces the user can't see, whose keys it can't check: its space is none the user has.</summary>
    public static readonly LaminArtifact Hidden = new() { Id = -1, Uid = "(not shown)", Key = "an artifact in a space you have no access to", SpaceId = -1 };

    /// <summary>A short list of artifacts for a message: "uid (key)".</summary>
    public static string Describe(IReadOnlyCollection<LaminArtifact> users) =>
        users.Count == 0 ? "another artifact" :
        string.Join(", ", users.Take(5).Select(a => a.Key is null ? a.Uid : $"{a.Uid} ('{a.Key}')")) +
        (users.Count > 5 ? $" and {users.Count - 5} more" : "");
}
