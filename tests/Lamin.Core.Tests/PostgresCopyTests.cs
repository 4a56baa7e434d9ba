using Lamin.Core.Model;
using Lamin.Core.Registry;
using Lamin.Core.Registry.Postgres;
using Lamin.Core.Services;
using LiteDB;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// Copy-LaminInstance streams: the LiteDB source is read a page at a time and each page is let go before the
/// next, so what the copy holds does not grow with the number of records (issue 11: memory flat in n).
/// LiteDB keeps every page a transaction has read until the transaction ends; the copy runs in the source's
/// write session (its lock held, so nothing changes while it is copied), so without that the whole table stayed in memory.
/// </summary>
public sealed class PostgresCopyTests : IDisposable
{
    private readonly TempDir _temp = new("lamin-copy");

    public void Dispose() => _temp.Dispose();

    private static LaminArtifact Artifact(LaminStorage st, int i) => new()
    {
        Uid = $"c{i:D15}0000", Key = $"d{i / 1000:D4}/f{i:D7}.txt", Suffix = ".txt", Size = i, Hash = $"hash-{i}-" + new string('h', 40),
        HashType = "md5", StorageId = st.Id, StorageUid = st.Uid, KeyIsVirtual = true, IsLatest = true,
        CreatedAt = Util.Clock.UtcNow, UpdatedAt = Util.Clock.UtcNow, CreatedBy = "alice",
    };

    private LaminRegistry Source(int artifacts)
    {
        var registry = LaminRegistryTests.NewRegistry(System.IO.Path.Combine(_temp.Sub("src", create: true), LaminRegistry.FileName), storages: 1);
        registry.Write(s =>
        {
            var st = s.Storages.FindAll().First();
            s.Artifacts.InsertBulk(Enumerable.Range(1, artifacts).Select(i => Artifact(st, i)));
        });
        return registry;
    }

    /// <summary>The pages this thread's LiteDB transaction holds in memory right now.</summary>
    private static int HeldPages(LiteDatabase db)
    {
        var thread = Environment.CurrentManagedThreadId;
        var mine = db.GetCollection("$transactions").FindAll().FirstOrDefault(t => t["threadID"].AsInt32 == thread);
        return mine is null ? 0 : mine["transactionSize"].AsInt32;
    }

    [PostgresFact]
    public void The_copy_holds_one_page_of_its_source_at_a_time_and_copies_every_record()
    {
        using var db = new TestPostgres();
        const int n = 6000;
        var source = Source(n);
        int held = 0, calls = 0, allPages = 0;
        var counts = source.Write(s => PostgresRegistry.Import(db.Connection, s, (what, done, total) =>
        {
            calls++;
            held = Math.Max(held, HeldPages(s.Database));
        }, batch: 200));
        // What a whole-table read in one write session holds: every page of the artifacts.
        source.Write(s =>
        {
            foreach (var _ in s.Artifacts.FindAll()) { }
            allPages = HeldPages(s.Database);
        });
        Assert.Equal(n, counts.Artifacts);
        Assert.True(allPages > 200, $"a whole read of {n} artifacts holds {allPages} pages: too few to tell a page from the whole");
        Assert.True(held < allPages / 4, $"the copy held up to {held} pages of the source; the whole table is {allPages}");
        Assert.True(calls >= 2 * n / 200, $"progress was reported {calls} times"); // once per page, copying and verifying
        new PostgresRegistry(db.Connection).Read(s =>
        {
            Assert.Equal(n, s.Artifacts.Count());
            Assert.Equal(Enumerable.Range(1, n).Select(i => $"c{i:D15}0000"), s.Artifacts.FindAll().Select(a => a.Uid));
            return 0;
        });
    }

    [Fact]
    public void ReleaseReads_refuses_once_the_session_has_written_and_the_session_stays_all_or_nothing()
    {
        var registry = Source(10);
        Assert.Throws<InvalidOperationException>(() => registry.Write(s =>
        {
            s.Artifacts.FindAll().ToList();
            s.ReleaseReads(); // nothing written yet: lets go of the pages read
            s.Artifacts.Delete(s.Artifacts.FindAll().First().Id);
            s.ReleaseReads(); // written: refused, and the session rolls back
        }));
        Assert.Equal(10, registry.Read(s => s.Artifacts.Count()));
    }
}
