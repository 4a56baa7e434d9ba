using Lamin.Core.Query;
using Xunit;

namespace Lamin.Core.Tests;

public class LookupBuilderTests
{
    [Theory]
    [InlineData("s3://My-Bucket/x", "s3_my_bucket_x")]
    [InlineData("/tmp/abc", "_tmp_abc")]
    [InlineData("2024 data", "_2024_data")]
    [InlineData("9", "_9")]
    [InlineData("Raw Data", "raw_data")]
    [InlineData("a--b__c  d", "a_b_c_d")]
    [InlineData("trailing/", "trailing_")]
    [InlineData("UPPER", "upper")]
    [InlineData("a.b.c", "a_b_c")]
    [InlineData("already_ok", "already_ok")]
    [InlineData("x1y2", "x1y2")]
    public void Identifiers_are_lower_case_with_runs_of_other_characters_as_one_underscore(string value, string name) =>
        Assert.Equal(name, LookupBuilder.ToIdentifier(value));

    [Fact]
    public void Identifiers_never_start_with_a_digit()
    {
        foreach (var v in new[] { "0abc", "1", "123 456", "7clAMMtTbqlK" })
        {
            var id = LookupBuilder.ToIdentifier(v);
            Assert.False(char.IsDigit(id[0]), id);
            Assert.StartsWith("_", id);
        }
    }

    [Fact]
    public void An_empty_or_symbol_only_value_still_gives_a_name()
    {
        Assert.Equal("_", LookupBuilder.ToIdentifier(""));
        Assert.Equal("_", LookupBuilder.ToIdentifier("///"));
    }

    [Fact]
    public void Colliding_names_are_suffixed_in_order_and_keep_their_original_values()
    {
        var built = LookupBuilder.Build<int>([("Raw Data", 1), ("raw-data", 2), ("raw data", 3), ("other", 4)]);
        Assert.Equal(4, built.Count);
        Assert.Equal(("raw_data", "Raw Data", 1), built[0]);
        Assert.Equal(("raw_data_2", "raw-data", 2), built[1]);
        Assert.Equal(("raw_data_3", "raw data", 3), built[2]);
        Assert.Equal(("other", "other", 4), built[3]);
    }

    [Fact]
    public void Null_and_empty_values_are_named_underscore()
    {
        var built = LookupBuilder.Build<string>([(null, "a"), ("x", "b"), ("", "c")]);
        Assert.Equal(["_", "x", "__2"], built.Select(b => b.Name));
        Assert.Null(built[0].Original);
    }

    [Fact]
    public void Names_of_members_are_suffixed_case_insensitively()
    {
        var built = LookupBuilder.Build<int>([("Registry", 1), ("tohashtable", 2)], ["Registry", "ToHashtable"]);
        Assert.Equal(["registry_2", "tohashtable_2"], built.Select(b => b.Name));
    }

    [Fact]
    public void Names_are_unique_in_the_result()
    {
        var values = new[] { "/a/b", "/a_b", "_a-b", "A/B", "/a/c" };
        var built = LookupBuilder.Build(values.Select((v, i) => ((string?)v, i)));
        Assert.Equal(built.Count, built.Select(b => b.Name).Distinct().Count());
        Assert.Equal(["_a_b", "_a_b_2", "_a_b_3", "a_b", "_a_c"], built.Select(b => b.Name));
    }
}
