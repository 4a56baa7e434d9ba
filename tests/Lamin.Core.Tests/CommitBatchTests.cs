using Lamin.Core.Artifacts;
using Lamin.Core.Errors;
using Lamin.Core.Services;
using Lamin.Core.Storage;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// ArtifactService.Commit over a batch (SPEC §10 rule 8): a refused item is left out and its copy removed
/// while the others are registered; a failure of the transaction itself removes every object the batch
/// published and registers nothing.
/// </summary>
public sealed class CommitBatchTests : IDisposable
{
    private readonly Sandbox _box = new();
    private ArtifactService Svc => new(_box.As(Sandbox.Alice));

    public void Dispose() => _box.Dispose();

    /// <summary>A writer that fails at commit: with a refusal (DestinationExists) or with a real I/O error.</summary>
    private sealed class FailingWriter(Exception failure) : IObjectWriter
    {
        public bool Disposed { get; private set; }
        public Stream OpenMember(string relativePath, long size) => Stream.Null;
        public void Commit(string finalKey, bool replace) => throw failure;
        public void Dispose() => Disposed = true;
    }

    private StagedArtifact StageFile(string name, string text)
    {
        var path = Path.Combine(_box.Cwd, name);
        File.WriteAllText(path, text);
        return Svc.Stage(Svc.Plan(new AddRequest(path)), null, CancellationToken.None);
    }

    private (StagedArtifact Item, FailingWriter Writer) Failing(string name, string text, Exception failure)
    {
        var path = Path.Combine(_box.Cwd, name);
        File.WriteAllText(path, text);
        var plan = Svc.Plan(new AddRequest(path));
        var writer = new FailingWriter(failure);
        return (new StagedArtifact(plan, new Hashing.HashResult(Hashing.LaminHash.HashString(text), "md5"), text.Length, null, writer), writer);
    }

    private string ObjectPath(StagedArtifact s) =>
        Path.Combine(_box.DefaultRoot, ArtifactKeys.AutoKey(s.Plan.ProposedUid, s.Plan.Suffix, false));

    [Fact]
    public void A_refused_item_is_left_out_and_the_others_are_registered()
    {
        var a = StageFile("a.txt", "aaa");
        var (bad, writer) = Failing("b.txt", "bbb", new LaminException(ErrorIds.DestinationExists, "taken"));
        var c = StageFile("c.txt", "ccc");

        var results = Svc.Commit([a, bad, c], _ => { });

        Assert.Equal(3, results.Count);
        Assert.NotNull(results[0].Artifact);
        Assert.Null(results[1].Artifact);
        Assert.Equal(ErrorIds.DestinationExists, results[1].Error!.ErrorId);
        Assert.NotNull(results[2].Artifact);
        Assert.True(writer.Disposed); // the refused item's copy is removed at once
        Assert.True(File.Exists(ObjectPath(a)));
        Assert.True(File.Exists(ObjectPath(c)));
        var registered = Svc.Get(new ArtifactQuery()).Select(x => x.Uid).Order().ToList();
        Assert.Equal(new[] { results[0].Artifact!.Uid, results[2].Artifact!.Uid }.Order(), registered);
    }

    [Fact]
    public void A_storage_error_publishing_one_item_refuses_that_item_only()
    {
        // SPEC §10 rule 15: a sharing or access refusal at one item's publish is that item's outcome.
        var a = StageFile("a.txt", "aaa");
        var (io, ioWriter) = Failing("b.txt", "bbb", new IOException("The process cannot access the file because it is being used by another process."));
        var (denied, deniedWriter) = Failing("c.txt", "ccc", new UnauthorizedAccessException("Access to the path is denied."));
        var d = StageFile("d.txt", "ddd");

        var results = Svc.Commit([a, io, denied, d], _ => { });

        Assert.Equal(ErrorIds.StorageIoError, results[1].Error!.ErrorId);
        Assert.Equal(ErrorIds.StorageAccessDenied, results[2].Error!.ErrorId);
        Assert.Contains("being used by another process", results[1].Error!.Message);
        Assert.True(ioWriter.Disposed && deniedWriter.Disposed);
        Assert.True(File.Exists(ObjectPath(a)));
        Assert.True(File.Exists(ObjectPath(d)));
        var registered = Svc.Get(new ArtifactQuery()).Select(x => x.Uid).Order().ToList();
        Assert.Equal(new[] { results[0].Artifact!.Uid, results[3].Artifact!.Uid }.Order(), registered);
    }

    [Fact]
    public void A_failure_of_the_transaction_in_the_middle_removes_every_published_object_and_registers_nothing()
    {
        // Not a storage refusal of one item (those are per item, above): the batch fails as a whole.
        var before = TempDir.Snapshot(_box.DefaultRoot);
        var a = StageFile("a.txt", "aaa");
        var b = StageFile("b.txt", "bbb");
        var (bad, _) = Failing("c.txt", "ccc", new InvalidOperationException("the transaction broke"));
        var d = StageFile("d.txt", "ddd");

        Assert.Throws<InvalidOperationException>(() => Svc.Commit([a, b, bad, d], _ => { }));
        foreach (var s in new[] { a, b, d }) s.Dispose(); // as the cmdlet does: temporaries of what was not committed

        Assert.False(File.Exists(ObjectPath(a)));
        Assert.False(File.Exists(ObjectPath(b)));
        Assert.Empty(Svc.Get(new ArtifactQuery()));
        var after = TempDir.Snapshot(_box.DefaultRoot);
        // Only the registry's own files may differ (LiteDB rewrote pages); no data object or temporary remains.
        static bool Data(string k) => !Path.GetFileName(k).StartsWith("lamin", StringComparison.Ordinal);
        Assert.Equal(before.Keys.Where(Data), after.Keys.Where(Data));
    }

    private StagedArtifact StageKeyed(string name, string text, string key)
    {
        var path = Path.Combine(_box.Cwd, name);
        File.WriteAllText(path, text);
        return Svc.Stage(Svc.Plan(new AddRequest(path, Key: key)), null, CancellationToken.None);
    }

    /// <summary>
    /// The records a batch emits are read back as its transaction commits them (issue 15 reads them by id
    /// ranges): the batch's own new records (consecutive ids), an older record far from them that one item
    /// found by its hash and a later item of the same batch superseded, and an item of the batch that a later
    /// one superseded.
    /// </summary>
    [Fact]
    public void The_records_emitted_are_the_committed_state_of_old_and_new_records_alike()
    {
        var old = Svc.Commit([StageKeyed("old.txt", "same bytes", "data/k.txt")], _ => { })[0].Artifact!;
        for (int i = 0; i < 20; i++) Svc.Commit([StageFile($"filler{i}.txt", $"filler {i}")], _ => { }); // ids between

        var batch = new List<StagedArtifact>();
        for (int i = 0; i < 10; i++) batch.Add(StageFile($"new{i}.txt", $"new {i}"));
        batch.Add(StageFile("dup.txt", "same bytes"));                   // found by its hash: the old record
        batch.Add(StageKeyed("v2.txt", "version two", "data/k.txt"));     // supersedes the old record
        batch.Add(StageKeyed("m1.txt", "m one", "data/m.txt"));           // superseded by the next item
        batch.Add(StageKeyed("m2.txt", "m two", "data/m.txt"));
        var results = Svc.Commit(batch, _ => { });

        Assert.All(results, r => Assert.Null(r.Error));
        var dup = results[10].Artifact!;
        Assert.Equal(old.Uid, dup.Uid);
        Assert.True(results[10].Existed);
        Assert.False(dup.IsLatest); // as committed: item 12 demoted it after item 11 found it
        Assert.True(results[11].Artifact!.IsLatest);
        Assert.Equal(2, results[11].Artifact!.Version);
        Assert.False(results[12].Artifact!.IsLatest);
        Assert.True(results[13].Artifact!.IsLatest);
        // Every emitted record equals the registry's record, field by field that the registry keeps.
        var stored = Svc.Get(new ArtifactQuery(AllVersions: true)).ToDictionary(a => a.Uid);
        foreach (var r in results)
        {
            var a = r.Artifact!;
            var s = stored[a.Uid];
            Assert.Equal((s.Id, s.Key, s.Hash, s.Version, s.IsLatest, s.Size, s.CreatedAt, s.UpdatedAt, s.FullName),
                (a.Id, a.Key, a.Hash, a.Version, a.IsLatest, a.Size, a.CreatedAt, a.UpdatedAt, a.FullName));
        }
    }

    [Fact]
    public void A_file_that_changes_between_its_plan_and_its_copy_is_refused_and_leaves_no_temporary()
    {
        // Staging right after planning takes the plan's lstat as the state before the read (issue 15: one lstat
        // less per file), so a change in between is a change while it was read.
        var path = Path.Combine(_box.Cwd, "moving.txt");
        File.WriteAllText(path, "first");
        var svc = Svc;
        var plan = svc.Plan(new AddRequest(path));
        File.AppendAllText(path, " and more");
        var e = Assert.Throws<LaminException>(() => svc.Stage(plan, null, CancellationToken.None));
        Assert.Equal(ErrorIds.FileChanged, e.ErrorId);
        Assert.Empty(Directory.GetFiles(Path.Combine(_box.DefaultRoot, Marker.ManagedFolder), LocalStorageProvider.TempPrefix + "*"));
    }
}
