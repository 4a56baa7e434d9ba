
namespace Lamin.Core.Services;

/// <summary>
/// Version families (SPEC §10 rules 9 and 16), in one place: the versions of a key belong to (key, location), share a stem,
/// and exactly one of them per (key, location) is the latest. A commit finds the latest version and demotes it for the
/// next one (<see cref="LatestAt"/>, <see cref="NextVersion"/>, <see cref="Demote"/>); a trash, restore, permanent removal
/// or move recomputes it (<see cref="RecomputeLatest"/>); the registry holds the same rule as a unique index on both
/// engines (PostgreSQL's artifact_latest_key, LiteDB's latest_key).
/// </summary>
internal static class VersionFamilies
{
    /// <summary>Every version of a stem (LiteDB's LIKE ignores case, so the prefix is checked again).</summary>
    internal static List<LaminArtifact> Family(IRegistrySession s, string stem) =>
        s.ArtifactsByUidPrefix(stem).Where(a => a.Uid.StartsWith(stem, StringComparison.Ordinal)).ToList();

    /// <summary>The versions of a stem in one location (a family moves, and is versioned, per location).</summary>
    internal static List<LaminArtifact> FamilyIn(IRegistrySession s, string stem, int storageId) =>
        Family(s, stem).Where(v => v.StorageId == storageId).ToList();

    /// <summary>
    /// One object per storage key of a family: folder versions share .lamindb/&lt;stem&gt; and a real key reused by a new
    /// version holds the newest bytes, so each object stands for the newest version that uses it.
    /// </summary>
    internal static List<LaminArtifact> Objects(IEnumerable<LaminArtifact> family) =>
        family.GroupBy(v => v.StorageKey()).Select(g => g.MaxBy(v => v.Version)!).ToList();

    /// <summary>
    /// Whether a newer version of the family (trashed or not) was written at the same object, so this
    /// version's bytes are gone by design: a real key reused, or a folder version written over its predecessor
    /// (SPEC §10 rule 1: Superseded). Such a version never becomes latest again (rule 16).
    /// </summary>
    internal static bool BytesReplaced(LaminArtifact v, IEnumerable<LaminArtifact> family)
    {
        var key = v.StorageKey();
        return family.Any(x => x.StorageId == v.StorageId && x.Version > v.Version && x.StorageKey() == key);
    }

    /// <summary>
    /// The older versions of <paramref name="a"/>'s family whose bytes it replaced at the same place (a real key reused, a
    /// folder version overwritten) with other content: their records still point there (SPEC §10 rule 16).
    /// </summary>
    internal static List<LaminArtifact> ReplacedBy(IRegistrySession s, LaminArtifact a)
    {
        var key = a.StorageKey();
        return Family(s, a.Stem)
            .Where(v => v.Id != a.Id && v.StorageId == a.StorageId && v.Version < a.Version && v.Hash != a.Hash && v.StorageKey() == key)
            .ToList();
    }

    /// <summary>
    /// SPEC §10 rule 9 at commit: the version a new one of <paramref name="key"/> in the location follows, from the rows
    /// with that key (<paramref name="keyRows"/>): the newest latest, non-trashed one there; null for a key new there.
    /// </summary>
    internal static LaminArtifact? LatestAt(IEnumerable<LaminArtifact> keyRows, int storageId) =>
        keyRows.Where(a => a.StorageId == storageId).Where(a => a.IsLatest && !a.IsTrashed).MaxBy(a => a.Version);

    /// <summary>
    /// Makes <paramref name="artifact"/> the next version of <paramref name="previous"/>'s family: the family's stem with the
    /// next version suffix, and the next version number. SPEC §11: never a uid whose object name NTFS or macOS would confuse
    /// with a version the family has ("000A"/"000a").
    /// </summary>
    internal static void NextVersion(IRegistrySession s, LaminArtifact previous, LaminArtifact artifact)
    {
        var stemFamily = Family(s, previous.Stem);
        artifact.Uid = VersionFileNames.NextUid(stemFamily.Select(a => a.Uid), FileSystemRules.Windows);
        artifact.Version = stemFamily.Max(a => a.Version) + 1;
    }

    /// <summary>
    /// The previous version stops being the latest one. Called BEFORE the new version goes in: PostgreSQL's unique index
    /// (one latest version per storage and key) checks each statement, so the other order is refused there (and by LiteDB's).
    /// </summary>
    internal static void Demote(IRegistrySession s, LaminArtifact previous, DateTime now)
    {
        previous.IsLatest = false;
        previous.UpdatedAt = now;
        s.Artifacts.Update(previous);
    }

    /// <summary>
    /// The one rule for "latest" after a trash, restore, permanent removal or move (SPEC §10 rules 9 and 16):
    /// per location, the newest version of the family that is not trashed and whose bytes no newer version
    /// replaced; none when that is no version (trashing the latest version at a real key leaves the key
    /// without a latest, the older ones stay Superseded), and none when another family already holds a latest
    /// version of the key in that location (exactly one latest per (key, location); the LiteDB index and
    /// PostgreSQL's artifact_latest_key enforce it too).
    /// </summary>
    internal static void RecomputeLatest(IRegistrySession s, string stem)
    {
        var family = Family(s, stem);
        var latest = new HashSet<int>();
        foreach (var place in family.GroupBy(a => a.StorageId))
        {
            var chosen = place.Where(a => !a.IsTrashed && !BytesReplaced(a, place)).MaxBy(a => a.Version);
            if (chosen is null || (chosen.Key is not null && OtherLatest(s, chosen) is not null)) continue;
            latest.Add(chosen.Id);
        }
        // Demotions first, then the promotion: one latest version per key at every statement (PostgreSQL's unique index).
        foreach (var a in family.OrderBy(a => latest.Contains(a.Id)))
        {
            bool should = latest.Contains(a.Id);
            if (a.IsLatest != should) { a.IsLatest = should; s.Artifacts.Update(a); }
        }
    }

    /// <summary>The non-trashed versions of other families at <paramref name="a"/>'s key in its location.</summary>
    private static IEnumerable<LaminArtifact> OtherFamilies(IRegistrySession s, LaminArtifact a) =>
        a.Key is null ? []
            : s.ArtifactsByKey(a.Key).Where(x => x.StorageId == a.StorageId && !x.IsTrashed && !x.Uid.StartsWith(a.Stem, StringComparison.Ordinal));

    /// <summary>The latest, non-trashed version of another family at the same key in the same location, if any.</summary>
    private static LaminArtifact? OtherLatest(IRegistrySession s, LaminArtifact a) => OtherFamilies(s, a).FirstOrDefault(x => x.IsLatest);

    /// <summary>
    /// SPEC §10 rule 16 for a restore: the live versions of other families that took <paramref name="a"/>'s key while it was
    /// in the trash, their latest version first (two latest versions of one key would compete).
    /// </summary>
    internal static List<LaminArtifact> RivalsOf(IRegistrySession s, LaminArtifact a) =>
        OtherFamilies(s, a).OrderByDescending(x => x.IsLatest).ThenByDescending(x => x.Version).ToList();

    /// <summary>
    /// SPEC §10 rule 9 for a move: the first key of <paramref name="family"/> that another family holds in the location
    /// <paramref name="storageId"/> (versions belong to (key, storage): two families would compete for "latest"), with its rows.
    /// </summary>
    internal static (string Key, List<LaminArtifact> Rows)? KeyTakenAt(IRegistrySession s, IReadOnlyCollection<LaminArtifact> family, int storageId)
    {
        var ids = family.Select(v => v.Id).ToHashSet();
        foreach (var key in family.Select(v => v.Key).OfType<string>().Distinct())
        {
            var other = s.ArtifactsByKey(key).Where(x => x.StorageId == storageId && !ids.Contains(x.Id)).ToList();
            if (other.Count > 0) return (key, other);
        }
        return null;
    }

    /// <summary>A family's records switched to another location in one transaction; then exactly one latest version of it there.</summary>
    internal static void MoveTo(IRegistrySession s, IEnumerable<LaminArtifact> versions, LaminStorage target, string stem, DateTime stamp)
    {
        foreach (var v in versions)
        {
            v.StorageId = target.Id;
            v.StorageUid = target.Uid;
            v.UpdatedAt = stamp;
            s.Artifacts.Update(v);
        }
        RecomputeLatest(s, stem);
    }
}
