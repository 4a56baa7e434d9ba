using System.Text;
using Lamin.Core.Errors;
using Lamin.Core.Query;
using Lamin.Core.Roots;
using Lamin.Core.Storage;
using Lamin.Core.Util;
using Xunit;

namespace Lamin.Core.Tests;

public class UidTests
{
    [Fact]
    public void Instance_uid_follows_SPEC_vector() =>
        Assert.Equal("7clAMMtTbqlK", Uids.InstanceUid(Guid.Parse("10075f07-0b0b-48b0-9006-18724fb3be62")));

    [Fact]
    public void Hash_and_encode_as_base62_vector() =>
        Assert.Equal("7clAMMtTbqlKVQPmUbqnIq", Uids.HashAndEncodeAsBase62("10075f070b0b48b0900618724fb3be62"));

    [Fact]
    public void Leading_zero_bytes_become_0_plus_alphabet_0() =>
        Assert.Equal("001", Uids.EncodeBase62([0, 1]));

    [Fact]
    public void Random_uids_have_the_length_and_alphabet()
    {
        var uid = Uids.NewStorageUid();
        Assert.Equal(12, uid.Length);
        Assert.True(Uids.IsBase62(uid));
        Assert.NotEqual(uid, Uids.NewStorageUid());
    }
}

public class StorageRootTests
{
    private const string Cwd = "/work/here";

    [Theory]
    [InlineData("s3://b/p", "s3")]
    [InlineData("gs://b", "gs")]
    [InlineData("hf://datasets/x", "hf")]
    [InlineData("https://x.org/a", "https")]
    [InlineData("/abs/dir", "local")]
    [InlineData("./rel", "local")]
    [InlineData("file:///abs", "local")]
    public void Type_comes_from_the_protocol(string root, string type) => Assert.Equal(type, StorageRoot.DetectType(root));

    [Fact]
    public void Unsupported_protocol_names_it_and_the_valid_ones()
    {
        var e = Assert.Throws<LaminException>(() => StorageRoot.Parse("incorrect-protocol://some-path/x", Cwd));
        Assert.Equal(ErrorIds.UnsupportedProtocol, e.ErrorId);
        Assert.Contains("Protocol incorrect-protocol is not supported", e.Message);
        Assert.Contains("local, gs, s3, hf, http, https", e.Message);
    }

    [Theory]
    [InlineData("s3://bucket/", "s3://bucket")]
    [InlineData("s3://bucket/key/", "s3://bucket/key")]
    [InlineData("s3://bucket//a///b", "s3://bucket/a/b")]
    [InlineData("s3://bucket/key?endpoint_url=http://localhost:8000/s3", "s3://bucket/key?endpoint_url=http://localhost:8000/s3")]
    [InlineData("s3://bucket/?endpoint_url=http%3A%2F%2F127.0.0.1%3A9000%2F", "s3://bucket?endpoint_url=http://127.0.0.1:9000")]
    [InlineData("gs://bucket/prefix/", "gs://bucket/prefix")]
    public void Cloud_roots_are_normalised(string input, string expected) => Assert.Equal(expected, StorageRoot.Parse(input, Cwd).Root);

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("s3://")]
    [InlineData("s3:///x")]
    [InlineData("s3://Bad_Bucket!")]
    [InlineData("s3://b/../x")]
    [InlineData("s3://bucket?endpoint_url=http://a&endpoint_url=http://b")]
    [InlineData("s3://bucket?region=eu")]
    [InlineData("gs://bucket?endpoint_url=http://a")]
    [InlineData("/data/.lamindb")]
    [InlineData("s3://bucket/.lamindb/x")]
    [InlineData("bad\u0001root")]
    public void Bad_roots_are_InvalidRoot(string root)
    {
        var e = Assert.Throws<LaminException>(() => StorageRoot.Parse(root, Cwd));
        Assert.Equal(ErrorIds.InvalidRoot, e.ErrorId);
    }

    [Fact]
    public void Relative_local_roots_resolve_against_the_given_directory_and_lose_a_trailing_separator()
    {
        var dir = Path.Combine(Path.GetTempPath(), "lamin-roots-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var real = LocalPaths.ResolveLinks(dir);
            Assert.Equal(Path.Combine(real, "sub"), StorageRoot.Parse("sub/", real).Root);
            Assert.Equal(Path.Combine(real, "x"), StorageRoot.Parse("./a/../x", real).Root);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Symlinks_along_a_local_root_are_resolved_also_for_a_folder_that_does_not_exist_yet()
    {
        if (OperatingSystem.IsWindows()) return;
        var dir = LocalPaths.ResolveLinks(Path.Combine(Path.GetTempPath(), "lamin-links-" + Guid.NewGuid().ToString("N")));
        var real = Directory.CreateDirectory(Path.Combine(dir, "real")).FullName;
        var link = Path.Combine(dir, "link");
        Directory.CreateSymbolicLink(link, real);
        try
        {
            Assert.Equal(real, StorageRoot.Parse(link, "/").Root);
            Assert.Equal(Path.Combine(real, "new", "deeper"), StorageRoot.Parse(Path.Combine(link, "new", "deeper"), "/").Root);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("s3://bucket/key", "key")]
    [InlineData("s3://bucket/", "bucket")]
    [InlineData("s3://bucket/a/Key?endpoint_url=http://h:1", "key")]
    [InlineData("/some/LocalPath", "localpath")]
    public void Instance_names_are_inferred_from_the_last_segment(string root, string name) =>
        Assert.Equal(name, StorageRoot.Parse(root, "/").InferName());
}

public class MarkerTests
{
    [Fact]
    public void A_marker_written_by_Lamin_parses_back()
    {
        var text = Marker.Content("AbCdEfGhIjKl", "inst", Guid.NewGuid(), "7clAMMtTbqlK");
        var m = Marker.Parse(Encoding.UTF8.GetBytes(text.Replace("\n", "\r\n")), "x");
        Assert.Equal("AbCdEfGhIjKl", m.StorageUid);
        Assert.Equal("7clAMMtTbqlK", m.InstanceUid);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a uid\n")]
    [InlineData("short\n")]
    public void Empty_or_garbage_markers_are_MarkerInvalid(string text)
    {
        var e = Assert.Throws<LaminException>(() => Marker.Parse(Encoding.UTF8.GetBytes(text), "where"));
        Assert.Equal(ErrorIds.MarkerInvalid, e.ErrorId);
        Assert.Contains("where", e.Message);
    }

    [Fact]
    public void Binary_and_huge_markers_are_MarkerInvalid()
    {
        Assert.Equal(ErrorIds.MarkerInvalid, Assert.Throws<LaminException>(() => Marker.Parse(new byte[] { 65, 0, 66 }, "x")).ErrorId);
        Assert.Equal(ErrorIds.MarkerInvalid, Assert.Throws<LaminException>(() => Marker.Parse(new byte[Marker.MaxBytes + 1], "x")).ErrorId);
    }
}

public class QueryTests
{
    private sealed class Row
    {
        public int Id { get; set; }
        public string Root { get; set; } = "";
        public string? Description { get; set; }
        public bool IsLocked { get; set; }
    }

    private static readonly RecordFields<Row> Fields = new();
    private static readonly Row[] Rows =
    [
        new() { Id = 1, Root = "s3://bucket/a", Description = "raw data" },
        new() { Id = 2, Root = "/mnt/archive", Description = null, IsLocked = true },
        new() { Id = 3, Root = "gs://other", Description = "Raw images" },
    ];

    private static int[] Filter(params (string Key, object? Value)[] conditions)
    {
        var f = new RecordFilter<Row>(Fields, conditions.Select(c => new KeyValuePair<string, object?>(c.Key, c.Value)));
        return Rows.Where(f.Matches).Select(r => r.Id).ToArray();
    }

    [Fact]
    public void Every_lookup_works_and_names_are_snake_or_pascal()
    {
        Assert.Equal([1], Filter(("root__startswith", "s3://")));
        Assert.Equal([2], Filter(("Root__endswith", "archive")));
        Assert.Equal([1, 3], Filter(("description__icontains", "RAW")));
        Assert.Equal([1], Filter(("description__contains", "raw")));
        Assert.Equal([3], Filter(("description__iexact", "raw IMAGES")));
        Assert.Equal([2], Filter(("description__isnull", true)));
        Assert.Equal([1, 3], Filter(("id__in", new object[] { 1, 3 })));
        Assert.Equal([3], Filter(("id__gt", 2)));
        Assert.Equal([2, 3], Filter(("id__gte", 2)));
        Assert.Equal([1], Filter(("id__lt", 2)));
        Assert.Equal([1, 2], Filter(("id__lte", "2")));
        Assert.Equal([2], Filter(("is_locked", true)));
        Assert.Equal([1], Filter(("id", 1), ("root__contains", "bucket")));
    }

    [Fact]
    public void Unknown_fields_lookups_and_non_numeric_ids_are_refused()
    {
        var e = Assert.Throws<LaminException>(() => Filter(("nonexistent", "v")));
        Assert.Equal(ErrorIds.UnknownField, e.ErrorId);
        Assert.Contains("Unknown field 'nonexistent'. Available fields:", e.Message);
        Assert.Equal(ErrorIds.UnknownFieldLookup, Assert.Throws<LaminException>(() => Filter(("root__bogus", "v"))).ErrorId);
        var n = Assert.Throws<LaminException>(() => Filter(("id", "abc")));
        Assert.Equal(ErrorIds.InvalidFilterValue, n.ErrorId);
        Assert.Equal("Field 'id' expected a number but got 'abc'.", n.Message);
    }

    [Fact]
    public void Search_ranks_with_LaminDBs_weights()
    {
        var records = new[] { "Record 0", "Record 1", "Record 2", "record 10" }.Select((d, i) => new Row { Id = i, Description = d }).ToList();
        var hits = SearchRanker.Rank(records, Fields, "Record 1", ["description"]);
        Assert.Equal("Record 1", hits[0].Record.Description);
        Assert.Equal(200 + 10 + 2 + 2 + 1, hits[0].Score);   // exact, bounded sub-phrase, word start, word end, contains
        Assert.Equal(2 + 1, hits.Single(h => h.Record.Description == "record 10").Score);
        Assert.Single(SearchRanker.Rank(records, Fields, "Record 1", ["description"], limit: 1));
        Assert.DoesNotContain(SearchRanker.Rank(records, Fields, "record 1", ["description"], caseSensitive: true), h => h.Record.Description == "Record 1");
    }

    [Theory]
    [InlineData("cat[")]
    [InlineData("*_*")]
    public void Search_takes_special_characters_literally(string q)
    {
        var rows = new[] { new Row { Description = "a cat[ b" }, new Row { Description = "x *_* y" }, new Row { Description = "nothing" } };
        var hits = SearchRanker.Rank(rows, Fields, q, ["description"]);
        Assert.Single(hits);
        Assert.Contains(q, hits[0].Record.Description);
    }

    [Fact]
    public void An_empty_search_is_refused() =>
        Assert.Equal(ErrorIds.InvalidSearchQuery, Assert.Throws<LaminException>(() => SearchRanker.Rank(Rows, Fields, "  ")).ErrorId);

    [Theory]
    [InlineData("s3://My-Bucket/x", "s3_my_bucket_x")]
    [InlineData("/tmp/abc", "_tmp_abc")]
    [InlineData("2024 data", "_2024_data")]
    public void Lookup_names_follow_the_SPEC(string value, string name) => Assert.Equal(name, LookupBuilder.ToIdentifier(value));

    [Fact]
    public void Wildcards_match_like_PowerShell()
    {
        Assert.True(Wildcard.IsMatch("s3://Bucket/a", "s3://bucket/*"));
        Assert.True(Wildcard.IsMatch("abc", "a?c"));
        Assert.True(Wildcard.IsMatch("abc", "[ab]bc"));
        Assert.False(Wildcard.IsMatch("abc", "b*"));
        Assert.True(Wildcard.IsMatch("a*c", "a`*c"));
        Assert.False(Wildcard.IsMatch("abc", "a`*c"));
    }
}
