using Lamin.Core.Artifacts;
using Lamin.Core.Roots;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>Version uids that differ only in case never share one object file (SPEC §11).</summary>
[Trait("Platform", "Windows")]
public class VersionFileNamesWindowsTests
{
    private const string Stem = "AbCdEfGhIjKlMnOp";

    private static List<string> Family(int count) =>
        Enumerable.Range(0, count).Aggregate(new List<string> { Stem + "0000" }, (f, _) => { f.Add(ArtifactVersions.Next(f)); return f; })
            .Take(count).ToList();

    [Fact]
    public void Versions_11_and_37_of_LaminDB_numbering_are_one_file_on_NTFS()
    {
        var family = Family(37);
        Assert.Equal(Stem + "000A", family[10]);
        Assert.Equal(Stem + "000a", family[36]);
        var keys = family.Select(u => ArtifactKeys.AutoKey(u, ".csv", false)).ToList();
        var g = Assert.Single(VersionFileNames.Collisions(keys, FileSystemRules.Windows));
        Assert.Equal([keys[10], keys[36]], g);
        Assert.Empty(VersionFileNames.Collisions(keys, FileSystemRules.Posix));
    }

    [Fact]
    public void The_next_uid_under_NTFS_rules_skips_the_suffix_that_would_overwrite_version_11()
    {
        var family = Family(36); // 0000 … 000Z
        Assert.Equal(Stem + "000Z", family[^1]);
        Assert.Equal(Stem + "000a", ArtifactVersions.Next(family));
        var next = VersionFileNames.NextUid(family, FileSystemRules.Windows);
        // 000a … 000z would each overwrite 000A … 000Z on NTFS: the next free name is 0010.
        Assert.Equal(Stem + "0010", next);
        Assert.DoesNotContain(family, u => FileSystemRules.Windows.Equals(u, next));
        Assert.True(ArtifactVersions.SuffixValue(next) > ArtifactVersions.SuffixValue(family[^1]));
    }

    [Fact]
    public void Under_NTFS_rules_every_new_version_has_a_file_name_of_its_own()
    {
        var family = new List<string> { Stem + "0000" };
        for (int i = 0; i < 300; i++) family.Add(VersionFileNames.NextUid(family, FileSystemRules.Windows));
        var keys = family.Select(u => ArtifactKeys.AutoKey(u, ".csv", false));
        Assert.Empty(VersionFileNames.Collisions(keys, FileSystemRules.Windows));
        Assert.Equal(family.OrderBy(ArtifactVersions.SuffixValue), family); // versions still in order
    }

    [Fact]
    public void Under_Posix_rules_the_next_uid_is_LaminDBs()
    {
        var family = Family(36);
        Assert.Equal(ArtifactVersions.Next(family), VersionFileNames.NextUid(family, FileSystemRules.Posix));
    }

    [Fact]
    public void Uids_differing_only_in_case_are_one_object_on_NTFS_and_macOS_only()
    {
        Assert.True(VersionFileNames.SameObject(Stem + "000A", Stem + "000a", FileSystemRules.Windows));
        Assert.True(VersionFileNames.SameObject(Stem + "000A", Stem + "000a", FileSystemRules.CaseInsensitivePosix));
        Assert.False(VersionFileNames.SameObject(Stem + "000A", Stem + "000a", FileSystemRules.Posix));
    }
}
