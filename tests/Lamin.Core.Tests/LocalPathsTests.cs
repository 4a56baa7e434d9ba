using Lamin.Core.Roots;
using Xunit;

namespace Lamin.Core.Tests;

public class LocalPathsTests : IDisposable
{
    private readonly TempDir _temp = new("lamin-paths");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ExpandHome_expands_only_a_leading_tilde()
    {
        var home = LocalPaths.Home;
        Assert.False(string.IsNullOrEmpty(home));
        Assert.Equal(home, LocalPaths.ExpandHome("~"));
        Assert.Equal(Path.Combine(home, "a", "b"), LocalPaths.ExpandHome("~/a/b"));
        Assert.Equal("~user/x", LocalPaths.ExpandHome("~user/x"));
        Assert.Equal("a/~/b", LocalPaths.ExpandHome("a/~/b"));
        Assert.Equal("/abs/path", LocalPaths.ExpandHome("/abs/path"));
    }

    [Fact]
    public void Resolve_makes_relative_paths_absolute_against_the_given_directory()
    {
        var cwd = _temp.Sub("cwd", create: true);
        Assert.Equal(Path.Combine(cwd, "x"), LocalPaths.Resolve("x", cwd));
        Assert.Equal(Path.Combine(cwd, "x"), LocalPaths.Resolve("./x/", cwd));
        Assert.Equal(Path.Combine(_temp.Path, "y"), LocalPaths.Resolve("../y", cwd));
        Assert.Equal("/abs/x", LocalPaths.Resolve("/abs/x", cwd));
    }

    [Theory]
    [InlineData("/", "/")]
    [InlineData("/a/b/", "/a/b")]
    [InlineData("/a/b//", "/a/b")]
    [InlineData("/a/b", "/a/b")]
    public void TrimTrailingSeparator_keeps_the_file_system_root(string input, string expected) =>
        Assert.Equal(expected, LocalPaths.TrimTrailingSeparator(input));

    [Fact]
    public void ResolveLinks_appends_the_missing_part_unchanged()
    {
        var missing = Path.Combine(_temp.Path, "no", "such", "folder");
        Assert.Equal(missing, LocalPaths.ResolveLinks(missing));
        Assert.Equal(_temp.Path, LocalPaths.ResolveLinks(_temp.Path));
    }

    [UnixFact]
    public void ResolveLinks_follows_links_in_the_middle_of_a_path()
    {
        var real = _temp.Sub(Path.Combine("deep", "real"), create: true);
        Directory.CreateDirectory(Path.Combine(real, "inner"));
        var link = Path.Combine(_temp.Path, "l");
        Directory.CreateSymbolicLink(link, real);
        Assert.Equal(Path.Combine(real, "inner", "missing"), LocalPaths.ResolveLinks(Path.Combine(link, "inner", "missing")));
    }

    [UnixFact]
    public void A_symlink_loop_is_an_IOException_not_a_hang()
    {
        var a = Path.Combine(_temp.Path, "a");
        var b = Path.Combine(_temp.Path, "b");
        File.CreateSymbolicLink(a, b);
        File.CreateSymbolicLink(b, a);
        var e = Assert.Throws<IOException>(() => LocalPaths.ResolveLinks(Path.Combine(a, "x")));
        Assert.Contains("symbolic links", e.Message);
    }

    [UnixTheory]
    [InlineData("/a/b", "/a", true)]
    [InlineData("/a", "/a", true)]
    [InlineData("/a/b/c", "/a/b", true)]
    [InlineData("/a/bc", "/a/b", false)]
    [InlineData("/a", "/a/b", false)]
    [InlineData("/x", "/", true)]
    [InlineData("/A/b", "/a", false)]
    public void IsUnder_compares_whole_segments(string path, string root, bool expected)
    {
        Assert.Equal(expected, LocalPaths.IsUnder(path, root));
    }

    [Theory]
    [InlineData("/tmp/lab/x.txt", "/", "tmp/lab/x.txt")]     // a whole-file-system root loses no character
    [InlineData("/data/raw/x.txt", "/data", "raw/x.txt")]
    [InlineData("/data/raw/x.txt", "/data/", "raw/x.txt")]
    [InlineData(@"E:\raw\x.txt", @"E:\", "raw/x.txt")]        // a whole drive (Windows form, as a string)
    public void RelativeKey_keeps_every_character_of_the_key(string path, string root, string expected)
    {
        Assert.Equal(expected, LocalPaths.RelativeKey(path, root));
    }
}
