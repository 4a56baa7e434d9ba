using Lamin.Core.Errors;
using Lamin.Core.Model;
using Lamin.Core.Query;
using Lamin.Core.Services;
using Xunit;

namespace Lamin.Core.Tests;

public class RecordFilterTests
{
    private static readonly DateTime T0 = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static readonly LaminStorage[] Rows =
    [
        new() { Id = 1, Uid = "AAAAAAAAAAA1", Root = "s3://bucket/a", Type = "s3", Region = "us-east-1", Description = "raw data", InstanceUid = "7clAMMtTbqlK", CreatedAt = T0 },
        new() { Id = 2, Uid = "BBBBBBBBBBB2", Root = "/mnt/archive", Type = "local", Host = "laptop", Description = null, IsLocked = true, InstanceUid = null, CreatedAt = T0.AddDays(1) },
        new() { Id = 3, Uid = "CCCCCCCCCCC3", Root = "gs://other", Type = "gs", Description = "Raw images", InstanceUid = "__unknown__", SpaceId = 2, CreatedAt = T0.AddDays(2) },
    ];

    private static int[] Filter(params (string Key, object? Value)[] conditions)
    {
        var f = new RecordFilter<LaminStorage>(StorageService.Fields, conditions.Select(c => new KeyValuePair<string, object?>(c.Key, c.Value)));
        return Rows.Where(f.Matches).Select(r => r.Id).ToArray();
    }

    [Fact]
    public void Exact_is_the_default_lookup_and_case_sensitive()
    {
        Assert.Equal([2], Filter(("root", "/mnt/archive")));
        Assert.Equal([2], Filter(("root__exact", "/mnt/archive")));
        Assert.Empty(Filter(("root__exact", "/MNT/archive")));
        Assert.Equal([1], Filter(("id", 1)));
        Assert.Equal([1], Filter(("id", "1")));
        Assert.Equal([1], Filter(("id", 1L)));
    }

    [Fact]
    public void Exact_with_null_matches_null_values() => Assert.Equal([2], Filter(("instance_uid", null)));

    [Fact]
    public void Iexact_ignores_case()
    {
        Assert.Equal([3], Filter(("description__iexact", "raw IMAGES")));
        Assert.Equal([2], Filter(("root__iexact", "/MNT/ARCHIVE")));
    }

    [Fact]
    public void Contains_is_case_sensitive_and_icontains_is_not()
    {
        Assert.Equal([1], Filter(("description__contains", "raw")));
        Assert.Equal([1, 3], Filter(("description__icontains", "RAW")));
        Assert.Empty(Filter(("description__contains", "RAW")));
    }

    [Fact]
    public void Startswith_and_endswith()
    {
        Assert.Equal([1], Filter(("root__startswith", "s3://")));
        Assert.Equal([2], Filter(("root__endswith", "archive")));
        Assert.Empty(Filter(("root__startswith", "S3://")));
    }

    [Fact]
    public void In_takes_a_list_and_converts_to_the_field_type()
    {
        Assert.Equal([1, 3], Filter(("id__in", new object[] { 1, 3 })));
        Assert.Equal([1, 3], Filter(("id__in", new[] { "1", "3" })));
        Assert.Equal([2, 3], Filter(("type__in", new List<string> { "local", "gs" })));
        Assert.Empty(Filter(("id__in", Array.Empty<int>())));
    }

    [Fact]
    public void In_with_a_single_string_is_InvalidFilterValue() =>
        LaminAssert.Throws(ErrorIds.InvalidFilterValue, () => Filter(("type__in", "local")));

    [Fact]
    public void Gt_gte_lt_lte_compare_numbers_and_dates()
    {
        Assert.Equal([3], Filter(("id__gt", 2)));
        Assert.Equal([2, 3], Filter(("id__gte", 2)));
        Assert.Equal([1], Filter(("id__lt", 2)));
        Assert.Equal([1, 2], Filter(("id__lte", "2")));
        Assert.Equal([2, 3], Filter(("created_at__gt", T0)));
        Assert.Equal([1, 2], Filter(("created_at__lte", "2024-01-02T00:00:00Z")));
        Assert.Equal([3], Filter(("created_at__gte", "2024-01-03")));
    }

    [Fact]
    public void Isnull_takes_a_boolean()
    {
        Assert.Equal([2], Filter(("description__isnull", true)));
        Assert.Equal([1, 3], Filter(("description__isnull", false)));
        Assert.Equal([1, 3], Filter(("host__isnull", "true")));
        var e = LaminAssert.Throws(ErrorIds.InvalidFilterValue, () => Filter(("host__isnull", "maybe")));
        Assert.Contains("host__isnull", e.Message);
    }

    [Fact]
    public void Booleans_compare_as_booleans()
    {
        Assert.Equal([2], Filter(("is_locked", true)));
        Assert.Equal([1, 3], Filter(("is_locked", "false")));
    }

    [Fact]
    public void A_non_boolean_for_a_boolean_field_names_the_field_and_its_lookup()
    {
        var e = LaminAssert.Throws(ErrorIds.InvalidFilterValue, () => Filter(("is_locked", "yes")));
        Assert.Contains("'is_locked'", e.Message);
        Assert.DoesNotContain("__isnull", e.Message); // the lookup used was exact, not isnull
    }

    [Fact]
    public void Conditions_combine_with_and() =>
        Assert.Equal([1], Filter(("id__lt", 3), ("root__contains", "bucket")));

    [Theory]
    [InlineData("instance_uid")]
    [InlineData("InstanceUid")]
    [InlineData("instanceUid")]
    [InlineData("INSTANCE_UID")]
    public void Snake_case_and_PascalCase_names_both_work(string field) =>
        Assert.Equal([3], Filter(($"{field}__exact", "__unknown__")));

    [Fact]
    public void Lookup_names_ignore_case() => Assert.Equal([1], Filter(("Root__StartsWith", "s3://")));

    [Fact]
    public void Every_lookup_of_the_SPEC_is_known()
    {
        string[] spec = ["exact", "iexact", "contains", "icontains", "startswith", "endswith", "in", "gt", "gte", "lt", "lte", "isnull"];
        Assert.Equal(spec.Order(), RecordFilter<LaminStorage>.Lookups.Order());
    }

    [Fact]
    public void An_unknown_field_is_UnknownField_listing_the_valid_ones()
    {
        var e = LaminAssert.Throws(ErrorIds.UnknownField, () => Filter(("nonexistent", "value")));
        Assert.StartsWith("Unknown field 'nonexistent'. Available fields:", e.Message);
        foreach (var f in new[] { "id", "uid", "root", "description", "type", "region", "host", "instance_uid", "is_locked", "created_at", "created_by" })
            Assert.Contains(f, e.Message);
        // Statistics-only members are not queryable fields.
        Assert.DoesNotContain("artifact_count", e.Message);
    }

    [Fact]
    public void An_unknown_field_with_a_lookup_is_UnknownField_too() =>
        LaminAssert.Throws(ErrorIds.UnknownField, () => Filter(("nonexistent__startswith", "x")));

    [Theory]
    [InlineData("root__bogus")]
    [InlineData("root__regex")]
    [InlineData("root__startswith__exact")]
    [InlineData("id__range")]
    public void An_unknown_lookup_is_UnknownFieldLookup(string key)
    {
        var e = LaminAssert.Throws(ErrorIds.UnknownFieldLookup, () => Filter((key, "v")));
        Assert.Contains("startswith", e.Message); // names the valid lookups
    }

    [Fact]
    public void A_non_numeric_id_is_InvalidFilterValue_with_Djangos_message()
    {
        var e = LaminAssert.Throws(ErrorIds.InvalidFilterValue, () => Filter(("id", "abc")));
        Assert.Equal("Field 'id' expected a number but got 'abc'.", e.Message);
        LaminAssert.Throws(ErrorIds.InvalidFilterValue, () => Filter(("id__gt", "abc")));
        LaminAssert.Throws(ErrorIds.InvalidFilterValue, () => Filter(("id__in", new object[] { 1, "abc" })));
    }

    [Fact]
    public void A_bad_date_is_InvalidFilterValue() =>
        LaminAssert.Throws(ErrorIds.InvalidFilterValue, () => Filter(("created_at__gt", "yesterday-ish")));

    [Fact]
    public void An_empty_filter_matches_everything() => Assert.Equal([1, 2, 3], Filter());
}
