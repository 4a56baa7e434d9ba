using Lamin.Core.Artifacts;
using Lamin.Core.Errors;
using Lamin.Core.Model;
using Lamin.Core.Registry;
using Lamin.Core.Registry.Postgres;
using Lamin.Core.Services;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// SPEC §10 rule 16 held by the registry itself on both engines (issue 27): a second latest, non-trashed version of a key in
/// one location is refused by LiteDB's latest_key index as by PostgreSQL's artifact_latest_key, for short keys and for
/// long ones (1000 characters of ASCII, 500 below U+0800, 330 of any); two keys that differ only in their last character
/// are two keys; a registry that already breaks the rule keeps the index it had.
/// </summary>
public sealed class LatestKeyUniquenessTests
{
    private static readonly string[] KeyList =
    [
        "raw/a.csv",
        new string('a', 996) + ".csv",                        // ASCII, 1000 characters
        new string('\u00e9', 496) + ".csv",                   // below U+0800, 500 characters (1 KB)
        new string('\u20AC', 201) + "/" + string.Concat(Enumerable.Repeat("\U0001F600", 62)) + ".csv", // 330 UTF-16 units of 3 bytes, or 4 bytes a pair
    ];

    public static TheoryData<string> Keys => new(KeyList);

    private static LaminArtifact Latest(LaminStorage st, string key) => new()
    {
        Uid = ArtifactVersions.NewUid(), Key = key, Suffix = ".csv", Size = 1, StorageId = st.Id, StorageUid = st.Uid,
        CreatedAt = Util.Clock.UtcNow, UpdatedAt = Util.Clock.UtcNow, CreatedBy = "alice", IsLatest = true,
    };

    /// <summary>
    /// One latest row of <paramref name="key"/>; a second family's latest row refused (the engine's refusal names
    /// <paramref name="refusal"/>), nothing of its write kept; a key that differs near its end accepted.
    /// </summary>
    private static void Refuses_a_second_latest_version(IRegistry registry, LaminStorage st, string key, string refusal)
    {
        registry.Write(s => s.Artifacts.Insert(Latest(st, key)));
        var e = Assert.Throws<LaminException>(() => registry.Write(s =>
        {
            s.Artifacts.Insert(Latest(st, "other.csv"));
            s.Artifacts.Insert(Latest(st, key));
        }));
        Assert.Contains(refusal, e.Message);
        Assert.Equal([key], registry.Read(s => s.ArtifactsByKeyPrefix("").Select(a => a.Key).ToList()));
        var near = key[..^4] + ".tsv";
        registry.Write(s => s.Artifacts.Insert(Latest(st, near)));
        Assert.Equal(2, registry.Read(s => s.ArtifactsByKeyPrefix("").Count(a => a.IsLatest)));
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void LiteDB_refuses_a_second_latest_version_of_a_key(string key)
    {
        using var box = new Sandbox();
        var st = box.Register(box.Folder("data"));
        Refuses_a_second_latest_version(box.As(Sandbox.Alice).Registry, st, key, "two latest versions");
    }

    [PostgresFact]
    public void PostgreSQL_refuses_a_second_latest_version_of_the_same_keys()
    {
        foreach (var key in KeyList)
        {
            using var db = new TestPostgres();
            var id = Guid.NewGuid();
            var doc = new InstanceDocument { InstanceId = id, Name = "team", Uid = Util.Uids.InstanceUid(id), CreatedBy = "alice", CreatedAt = Util.Clock.UtcNow };
            var registry = PostgresRegistry.Create(db.Connection, doc, SpaceService.NewAllSpace("alice"));
            var st = registry.Write(s =>
            {
                var storage = new LaminStorage { Uid = Util.Uids.NewStorageUid(), Root = "/data/x", Type = "local", CreatedAt = Util.Clock.UtcNow, UpdatedAt = Util.Clock.UtcNow, CreatedBy = "alice" };
                s.Storages.Insert(storage);
                return storage;
            });
            Refuses_a_second_latest_version(registry, st, key, "artifact_latest_key");
        }
    }

    [Fact]
    public void A_registry_that_breaks_the_rule_for_a_long_key_opens_and_keeps_the_index_it_had_for_the_others()
    {
        using var box = new Sandbox();
        var st = box.Register(box.Folder("data"));
        var ctx = box.As(Sandbox.Alice);
        var longKey = new string('a', 800) + ".csv";
        // As a registry written by the previous module: its index held keys of up to 300 characters, so two latest rows of a longer key went in.
        const string older = "IIF($.IsLatest = true AND $.IsTrashed != true AND $.Key != null AND LENGTH($.Key) <= 300, STRING($.StorageId) + '/' + $.Key, '#' + STRING($._id))";
        using (var db = new LiteDB.LiteDatabase($"Filename={box.RegistryPath};Connection=direct", LaminRegistry.Mapper))
        {
            var artifacts = db.GetCollection<LaminArtifact>("artifact");
            artifacts.DropIndex(RegistrySession.LatestKeyIndex);
            artifacts.EnsureIndex(RegistrySession.LatestKeyIndex, older, unique: true);
            artifacts.Insert(Latest(st, longKey));
            artifacts.Insert(Latest(st, longKey));
        }
        RegistrySession.RetryLatestKeyIndex(box.RegistryPath);

        ctx.Registry.Write(s => s.Artifacts.Insert(Latest(st, "raw/a.csv"))); // writes go on; the new index can't go in yet
        Assert.False(new LaminRegistry(box.RegistryPath).Read(s => s.HasLatestKeyIndex));
        var e = Assert.Throws<LaminException>(() => ctx.Registry.Write(s => s.Artifacts.Insert(Latest(st, "raw/a.csv"))));
        Assert.Contains("two latest versions", e.Message); // the index it had still holds the short keys
        Assert.Equal(3, ctx.Registry.Read(s => s.Artifacts.Count()));
    }
}
