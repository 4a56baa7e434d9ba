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
    public void A_registry_failure_in_the_middle_removes_every_published_object_and_registers_nothing()
    {
        var before = TempDir.Snapshot(_box.DefaultRoot);
        var a = StageFile("a.txt", "aaa");
        var b = StageFile("b.txt", "bbb");
        var (bad, _) = Failing("c.txt", "ccc", new IOException("disk gone"));
        var d = StageFile("d.txt", "ddd");

        Assert.Throws<IOException>(() => Svc.Commit([a, b, bad, d], _ => { }));
        foreach (var s in new[] { a, b, d }) s.Dispose(); // as the cmdlet does: temporaries of what was not committed

        Assert.False(File.Exists(ObjectPath(a)));
        Assert.False(File.Exists(ObjectPath(b)));
        Assert.Empty(Svc.Get(new ArtifactQuery()));
        var after = TempDir.Snapshot(_box.DefaultRoot);
        // Only the registry's own files may differ (LiteDB rewrote pages); no data object or temporary remains.
        static bool Data(string k) => !Path.GetFileName(k).StartsWith("lamin", StringComparison.Ordinal);
        Assert.Equal(before.Keys.Where(Data), after.Keys.Where(Data));
    }
}
