using Lamin.Core.Query;
using Xunit;

namespace Lamin.Core.Tests;

public class WildcardTests
{
    [Theory]
    [InlineData("s3://Bucket/a", "s3://bucket/*", true)]
    [InlineData("abc", "a?c", true)]
    [InlineData("abbc", "a?c", false)]
    [InlineData("abc", "[ab]bc", true)]
    [InlineData("cbc", "[ab]bc", false)]
    [InlineData("dbc", "[a-e]bc", true)]
    [InlineData("abc", "b*", false)]
    [InlineData("abc", "*c", true)]
    [InlineData("abc", "*", true)]
    [InlineData("", "*", true)]
    [InlineData("a*c", "a`*c", true)]
    [InlineData("abc", "a`*c", false)]
    [InlineData("a?c", "a`?c", true)]
    [InlineData("a[c", "a[c", true)]
    [InlineData("a.c", "a.c", true)]
    [InlineData("abc", "a.c", false)]
    [InlineData("abc", "a.*", false)]
    [InlineData("line1\nline2", "line1*", true)]
    public void Patterns_match_like_PowerShell(string value, string pattern, bool expected) =>
        Assert.Equal(expected, Wildcard.IsMatch(value, pattern));

    [Fact]
    public void Without_wildcards_it_is_a_whole_case_insensitive_comparison()
    {
        Assert.True(Wildcard.IsMatch("S3://BUCKET", "s3://bucket"));
        Assert.False(Wildcard.IsMatch("s3://bucket/x", "s3://bucket"));
        Assert.False(Wildcard.IsMatch(null, "x"));
    }

    [Fact]
    public void A_null_value_never_matches_a_pattern() => Assert.False(Wildcard.IsMatch(null, "*"));

    [Theory]
    [InlineData("a*", true)]
    [InlineData("a?", true)]
    [InlineData("[a]", true)]
    [InlineData("plain", false)]
    [InlineData("s3://b/x", false)]
    public void HasWildcard(string pattern, bool expected) => Assert.Equal(expected, Wildcard.HasWildcard(pattern));

    [Fact]
    public void Regex_characters_in_patterns_are_literal()
    {
        Assert.True(Wildcard.IsMatch("a+b(c)*", "a+b(c)`*"));
        Assert.True(Wildcard.IsMatch("$x^", "$x^*"));
        Assert.False(Wildcard.IsMatch("aab", "a+b*"));
    }

    [Fact]
    public void A_backslash_inside_brackets_is_literal()
    {
        Assert.True(Wildcard.IsMatch("a\\b", "a[\\]b"));
        Assert.False(Wildcard.IsMatch("a]b", "a[\\]b"));
    }
}

public class WildcardSetTests
{
    [Theory]
    [InlineData("^", "[^a]", true)]      // no negation in PowerShell's sets: '^' is a member
    [InlineData("b", "[^a]", false)]
    [InlineData("-", "[a-]", true)]
    [InlineData("]", "[`]]", true)]      // a backtick escapes ']' (PowerShell: True)
    [InlineData("x", "[]x]", true)]       // a ']' first in the set is a member (PowerShell: True)
    [InlineData("]", "[]x]", true)]
    [InlineData("[]", "[]", true)]        // never closed: literal (lenient; PowerShell refuses it)
    [InlineData("B", "[a-c]", true)]      // case-insensitive, ranges too
    [InlineData("[", "[[]", true)]
    public void Sets_hold_their_characters_literally(string value, string pattern, bool expected) =>
        Assert.Equal(expected, Wildcard.IsMatch(value, pattern));

    [Theory]
    [InlineData("[z-a]", "reverse order")]
    [InlineData("[z-a]x]", "reverse order")]
    public void A_set_that_matches_nothing_is_refused_as_invalid_argument(string pattern, string why)
    {
        var e = Assert.Throws<Lamin.Core.Errors.LaminException>(() => Wildcard.Compile(pattern));
        Assert.Equal(Lamin.Core.Errors.ErrorIds.InvalidArgument, e.ErrorId);
        Assert.Contains(why, e.Message);
        Assert.Contains("`[", e.Message);
    }
}
