using System.Text;
using Lamin.Core.Artifacts;
using Lamin.Core.Model;
using Lamin.Core.Query;
using Lamin.Core.Registry;
using Lamin.Core.Registry.Postgres;
using Lamin.Core.Services;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// Every key lookup of both registries against a brute-force answer over random keys: shared stems in several
/// letter cases, multi-byte and astral characters, LIKE's own wildcards, and lengths around each index's cut
/// (LiteDB: 200 UTF-16 units; PostgreSQL: 500 characters and 2,000 bytes). A seek that drops or invents a row fails.
/// </summary>
public sealed class KeyLookupFuzzTests
{
    private const int Seed = 1527;

    [Fact]
    public void LiteDB_key_lookups_answer_what_a_scan_answers()
    {
        using var dir = new TempDir();
        var id = Guid.NewGuid();
        var doc = new InstanceDocument { InstanceId = id, Name = "fuzz", Uid = Util.Uids.InstanceUid(id), CreatedBy = "alice", CreatedAt = Util.Clock.UtcNow };
        Check(LaminRegistry.Create(Path.Combine(dir.Path, "lamin.db"), doc, SpaceService.NewAllSpace("alice")));
    }

    [PostgresFact]
    public void PostgreSQL_key_lookups_answer_what_a_scan_answers()
    {
        using var db = new TestPostgres();
        var id = Guid.NewGuid();
        var doc = new InstanceDocument { InstanceId = id, Name = "fuzz", Uid = Util.Uids.InstanceUid(id), CreatedBy = "alice", CreatedAt = Util.Clock.UtcNow };
        Check(PostgresRegistry.Create(db.Connection, doc, SpaceService.NewAllSpace("alice")));
    }

    private static readonly string[] Pieces =
    [
        "data", "DATA", "Data", "run-1", "RUN-1", "a_b", "a%b", @"a\b", "x", "K", "\u212A", "\u017F", "S", "ß", "ẞ", "ı", "I",
        "日本", "中", "é", "e\u0301", "\U0001F600", "\U0001F601", "\uFF41", "\uD7FF", "0", "9", "~",
    ];

    private static string RandomKey(Random rng)
    {
        var sb = new StringBuilder();
        int target = rng.Next(6) switch
        {
            0 => rng.Next(195, 206),      // around LiteDB's 200-unit cut
            1 => rng.Next(495, 506),      // around PostgreSQL's 500-character head
            2 => rng.Next(900, 1025),     // long, multi-byte: beyond a btree entry
            _ => rng.Next(1, 40),
        };
        while (sb.Length < target)
        {
            if (target > 100 && rng.Next(3) > 0) sb.Append(rng.Next(2) == 0 ? 'a' : '中'); // long runs share heads
            else sb.Append(Pieces[rng.Next(Pieces.Length)]);
            if (rng.Next(5) == 0) sb.Append('/');
        }
        var key = sb.ToString();
        if (key.Length > 1024) key = key[..1024];
        if (char.IsHighSurrogate(key[^1])) key = key[..^1];
        return key;
    }

    /// <summary>A prefix of <paramref name="key"/> cut between two characters (never inside a pair), possibly with its case changed.</summary>
    private static string RandomPrefix(Random rng, string key)
    {
        int n = rng.Next(0, 4) == 0 ? Math.Min(key.Length, rng.Next(195, 206)) : rng.Next(0, key.Length + 1);
        if (n > 0 && n < key.Length && char.IsLowSurrogate(key[n])) n--;
        var p = key[..n];
        return rng.Next(3) switch { 0 => p.ToUpperInvariant(), 1 => p.ToLowerInvariant(), _ => p };
    }

    private static string Escape(string literal) =>
        new(literal.SelectMany(c => c is '*' or '?' or '[' or ']' or '`' ? new[] { '`', c } : new[] { c }).ToArray());

    private static void Check(IRegistry registry)
    {
        var rng = new Random(Seed);
        var keys = Enumerable.Range(0, 400).Select(_ => RandomKey(rng)).ToList();
        keys.AddRange(keys.Take(40).ToList()); // versions: the same key twice
        var ids = new List<(int Id, string Key)>();
        registry.Write(s =>
        {
            var st = new LaminStorage { Uid = Util.Uids.NewStorageUid(), Root = "/data/fuzz", Type = "local", CreatedAt = Util.Clock.UtcNow, UpdatedAt = Util.Clock.UtcNow, CreatedBy = "alice" };
            s.Storages.Insert(st);
            foreach (var k in keys)
            {
                var a = new LaminArtifact
                {
                    Uid = ArtifactVersions.NewUid(), Key = k, RealKey = k, Size = 1, StorageId = st.Id, StorageUid = st.Uid, IsLatest = false,
                    CreatedAt = Util.Clock.UtcNow, UpdatedAt = Util.Clock.UtcNow, CreatedBy = "alice",
                };
                s.Artifacts.Insert(a);
                ids.Add((a.Id, k));
            }
        });
        registry.Read(s =>
        {
            for (int round = 0; round < 150; round++)
            {
                var key = keys[rng.Next(keys.Count)];
                var prefix = RandomPrefix(rng, key);
                string Why() => $"seed {Seed}, round {round}, prefix of {prefix.Length} units: {string.Join(" ", prefix.Take(12).Select(c => ((int)c).ToString("X4")))}…";

                // Exact keys and plain prefixes come in no promised order (a LiteDB seek yields index order); -Key's any-case
                // candidates come in id order.
                Assert.Equal(ids.Where(x => x.Key == key).Select(x => x.Id), s.ArtifactsByKey(key).Select(a => a.Id).Order());
                Assert.Equal(ids.Where(x => x.Key == key).Select(x => x.Id), s.ArtifactsByRealKey(key).Select(a => a.Id).Order());
                var exact = ids.Where(x => x.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(x => x.Id).ToList();
                var byPrefix = s.ArtifactsByKeyPrefix(prefix).Select(a => a.Id).Order().ToList();
                Assert.True(exact.SequenceEqual(byPrefix), $"ByKeyPrefix {byPrefix.Count} of {exact.Count}, " + Why());
                var byRealPrefix = s.ArtifactsByRealKeyPrefix(prefix).Select(a => a.Id).Order().ToList();
                Assert.True(exact.SequenceEqual(byRealPrefix), $"ByRealKeyPrefix {byRealPrefix.Count} of {exact.Count}, " + Why());
                // Any case: every key -Key 'prefix*' matches is among the candidates, in id order.
                var candidates = s.ArtifactsByKeyPrefixIgnoreCase(prefix).Select(a => a.Id).ToList();
                Assert.True(candidates.SequenceEqual(candidates.Order()), "IgnoreCase order, " + Why());
                var match = Wildcard.Compile(Escape(prefix) + "*");
                var missing = ids.Where(x => match(x.Key)).Select(x => x.Id).Except(candidates).ToList();
                Assert.True(missing.Count == 0, $"IgnoreCase missed {missing.Count}, " + Why());
            }
            var some = keys.Where((_, i) => i % 7 == 0).Distinct().ToList();
            Assert.Equal(ids.Where(x => some.Contains(x.Key)).Select(x => x.Id).Order(), s.ArtifactsByKeys(some).Select(a => a.Id).Order());
            return 0;
        });
    }
}
