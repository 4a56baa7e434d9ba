using Lamin.Core.Errors;
using Lamin.Core.Model;
using Lamin.Core.Query;
using Lamin.Core.Services;
using Xunit;

namespace Lamin.Core.Tests;

public class SearchRankerTests
{
    private sealed class Row
    {
        public int Id { get; set; }
        public string? Name { get; set; }
        public string? Description { get; set; }
        public int Count { get; set; }
    }

    private static readonly RecordFields<Row> Fields = new();

    private static List<Row> Rows(params string?[] names) => names.Select((n, i) => new Row { Id = i, Name = n }).ToList();

    private static int Score(string value, string query, bool caseSensitive = false) =>
        SearchRanker.Rank(Rows(value), Fields, query, ["name"], caseSensitive: caseSensitive).SingleOrDefault()?.Score ?? 0;

    [Fact]
    public void LaminDBs_test_Record_1_over_Record_0_to_2_comes_first()
    {
        var hits = SearchRanker.Rank(Rows("Record 0", "Record 1", "Record 2"), Fields, "Record 1");
        Assert.Equal("Record 1", hits[0].Record.Name);
    }

    [Fact]
    public void An_exact_match_scores_215_exact_bounded_start_end_contains() =>
        Assert.Equal(200 + 10 + 2 + 2 + 1, Score("Record 1", "Record 1"));

    [Theory]
    [InlineData("xRecord 1x", 1)]                 // contains
    [InlineData("x Record 1x", 2 + 1)]            // word start + contains
    [InlineData("xRecord 1 x", 2 + 1)]            // word end + contains
    [InlineData("x|Record 1|x", 10 + 2 + 2 + 1)]  // '|' bounds a sub-phrase and a word
    [InlineData(".Record 1.", 10 + 1)]            // bounded by '.' only (not a word boundary)
    [InlineData("a, Record 1; b", 10 + 2 + 1)]    // bounded by ' ' and ';', word start
    [InlineData("a Record 1 b", 10 + 2 + 2 + 1)]  // bounded sub-phrase + start + end + contains
    [InlineData("Record 1 and more", 10 + 2 + 2 + 1)]
    [InlineData("Record 10", 2 + 1)]              // starts a word but does not end one
    [InlineData("Record 2", 0)]                   // no match at all
    public void Each_weight_adds_up(string value, int expected) => Assert.Equal(expected, Score(value, "Record 1"));

    [Fact]
    public void Weights_are_summed_over_fields()
    {
        var row = new Row { Name = "cat", Description = "a cat" };
        var hit = Assert.Single(SearchRanker.Rank([row], Fields, "cat"));
        Assert.Equal(215 + (10 + 2 + 2 + 1), hit.Score);
    }

    [Fact]
    public void Results_are_ordered_by_score_and_ties_keep_their_order()
    {
        var hits = SearchRanker.Rank(Rows("xcatx", "cat", "the cat sat", "zcatz", "cats"), Fields, "cat");
        Assert.Equal(["cat", "the cat sat", "cats", "xcatx", "zcatz"], hits.Select(h => h.Record.Name));
        Assert.True(hits.Zip(hits.Skip(1)).All(p => p.First.Score >= p.Second.Score));
    }

    [Fact]
    public void Rows_without_a_match_are_left_out()
    {
        var hits = SearchRanker.Rank(Rows("dog", null, "cat", ""), Fields, "cat");
        Assert.Equal(["cat"], hits.Select(h => h.Record.Name));
    }

    [Fact]
    public void The_limit_defaults_to_20_and_can_be_changed()
    {
        var rows = Rows(Enumerable.Range(0, 30).Select(i => $"item {i}").ToArray());
        Assert.Equal(20, SearchRanker.Rank(rows, Fields, "item").Count);
        Assert.Single(SearchRanker.Rank(rows, Fields, "item", limit: 1));
        Assert.Equal(5, SearchRanker.Rank(rows, Fields, "item", limit: 5).Count);
        Assert.Equal(30, SearchRanker.Rank(rows, Fields, "item", limit: null).Count);
    }

    [Fact]
    public void Search_ignores_case_unless_asked()
    {
        Assert.Equal(215, Score("Record 1", "record 1"));
        Assert.Equal(0, Score("Record 1", "record 1", caseSensitive: true));
        Assert.Equal(215, Score("Record 1", "Record 1", caseSensitive: true));
        var hits = SearchRanker.Rank(Rows("RAW data", "raw data"), Fields, "raw", caseSensitive: true);
        Assert.Equal(["raw data"], hits.Select(h => h.Record.Name));
    }

    [Fact]
    public void The_query_is_trimmed() => Assert.Equal(215, Score("Record 1", "  Record 1 "));

    [Theory]
    [InlineData("cat[")]
    [InlineData("*_*")]
    [InlineData("a.c")]
    [InlineData("(x)")]
    [InlineData("a+b")]
    [InlineData("$^")]
    [InlineData("\\d")]
    public void Special_characters_are_literal(string q)
    {
        var rows = Rows($"before {q} after", "abc", "a cat b", "x *x_x* y", "ab", "xx", "1", "d");
        var hit = Assert.Single(SearchRanker.Rank(rows, Fields, q));
        Assert.Equal($"before {q} after", hit.Record.Name);
        Assert.Equal(10 + 2 + 2 + 1, hit.Score);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void A_null_or_empty_query_is_InvalidSearchQuery(string? q) =>
        LaminAssert.Throws(ErrorIds.InvalidSearchQuery, () => SearchRanker.Rank(Rows("a"), Fields, q));

    [Fact]
    public void An_unknown_field_is_UnknownField_naming_the_text_fields()
    {
        var e = LaminAssert.Throws(ErrorIds.UnknownField, () => SearchRanker.Rank(Rows("a"), Fields, "a", ["nonexistent"]));
        Assert.Contains("Unknown field 'nonexistent'", e.Message);
        Assert.Contains("name", e.Message);
        Assert.Contains("description", e.Message);
    }

    [Fact]
    public void Field_restricts_where_to_look()
    {
        var rows = new List<Row> { new() { Name = "alpha", Description = "beta" }, new() { Name = "beta", Description = "alpha" } };
        var hits = SearchRanker.Rank(rows, Fields, "beta", ["description"]);
        Assert.Equal("alpha", Assert.Single(hits).Record.Name);
        Assert.Equal(2, SearchRanker.Rank(rows, Fields, "beta").Count);
    }

    [Fact]
    public void Non_text_fields_are_not_searched_by_default()
    {
        Assert.DoesNotContain("count", Fields.TextFieldNames);
        Assert.DoesNotContain("id", Fields.TextFieldNames);
        Assert.Empty(SearchRanker.Rank([new Row { Id = 42, Count = 42, Name = "x" }], Fields, "42"));
    }

    [Fact]
    public void Storage_records_are_searched_over_their_text_fields()
    {
        var rows = new List<LaminStorage>
        {
            new() { Id = 1, Uid = "AAAAAAAAAAAA", Root = "/data/cat", Description = "cat", Type = "local", CreatedBy = "alice" },
            new() { Id = 2, Uid = "BBBBBBBBBBBB", Root = "s3://dogs", Description = "dogs", Type = "s3", CreatedBy = "alice" },
        };
        var hits = SearchRanker.Rank(rows, StorageService.Fields, "cat");
        var hit = Assert.Single(hits);
        Assert.Equal(1, hit.Record.Id);
        Assert.Equal(215 + (2 + 1), hit.Score); // description exact; root "/data/cat" ends a word
        Assert.Equal(2, Assert.Single(SearchRanker.Rank(rows, StorageService.Fields, "BBBB")).Record.Id);
    }

    // ---- SPEC rule 16, issue 26 point 6: hash fields match whole or by a prefix of 8+ characters, after text matches.

    private sealed class Hashed
    {
        public string? Key { get; set; }
        public string? Hash { get; set; }
    }

    private static readonly RecordFields<Hashed> HashedFields = new();

    private static List<Ranked<Hashed>> RankHashed(string query, params Hashed[] rows) =>
        SearchRanker.Rank(rows, HashedFields, query, limit: null, hashFields: ["hash"]);

    [Fact]
    public void A_hash_does_not_match_a_query_inside_it()
    {
        Assert.Empty(RankHashed("img", new Hashed { Key = "a.txt", Hash = "xYimgQ0aaaaaaaaaaaaaaa" }));
    }

    [Fact]
    public void A_hash_matches_whole_or_by_a_prefix_of_at_least_8_characters()
    {
        var row = new Hashed { Key = "a.txt", Hash = "DMF1ucDxtqgxw5niaXcmYQ" };
        Assert.Equal(200, Assert.Single(RankHashed("DMF1ucDxtqgxw5niaXcmYQ", row)).Score);
        Assert.Equal(2, Assert.Single(RankHashed("DMF1ucDx", row)).Score);
        Assert.Empty(RankHashed("DMF1ucD", row));
        Assert.Empty(RankHashed("MF1ucDxt", row));
    }

    [Fact]
    public void A_hash_match_never_outranks_a_key_match()
    {
        var byHash = new Hashed { Key = "other.txt", Hash = "imgimgimgimgimgimgimgi" };
        var byKey = new Hashed { Key = "raw/xximgimgimgimgimgimgimgixx.tif", Hash = "AAAAAAAAAAAAAAAAAAAAAA" };
        var hits = RankHashed("imgimgimgimgimgimgimgi", byHash, byKey);
        Assert.Equal([byKey, byHash], hits.Select(h => h.Record));
        Assert.True(hits[1].Score > hits[0].Score); // the whole-hash match scores more, and still ranks after the key
    }

    [Fact]
    public void Without_hash_fields_every_text_field_is_searched_as_text()
    {
        var row = new Hashed { Key = "a.txt", Hash = "xYimgQ0aaaaaaaaaaaaaaa" };
        Assert.Single(SearchRanker.Rank([row], HashedFields, "img"));
    }

    [Fact]
    public void Artifact_search_treats_the_hash_field_as_a_hash()
    {
        Assert.Equal(["hash"], ArtifactService.HashFields);
    }
}
