using Lamin.Core.Artifacts;
using Lamin.Core.Errors;
using Lamin.Core.Model;
using Lamin.Core.Registry;
using Lamin.Core.Registry.Postgres;
using Lamin.Core.Services;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>The PostgreSQL implementation of <see cref="IRegistry"/>: the lookups answer what the LiteDB one answers.</summary>
public class PostgresRegistryTests
{
    private static PostgresRegistry NewRegistry(TestPostgres db)
    {
        var id = Guid.NewGuid();
        var doc = new InstanceDocument { InstanceId = id, Name = "team", Uid = Util.Uids.InstanceUid(id), CreatedBy = "alice", CreatedAt = Util.Clock.UtcNow };
        return PostgresRegistry.Create(db.Connection, doc, SpaceService.NewAllSpace("alice"));
    }

    private static LaminStorage Storage(string root) => new()
    {
        Uid = Util.Uids.NewStorageUid(), Root = root, Type = "local", CreatedAt = Util.Clock.UtcNow, UpdatedAt = Util.Clock.UtcNow, CreatedBy = "alice",
    };

    private static LaminArtifact Artifact(LaminStorage st, string? key, string? realKey = null) => new()
    {
        Uid = ArtifactVersions.NewUid(), Key = key, RealKey = realKey, Size = 1, StorageId = st.Id, StorageUid = st.Uid,
        CreatedAt = Util.Clock.UtcNow, UpdatedAt = Util.Clock.UtcNow, CreatedBy = "alice",
    };

    [PostgresFact]
    public void Key_prefixes_are_literal_LIKE_wildcards_and_case_included()
    {
        using var db = new TestPostgres();
        var registry = NewRegistry(db);
        var keys = new[] { "a_b/1", "axb/1", "a%b/2", "a%%/3", @"a\b/4", "A_b/5", "a_b", "\u00e9/6", "\u00ea/7", "\U0001F600/8", "\U0001F601/9" };
        registry.Write(s =>
        {
            var st = Storage("/data/x");
            s.Storages.Insert(st);
            foreach (var k in keys) s.Artifacts.Insert(Artifact(st, k, realKey: k));
        });
        registry.Read(s =>
        {
            Assert.Equal(new[] { "a_b/1", "a_b" }, s.ArtifactsByKeyPrefix("a_b").Select(a => a.Key));
            Assert.Equal(new[] { "a%b/2" }, s.ArtifactsByKeyPrefix("a%b").Select(a => a.Key));
            Assert.Equal(new[] { @"a\b/4" }, s.ArtifactsByRealKeyPrefix(@"a\").Select(a => a.RealKey));
            Assert.Equal(new[] { "A_b/5" }, s.ArtifactsByKeyPrefix("A").Select(a => a.Key));
            Assert.Equal(new[] { "a_b" }, s.ArtifactsByKey("a_b").Select(a => a.Key));
            // A prefix is a key range under row-level security (an index seek) and must stay exact beyond ASCII.
            Assert.Equal(new[] { "\u00e9/6" }, s.ArtifactsByKeyPrefix("\u00e9").Select(a => a.Key));
            Assert.Equal(new[] { "\U0001F600/8" }, s.ArtifactsByKeyPrefix("\U0001F600").Select(a => a.Key));
            Assert.Equal(new[] { "\U0001F601/9" }, s.ArtifactsByKeyPrefix("\U0001F601").Select(a => a.Key));
            Assert.Equal(keys.Length, s.ArtifactsByKeyPrefix("").Count());
            // -Key's prefix in any case: only the spellings some key has, each an exact range (issue 15).
            Assert.Equal(new[] { "a_b/1", "A_b/5", "a_b" }, s.ArtifactsByKeyPrefixIgnoreCase("A_B").Select(a => a.Key));
            Assert.Empty(s.ArtifactsByKeyPrefixIgnoreCase("zz"));
            Assert.Equal(keys.Length, s.ArtifactsByKeyPrefixIgnoreCase("").Count());
            return 0;
        });
    }

    [PostgresFact]
    public void A_record_given_an_id_keeps_it_and_the_next_one_gets_a_new_id()
    {
        using var db = new TestPostgres();
        var registry = NewRegistry(db); // the built-in space "all" has id 1
        var (lab, all) = registry.Write(s =>
        {
            var space = new LaminSpace { Uid = Util.Uids.NewSpaceUid(), Name = "lab", CreatedAt = Util.Clock.UtcNow, CreatedBy = "alice" };
            s.Spaces.Insert(space);
            return (space, s.Spaces.FindById(AccessPolicy.AllSpaceId));
        });
        Assert.Equal("all", all.Name);
        Assert.Equal(2, lab.Id);
    }

    [PostgresFact]
    public void A_write_that_fails_leaves_nothing_and_a_duplicate_root_is_refused_by_the_database()
    {
        using var db = new TestPostgres();
        var registry = NewRegistry(db);
        registry.Write(s => s.Storages.Insert(Storage("/data/one")));
        Assert.ThrowsAny<Exception>(() => registry.Write(s =>
        {
            s.Storages.Insert(Storage("/data/two"));
            s.Storages.Insert(Storage("/data/one")); // unique (root, host)
        }));
        Assert.Equal(new[] { "/data/one" }, registry.Read(s => s.Storages.FindAll().Select(x => x.Root).ToList()));
    }

    [PostgresFact]
    public void A_database_without_a_registry_is_RegistryNotFound_and_a_second_create_InstanceExists()
    {
        using var db = new TestPostgres();
        LaminAssert.Throws(ErrorIds.RegistryNotFound, () => new PostgresRegistry(db.Connection).Read(s => s.InstanceDocument));
        var registry = NewRegistry(db);
        Assert.Equal("team", registry.Read(s => s.InstanceDocument).Name);
        LaminAssert.Throws(ErrorIds.InstanceExists, () => NewRegistry(db));
    }
}
