using Lamin.Core.Model;
using Lamin.Core.Services;
using Lamin.Core.Storage;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// The lamin: drive's key tree (SPEC §8): folders from '/'-segments in ordinal key order (where "a-c" and
/// "a.x" sort between "a" and "a/b"), a key that is also a folder, key-less artifacts at the top, depth,
/// and the ranged reader that lets Get-Content stop early.
/// </summary>
public sealed class DriveListingTests
{
    private static LaminArtifact A(string? key, string uid = "u", string suffix = "") => new() { Key = key, Uid = uid, Suffix = suffix };

    private static DriveListing Listing(params LaminArtifact[] artifacts)
    {
        var keyed = artifacts.Where(a => a.Key is not null).OrderBy(a => a.Key, StringComparer.Ordinal).ToList();
        return new DriveListing(new LaminStorage { Uid = "S" }, "", keyed, artifacts.Where(a => a.Key is null).ToList());
    }

    [Fact]
    public void Children_group_folders_even_when_other_keys_sort_between_their_members()
    {
        var l = Listing(A("a"), A("a-c"), A("a.x"), A("a/b"), A("a/c/d"), A("a0"), A(null, "K0000000000000000000", ".csv"));
        var top = l.Children("").Select(c => (c.Name, c.IsFolder, HasArtifact: c.Artifact is not null)).ToList();
        Assert.Equal([("a", true, true), ("a-c", false, true), ("a.x", false, true), ("a0", false, true), ("K0000000000000000000.csv", false, true)], top);
        Assert.Equal(["b", "c"], l.Children("a").Select(c => c.Name));
        Assert.True(l.Children("a").Single(c => c.Name == "c").IsFolder);
    }

    [Fact]
    public void Item_finds_artifacts_folders_and_keyless_names_exactly()
    {
        var keyless = A(null, "K0000000000000000000", ".csv");
        var l = Listing(A("raw/b.txt"), A("raw/sub/c.txt"), keyless);
        Assert.True(l.Item("raw")!.IsFolder);
        Assert.Null(l.Item("raw")!.Artifact);
        Assert.Equal("raw/b.txt", l.Item("raw/b.txt")!.Artifact!.Key);
        Assert.Null(l.Item("RAW"));
        Assert.Null(l.Item("ra"));
        Assert.Same(keyless, l.Item("K0000000000000000000.csv")!.Artifact);
        Assert.Null(l.Item("sub/K0000000000000000000.csv"));
    }

    [Fact]
    public void Walk_honours_depth_and_visits_every_artifact_once()
    {
        var l = Listing(A("a/b/c/d.txt"), A("a/x.txt"), A("z.txt"));
        Assert.Equal(["a", "b", "c", "d.txt", "x.txt", "z.txt"], l.Walk("", null).Select(w => w.Item.Name));
        Assert.Equal(["a", "z.txt"], l.Walk("", 0).Select(w => w.Item.Name));
        Assert.Equal(["a", "b", "x.txt", "z.txt"], l.Walk("", 1).Select(w => w.Item.Name));
        Assert.Equal(3, l.ArtifactsUnder("").Count());
        Assert.Equal(2, l.ArtifactsUnder("a").Count());
    }

    [Fact]
    public void Walk_is_one_pass_in_key_order_and_shows_an_artifact_that_is_also_a_folder_once()
    {
        var l = Listing(A("a"), A("a-c"), A("a.x"), A("a/b"), A("a/c/d"), A("a//hidden"), A("e/"), A("z/y/x.txt"));
        var all = l.Walk("", null).Select(w => (w.Item.Key, w.Item.Name, w.Item.IsFolder, w.Level)).ToList();
        Assert.Equal([
            ("a", "a", true, 0), ("a-c", "a-c", false, 0), ("a.x", "a.x", false, 0),
            ("a/b", "b", false, 1), ("a/c", "c", true, 1), ("a/c/d", "d", false, 2),
            ("e", "e", true, 0), ("z", "z", true, 0), ("z/y", "y", true, 1), ("z/y/x.txt", "x.txt", false, 2)], all);
        Assert.Equal(["b", "c"], l.Children("a").Select(c => c.Name));
        Assert.Empty(l.Children("e"));
        Assert.Equal(["a", "a-c", "a.x", "b", "c", "e", "z", "y"], l.Walk("", 1).Select(w => w.Item.Name));
        Assert.Equal(["y", "x.txt"], l.Walk("z", null).Select(w => w.Item.Name));
    }

    [Fact]
    public void Ranged_reader_asks_for_small_ranges_first_and_reads_every_byte()
    {
        var data = Enumerable.Range(0, 300_000).Select(i => (byte)(i % 251)).ToArray();
        var asked = new List<(long Offset, long Count)>();
        using var s = new RangedReadStream(data.Length, (o, n) => { asked.Add((o, n)); return new MemoryStream(data, (int)o, (int)n); });
        var first = new byte[10];
        Assert.Equal(10, s.Read(first, 0, 10));
        Assert.Equal(RangedReadStream.FirstRange, s.BytesRequested);   // stopping here fetched one small range
        using var rest = new MemoryStream();
        s.CopyTo(rest);
        Assert.Equal(data, first.Concat(rest.ToArray()));
        Assert.Equal([(0L, 65536L), (65536L, 131072L), (196608L, 103392L)], asked);
    }
}
