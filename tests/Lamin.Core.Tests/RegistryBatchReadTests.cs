using Lamin.Core.Artifacts;
using Lamin.Core.Model;
using Lamin.Core.Registry;
using Lamin.Core.Util;
using LiteDB;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// The LiteDB registry's batch reads and writes (issue 15, small-file ingest): a batch's records go in with
/// one insert call, are read back by id ranges, and its dedupe lookups ask for many hashes in one query.
/// Each must answer exactly what the one-record-at-a-time calls answered.
/// </summary>
public sealed class RegistryBatchReadTests : IDisposable
{
    private readonly TempDir _temp = new("lamin-batch-read");

    public void Dispose() => _temp.Dispose();

    private LaminRegistry NewRegistry() =>
        LaminRegistryTests.NewRegistry(Path.Combine(_temp.Sub(Guid.NewGuid().ToString("N")[..8]), LaminRegistry.FileName));

    private static LaminArtifact Artifact(string hash) => new()
    {
        Uid = ArtifactVersions.NewUid(), Hash = hash, HashType = "md5", Suffix = ".txt", Size = 4, StorageId = 1, StorageUid = "s",
        CreatedAt = Clock.UtcNow, UpdatedAt = Clock.UtcNow, CreatedBy = "alice",
    };

    /// <summary>Inserts <paramref name="n"/> records (hash "h{i % distinct}") one by one and returns their ids.</summary>
    private static List<int> Fill(LaminRegistry registry, int n, int distinct) => registry.Write(s =>
    {
        IRegistrySession r = s;
        var ids = new List<int>();
        for (int i = 0; i < n; i++) { var a = Artifact($"h{i % distinct}"); r.Artifacts.Insert(a); ids.Add(a.Id); }
        return ids;
    });

    [Fact]
    public void InsertMany_gives_every_record_its_own_id_in_order_and_they_read_back_as_written()
    {
        var registry = NewRegistry();
        var batch = Enumerable.Range(0, 700).Select(i => Artifact($"b{i}")).ToList();
        registry.Write(s => ((IRegistrySession)s).Artifacts.InsertMany(batch));
        Assert.All(batch, a => Assert.True(a.Id > 0));
        Assert.Equal(batch.Select(a => a.Id).Order(), batch.Select(a => a.Id)); // in the list's order
        Assert.Equal(batch.Count, batch.Select(a => a.Id).Distinct().Count());
        var back = registry.Read(s => ((IRegistrySession)s).Artifacts.FindByIds(batch.Select(a => a.Id).ToList()));
        Assert.Equal(batch.Select(a => (a.Id, a.Uid, a.Hash)), back.Select(a => (a.Id, a.Uid, a.Hash)));
    }

    [Fact]
    public void InsertMany_that_fails_on_one_record_leaves_nothing_of_the_batch()
    {
        var registry = NewRegistry();
        var batch = Enumerable.Range(0, 50).Select(i => Artifact($"b{i}")).ToList();
        batch[30].Uid = batch[10].Uid; // the uid index is unique
        Assert.Throws<LiteException>(() => registry.Write(s => ((IRegistrySession)s).Artifacts.InsertMany(batch)));
        Assert.Equal(0, registry.Read(s => ((IRegistrySession)s).Artifacts.Count()));
    }

    [Fact]
    public void FindByIds_answers_exactly_the_ids_asked_for_in_id_order_whatever_their_spacing()
    {
        var registry = NewRegistry();
        var ids = Fill(registry, 200, 200);
        // Holes inside a run: records deleted, and records in the range that were not asked for.
        var deleted = new[] { ids[53], ids[57], ids[120] };
        registry.Write(s => { foreach (var id in deleted) ((IRegistrySession)s).Artifacts.Delete(id); });
        var asked = new List<int>();
        asked.AddRange(ids.Skip(50).Take(40).Where((_, i) => i % 3 != 1)); // a dense run with gaps, deleted ids among them
        asked.Add(ids[5]);                                                 // lone ids far from any run
        asked.Add(ids[150]);
        asked.AddRange(ids.Skip(118).Take(5));                             // a short run holding a deleted id
        asked.Add(ids[199]);
        asked.Add(ids[60]);                                                // asked twice
        asked.Add(ids[199] + 1000);                                        // no such record
        var expected = asked.Distinct().Where(id => !deleted.Contains(id) && ids.Contains(id)).Order().ToList();

        var got = registry.Read(s => ((IRegistrySession)s).Artifacts.FindByIds(asked)).Select(a => a.Id).ToList();
        Assert.Equal(expected, got);
        Assert.Empty(registry.Read(s => ((IRegistrySession)s).Artifacts.FindByIds([])));
    }

    [Fact]
    public void ArtifactsByHashes_finds_every_record_of_every_hash_in_id_order_across_query_chunks()
    {
        var registry = NewRegistry();
        // 2,600 records over 1,300 hashes (two records each): more hashes than one IN query takes.
        var ids = Fill(registry, 2600, 1300);
        var asked = Enumerable.Range(0, 1300).Select(i => $"h{i}").Concat(["h7", "h1299", "missing"]).ToList();
        var got = registry.Read(s => ((IRegistrySession)s).ArtifactsByHashes(asked).ToList());
        Assert.Equal(ids, got.Select(a => a.Id).ToList());
        // Each hash answers what the one-hash lookup answers, in id order on both (LiteDB's index returns
        // equal keys in no fixed order; PostgreSQL orders by id; the dedupe answers the oldest).
        registry.Read(s =>
        {
            for (int i = 0; i < 1300; i++)
            {
                var one = ((IRegistrySession)s).ArtifactsByHash($"h{i}").Select(a => a.Id).ToList();
                Assert.Equal([ids[i], ids[i + 1300]], one);
                Assert.Equal(one, got.Where(a => a.Hash == $"h{i}").Select(a => a.Id).ToList());
            }
            return 0;
        });
        Assert.Empty(registry.Read(s => ((IRegistrySession)s).ArtifactsByHashes(["missing", "HO"]).ToList()));
        Assert.Empty(registry.Read(s => ((IRegistrySession)s).ArtifactsByHashes([]).ToList()));
    }

    [Fact]
    public void A_hash_lookup_is_exact_in_case()
    {
        var registry = NewRegistry();
        registry.Write(s => { ((IRegistrySession)s).Artifacts.Insert(Artifact("AbC")); ((IRegistrySession)s).Artifacts.Insert(Artifact("abc")); });
        Assert.Equal(["AbC"], registry.Read(s => ((IRegistrySession)s).ArtifactsByHash("AbC").Select(a => a.Hash!).ToList()));
        Assert.Equal(["abc"], registry.Read(s => ((IRegistrySession)s).ArtifactsByHashes(["abc"]).Select(a => a.Hash!).ToList()));
    }
}
