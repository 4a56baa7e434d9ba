using Lamin.Core.Util;

namespace Lamin.Core.Artifacts;

/// <summary>
/// Version uids and the files they name on a case-insensitive file system (SPEC §11). A file artifact
/// lives at <c>.lamindb/&lt;uid&gt;&lt;suffix&gt;</c> and the last four characters of the uid count versions in
/// base62, so version 11 ("…000A") and version 37 ("…000a") of one stem are one file on NTFS or macOS.
/// The mapping keeps LaminDB's layout (the object's name is still the uid, so any reader finds it) and
/// instead never hands out a uid whose object name a case-insensitive file system would confuse with
/// one the family already has: the next uid skips such suffixes. With <see cref="FileSystemRules.Windows"/>
/// (or any case-insensitive rules) as the rules, families stay movable to every file system.
/// </summary>
public static class VersionFileNames
{
    /// <summary>
    /// The next uid of a family (the largest suffix plus one, as <see cref="ArtifactVersions.Next"/>),
    /// moved on past every suffix whose uid the <paramref name="rules"/> cannot tell apart from a uid
    /// the family already has. Still increasing, so version order by suffix is kept.
    /// </summary>
    public static string NextUid(IEnumerable<string> familyUids, FileSystemRules rules)
    {
        var list = familyUids.ToList();
        if (list.Count == 0) throw new ArgumentException("A family has at least one uid.", nameof(familyUids));
        var taken = new HashSet<string>(list, rules.Comparer);
        var stem = list[0][..ArtifactVersions.StemLength];
        var value = list.Max(ArtifactVersions.SuffixValue) + 1;
        long limit = (long)Math.Pow(62, ArtifactVersions.SuffixLength);
        for (; value < limit; value++)
        {
            var uid = stem + Encode(value);
            if (!taken.Contains(uid)) return uid;
        }
        throw new InvalidOperationException($"The version family {stem} has no free version suffix left.");
    }

    /// <summary>
    /// Groups of object keys of one family (or of a whole location) that would be one file under
    /// <paramref name="rules"/> — what a move or relocation to such a location must refuse with
    /// KeyCollision before it copies anything.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>> Collisions(IEnumerable<string> objectKeys, FileSystemRules rules) =>
        rules.FindCollisions(objectKeys);

    /// <summary>True when two uids name one object file under <paramref name="rules"/> (same suffix).</summary>
    public static bool SameObject(string uidA, string uidB, FileSystemRules rules) => rules.Equals(uidA, uidB);

    private static string Encode(long value)
    {
        var chars = new char[ArtifactVersions.SuffixLength];
        for (int i = chars.Length - 1; i >= 0; i--) { chars[i] = Uids.Base62Alphabet[(int)(value % 62)]; value /= 62; }
        return new string(chars);
    }
}
