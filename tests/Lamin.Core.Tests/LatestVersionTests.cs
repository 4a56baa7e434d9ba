using Lamin.Core.Errors;
using Lamin.Core.Model;
using Lamin.Core.Registry;
using Lamin.Core.Services;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// SPEC §10 rule 16 in the LiteDB file (issue 24): one latest, non-trashed version per (key, location), held by a
/// unique index as PostgreSQL's artifact_latest_key holds it; a registry that already breaks the rule still opens,
/// is reported, and takes the index once it is repaired.
/// </summary>
public sealed class LatestVersionTests : IDisposable
{
    private readonly Sandbox _box = new();
    private LaminContext Ctx => _box.As(Sandbox.Alice);
    private ArtifactService Svc => new(Ctx);

    public void Dispose() => _box.Dispose();

    private LaminArtifact Add(string key, string text)
    {
        var path = Path.Combine(_box.Cwd, Guid.NewGuid().ToString("N") + Path.GetExtension(key));
        File.WriteAllText(path, text);
        var svc = Svc;
        var staged = svc.Stage(svc.Plan(new AddRequest(path, Key: key)), null, CancellationToken.None);
        var r = svc.Commit([staged], _ => { })[0];
        Assert.Null(r.Error);
        return r.Artifact!;
    }

    /// <summary>A second family at the key, written as an older module (or a hand edit) could: a copy of the row with another stem.</summary>
    private static LaminArtifact Twin(LaminArtifact a) => new()
    {
        Uid = Util.Uids.Random(16) + "0000", Key = a.Key, Suffix = a.Suffix, Size = a.Size, Hash = a.Hash, HashType = a.HashType,
        StorageId = a.StorageId, StorageUid = a.StorageUid, KeyIsVirtual = a.KeyIsVirtual, CreatedAt = a.CreatedAt, UpdatedAt = a.UpdatedAt,
        CreatedBy = a.CreatedBy, SpaceId = a.SpaceId, IsLatest = true,
    };

    private bool HasIndex() => new LaminRegistry(_box.RegistryPath).Read(s => s.HasLatestKeyIndex);

    [Fact]
    public void The_registry_refuses_a_second_latest_version_of_a_key_and_writes_nothing()
    {
        var a = Add("data/x.txt", "x");
        Assert.True(HasIndex());
        var e = Assert.Throws<LaminException>(() => Ctx.Registry.Write(s => s.Artifacts.Insert(Twin(a))));
        Assert.Equal(ErrorIds.UnexpectedError, e.ErrorId);
        Assert.Contains("two latest versions", e.Message);
        Assert.Single(Svc.Get(new ArtifactQuery(Key: "data/x.txt", AllVersions: true)));
    }

    [Fact]
    public void Versions_trashed_rows_key_less_rows_and_other_locations_never_collide()
    {
        var other = _box.Register(_box.Folder("other"));
        var a = Add("data/x.txt", "x");
        Ctx.Registry.Write(s =>
        {
            var old = Twin(a); old.IsLatest = false; s.Artifacts.Insert(old);              // a version
            var trashed = Twin(a); trashed.IsTrashed = true; s.Artifacts.Insert(trashed);   // a trashed family
            var elsewhere = Twin(a); elsewhere.StorageId = other.Id; s.Artifacts.Insert(elsewhere);
            var keyless1 = Twin(a); keyless1.Key = null; s.Artifacts.Insert(keyless1);
            var keyless2 = Twin(a); keyless2.Key = null; s.Artifacts.Insert(keyless2);
        });
        Assert.Equal(6, Ctx.Registry.Read(s => s.Artifacts.Count()));
    }

    [Theory]
    [InlineData(3)]   // 258 characters: indexed whole
    [InlineData(5)]   // 430 characters, about 1.3 KB: longer than an index key may be, held by the code alone
    public void Two_long_keys_that_share_their_first_characters_are_two_keys(int segments)
    {
        var head = string.Concat(Enumerable.Repeat(new string('\u20AC', 85) + "/", segments));
        Add(head + "one.txt", "1");
        Add(head + "two.txt", "2");
        Assert.Equal(2, Svc.Get(new ArtifactQuery(Key: head + "*")).Count);
        Assert.Equal(2, Add(head + "two.txt", "2 again").Version);
    }

    [Fact]
    public void A_registry_that_already_has_two_latest_versions_of_a_key_opens_is_reported_and_takes_the_index_once_repaired()
    {
        var a = Add("data/x.txt", "x");
        LaminArtifact twin = Twin(a);
        using (var db = new LiteDB.LiteDatabase($"Filename={_box.RegistryPath};Connection=direct", LaminRegistry.Mapper))
        {
            var artifacts = db.GetCollection<LaminArtifact>("artifact");
            artifacts.DropIndex(LaminRegistry_LatestKeyIndex);
            artifacts.Insert(twin);
        }
        // Writes go on (the index can't go in yet) and reads see both.
        Add("data/y.txt", "y");
        Assert.False(HasIndex());
        var health = new AuditService(Ctx).TestStorage(null).Single(h => h.Uid == a.StorageUid);
        Assert.False(health.Healthy);
        Assert.Contains(health.Problems, p => p.Contains("'data/x.txt' has 2 latest versions") && p.Contains(a.Uid) && p.Contains(twin.Uid));
        // Trashing one repairs it: the other family is not promoted again, and the next process adds the index.
        Svc.Remove(twin.Uid, permanent: false, deleteFile: false);
        Assert.True(new AuditService(Ctx).TestStorage(null).Single(h => h.Uid == a.StorageUid).Healthy);
        RegistrySession.RetryLatestKeyIndex(_box.RegistryPath);
        Add("data/z.txt", "z");
        Assert.True(HasIndex());
    }

    private const string LaminRegistry_LatestKeyIndex = RegistrySession.LatestKeyIndex;
}
