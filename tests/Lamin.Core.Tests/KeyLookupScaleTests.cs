using System.Collections.Concurrent;
using System.Reflection;
using Lamin.Core.Services;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// -Key lookups at scale (issue 15): they seek the key index in every letter case instead of reading every
/// record, and they leave nothing behind per key (LiteDB keeps a compiled delegate per distinct query text).
/// </summary>
public sealed class KeyLookupScaleTests : IDisposable
{
    private readonly Sandbox _box = new();
    private ArtifactService Svc => new(_box.As(Sandbox.Alice));

    public void Dispose() => _box.Dispose();

    private void AddFile(string key, string text)
    {
        var path = Path.Combine(_box.Cwd, Guid.NewGuid().ToString("N") + ".txt");
        File.WriteAllText(path, text);
        var svc = Svc;
        var staged = svc.Stage(svc.Plan(new AddRequest(path, Key: key)), null, CancellationToken.None);
        Assert.Null(svc.Commit([staged], _ => { })[0].Error);
    }

    [Theory]
    [InlineData("d0000/f0000101.txt", "d0000/f0000101.txt")]
    [InlineData("abcdefgh/", "abcdef")]            // 2^6 = 64 spellings: the seventh letter is not seeked
    [InlineData("data/run-1/x.txt", "data/ru")]
    [InlineData("2024/Q1/*.csv", "2024/Q1/")]
    [InlineData("ß/x", "")]                        // ß is the lower case of ẞ: never seeked as it is
    [InlineData("日本/x*", "日本/x")]               // letters without case are seeked as they are
    [InlineData("ı/x", "")]                        // the dotless i upper-cases to I
    public void The_seekable_prefix_stops_where_case_variants_would_not_be_cheap(string pattern, string prefix) =>
        Assert.Equal(prefix, Lamin.Core.Query.KeyCase.LiteralPrefixAnyCase(pattern));

    [Theory]
    [InlineData("file-12*", "")]                   // a letter has another case: one ordinal seek stops before it
    [InlineData("2024-*.csv", "2024-")]
    [InlineData("ß*", "")]                         // ß is the lower case of ẞ: a seek by ß would miss ẞ
    [InlineData("日本*", "日本")]
    public void The_drive_filter_seeks_only_what_one_ordinal_seek_covers(string filter, string prefix) =>
        Assert.Equal(prefix, Lamin.Core.Services.DriveService.SeekFor("", filter));

    [Theory]
    [InlineData("data/", "data0")]
    [InlineData("data/\U0001F600", "data0")]      // an emoji can't be raised in both orders: the range starts a character earlier
    [InlineData("data/\uFF41", "data0")]          // FULLWIDTH A (above U+D7FF)
    [InlineData("\u65E5\u672C", "\u65E5\u672D")]
    [InlineData("\U0001F600", null)]
    [InlineData("", null)]
    public void The_upper_bound_lies_above_every_key_with_the_prefix_in_both_orders(string prefix, string? expected)
    {
        var upper = Lamin.Core.Query.KeyCase.UpperBound(prefix);
        Assert.Equal(expected, upper);
        if (upper is null) return;
        foreach (var tail in new[] { "", "\uFFFF", "\U0001F600", "zzz", "\uD7FF" })
        {
            var key = prefix + tail;
            Assert.True(string.CompareOrdinal(key, upper) < 0);   // UTF-16 order (LiteDB)
            Assert.True(Comparer<string>.Create((a, b) => Compare(a, b)).Compare(key, upper) < 0); // code point order (PostgreSQL "C")
        }
        static int Compare(string a, string b)
        {
            var x = a.EnumerateRunes().Select(r => r.Value).ToArray();
            var y = b.EnumerateRunes().Select(r => r.Value).ToArray();
            for (int i = 0; i < Math.Min(x.Length, y.Length); i++) if (x[i] != y[i]) return x[i].CompareTo(y[i]);
            return x.Length.CompareTo(y.Length);
        }
    }

    [Fact]
    public void A_prefix_ending_in_an_emoji_finds_exactly_its_keys()
    {
        AddFile("data/\U0001F600x.txt", "1");
        AddFile("data/\U0001F601y.txt", "2");
        AddFile("data/z.txt", "3");
        Assert.Equal(["data/\U0001F600x.txt"], Svc.Get(new ArtifactQuery { Key = "data/\U0001F600*" }).Select(a => a.Key!).ToArray());
        Assert.Equal(["data/\U0001F600x.txt"], Svc.Get(new ArtifactQuery { Key = "DATA/\U0001F600*" }).Select(a => a.Key!).ToArray());
    }

    [Fact]
    public void Reads_on_a_registry_with_the_older_key_index_find_keys_and_leave_the_index_as_it_is()
    {
        AddFile("seed/one.txt", "seed");
        AddFile(new string('a', 210) + ".txt", "long");
        const string Old = "IIF(LENGTH($.Key) > 200, SUBSTRING($.Key, 0, 200), $.Key)";
        using (var db = new LiteDB.LiteDatabase($"Filename={_box.RegistryPath};Connection=direct"))
        {
            db.GetCollection("artifact").DropIndex("key_prefix");
            db.GetCollection("artifact").EnsureIndex("key_prefix", Old);
        }
        Assert.Single(Svc.Get(new ArtifactQuery { Key = "seed/one.txt" }));
        Assert.Single(Svc.Get(new ArtifactQuery { Key = "SEED/*" }));
        Assert.Single(Svc.Get(new ArtifactQuery { Key = new string('a', 210) + ".txt" }));
        using var reopened = new LiteDB.LiteDatabase($"Filename={_box.RegistryPath};Connection=direct;ReadOnly=true");
        var expression = reopened.GetCollection("$indexes").FindAll().Single(d => d["name"].AsString == "key_prefix")["expression"].AsString;
        Assert.Equal(LiteDB.BsonExpression.Create(Old).Source, expression); // a read does not rebuild an index
    }

    [Fact]
    public void Every_spelling_the_case_insensitive_match_accepts_is_seeked()
    {
        var variants = Lamin.Core.Query.KeyCase.CaseVariants("k1s");
        Assert.Contains("k1s", variants);
        Assert.Contains("K1S", variants);
        Assert.Contains("\u212A1s", variants);  // KELVIN SIGN: lower case k
        Assert.Contains("k1\u017F", variants);  // LONG S: upper case S
        Assert.Equal(variants.Count, variants.Distinct().Count());
    }

    [Fact]
    public void Only_the_spellings_some_key_has_are_followed_a_letter_at_a_time()
    {
        string[] keys = ["Data/Run-1/A.txt", "data/run-1/b.txt", "DATA/RUN-1/c.txt", "data/run-2/d.txt", "prefix-42/x", "other/e.txt"];
        int probes = 0;
        IReadOnlyList<string> Present(IReadOnlyList<string> candidates)
        {
            probes += candidates.Count;
            return candidates.Where(c => keys.Any(k => k.StartsWith(c, StringComparison.Ordinal))).ToList();
        }
        Assert.Equal(["DATA/RUN-1/", "Data/Run-1/", "data/run-1/"],
            Lamin.Core.Query.KeyCase.SpellingsPresent("data/run-1/*", Present)!.OrderBy(x => x, StringComparer.Ordinal));
        // One spelling of six letters: a probe per case form of each letter, not one per spelling (2^6 and more).
        probes = 0;
        Assert.Equal(["prefix-42/"], Lamin.Core.Query.KeyCase.SpellingsPresent("prefix-42/*", Present));
        Assert.True(probes <= 20, $"{probes} probes");
        Assert.Empty(Lamin.Core.Query.KeyCase.SpellingsPresent("nothing*", Present)!);
        Assert.Equal([""], Lamin.Core.Query.KeyCase.SpellingsPresent("*.txt", Present));
        // More than 64 spellings alive: null, and the caller seeks the capped prefix.
        Assert.Null(Lamin.Core.Query.KeyCase.SpellingsPresent("abcdefgh/*", c => c));
    }

    [Theory]
    [InlineData("data/*")]   // one spelling present: a single seek, which yields key order
    [InlineData("2024/*")]   // no letter at all
    [InlineData("DATA/*")]
    public void A_key_prefix_answers_in_id_order_as_every_lookup_does(string pattern)
    {
        var first = pattern.StartsWith('2') ? "2024/b.txt" : "data/b.txt";
        var second = pattern.StartsWith('2') ? "2024/a.txt" : "data/a.txt";
        AddFile(first, "1");
        AddFile(second, "2");
        Assert.Equal([first, second], Svc.Get(new ArtifactQuery { Key = pattern }).Select(a => a.Key!).ToArray());
    }

    [Fact]
    public void A_prefix_with_many_letters_reads_only_its_own_range()
    {
        for (int i = 0; i < 40; i++) AddFile($"prefix-{i % 4}/f{i}.txt", i.ToString());
        AddFile("PREFIX-1/upper.txt", "u");
        var hits = Svc.Get(new ArtifactQuery { Key = "prefix-1/*" }).Select(a => a.Key!).ToList();
        Assert.Equal(11, hits.Count);
        Assert.Contains("PREFIX-1/upper.txt", hits);
        Assert.All(hits, k => Assert.StartsWith("prefix-1/", k, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Key_lookups_find_keys_in_any_letter_case_and_only_those()
    {
        AddFile("Data/Run-1/A.txt", "1");
        AddFile("data/run-1/b.txt", "2");
        AddFile("DATA/RUN-1/c.txt", "3");
        AddFile("data/run-2/d.txt", "4");
        AddFile("other/e.txt", "5");
        AddFile("dat\u212A/f.txt", "6"); // not a spelling of "data/" (K is not a)

        Assert.Equal(["Data/Run-1/A.txt", "data/run-1/b.txt", "DATA/RUN-1/c.txt"],
            Svc.Get(new ArtifactQuery { Key = "data/run-1/*" }).Select(a => a.Key!).ToArray());
        Assert.Equal(["Data/Run-1/A.txt"], Svc.Get(new ArtifactQuery { Key = "data/run-1/a.txt" }).Select(a => a.Key!).ToArray());
        Assert.Equal(4, Svc.Get(new ArtifactQuery { Key = "DATA/*" }).Count);
        Assert.Equal(["dat\u212A/f.txt"], Svc.Get(new ArtifactQuery { Key = "datk/*" }).Select(a => a.Key!).ToArray());
    }

    // The key indexes hold the first 200 UTF-16 units of a key; a character outside the BMP at units 199-200 was
    // cut in half there, and LiteDB refused to encode the lone half (UnexpectedError, the whole batch with it).
    private static readonly string SplitAt199 = new string('a', 199) + "\U0001F600" + "tail.txt";

    [Fact]
    public void A_key_whose_200th_unit_starts_a_surrogate_pair_is_added_and_found()
    {
        AddFile(SplitAt199, "astral");
        AddFile(new string('a', 199) + "b-other.txt", "other");
        Assert.Equal([SplitAt199], Svc.Get(new ArtifactQuery { Key = SplitAt199 }).Select(a => a.Key!).ToArray());
        Assert.Equal([SplitAt199], Svc.Get(new ArtifactQuery { Key = SplitAt199[..201] + "*" }).Select(a => a.Key!).ToArray());
        Assert.Equal(2, Svc.Get(new ArtifactQuery { Key = new string('a', 199) + "*" }).Count);
    }

    [Fact]
    public void A_batch_with_a_split_pair_key_commits_every_item()
    {
        var svc = Svc;
        var staged = new[] { SplitAt199, "plain/one.txt", new string('b', 199) + "\U0001F601.txt" }.Select((key, i) =>
        {
            var path = Path.Combine(_box.Cwd, $"batch{i}.txt");
            File.WriteAllText(path, "batch " + i);
            return svc.Stage(svc.Plan(new AddRequest(path, Key: key)), null, CancellationToken.None);
        }).ToList();
        Assert.All(svc.Commit(staged, _ => { }), r => Assert.Null(r.Error));
        Assert.Equal(3, Svc.Get(new ArtifactQuery()).Count);
    }

    [Fact]
    public void A_registry_with_the_old_key_index_is_upgraded_before_its_next_write()
    {
        AddFile("seed/one.txt", "seed");
        const string Old = "IIF(LENGTH($.Key) > 200, SUBSTRING($.Key, 0, 200), $.Key)";
        using (var db = new LiteDB.LiteDatabase($"Filename={_box.RegistryPath};Connection=direct"))
        {
            var artifacts = db.GetCollection("artifact");
            artifacts.DropIndex("key_prefix");
            artifacts.EnsureIndex("key_prefix", Old);
        }
        AddFile(SplitAt199, "astral");
        Assert.Equal([SplitAt199], Svc.Get(new ArtifactQuery { Key = SplitAt199 }).Select(a => a.Key!).ToArray());
        using var reopened = new LiteDB.LiteDatabase($"Filename={_box.RegistryPath};Connection=direct;ReadOnly=true");
        var expression = reopened.GetCollection("$indexes").FindAll().Single(d => d["name"].AsString == "key_prefix")["expression"].AsString;
        Assert.NotEqual(LiteDB.BsonExpression.Create(Old).Source, expression);
    }

    [Fact]
    public void Looking_up_many_different_keys_leaves_no_compiled_query_per_key()
    {
        AddFile("seed/one.txt", "seed");
        var field = typeof(LiteDB.BsonExpression).GetField("_cacheScalar", BindingFlags.NonPublic | BindingFlags.Static)!;
        int Cached() => ((System.Collections.ICollection)field.GetValue(null)!).Count;
        var svc = Svc;
        for (int i = 0; i < 20; i++) svc.Get(new ArtifactQuery { Key = $"seed/warm-{i}.txt" });
        var before = Cached();
        for (int i = 0; i < 300; i++) svc.Get(new ArtifactQuery { Key = $"seed/other-{i}.txt" });
        for (int i = 0; i < 300; i++) svc.Get(new ArtifactQuery { Key = $"seed/pre-{i}/*" });
        // Other tests run in parallel and may add a few of their own: far fewer than one per key.
        Assert.True(Cached() - before < 50, $"{Cached() - before} compiled queries added for 600 different keys");
    }
}
