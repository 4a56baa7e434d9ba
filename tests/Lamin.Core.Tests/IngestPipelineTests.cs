using System.Collections.Concurrent;
using Lamin.Core.Errors;
using Lamin.Core.Hashing;
using Lamin.Core.Model;
using Lamin.Core.Roots;
using Lamin.Core.Services;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// Add-LaminArtifact's batching in the core (issue 27): batches commit by size and by age (a test clock, no waiting),
/// on a thread of their own, their results and outcomes reported on the caller's thread, the warnings summed up per
/// kind; a failed transaction is raised with its items dropped; a stop lets the batch in flight commit and drops the
/// staged items not handed over.
/// </summary>
public sealed class IngestPipelineTests
{
    /// <summary>A clock that moves only when told to.</summary>
    private sealed class TestClock : TimeProvider
    {
        private long _ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => Interlocked.Read(ref _ticks);
        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }

    /// <summary>Counts its disposals: the staged item's hold on its temporary data.</summary>
    private sealed class Hold : IDisposable
    {
        private int _disposed;
        public bool Disposed => Volatile.Read(ref _disposed) > 0;
        public void Dispose() => Interlocked.Increment(ref _disposed);
    }

    private static readonly LaminStorage Storage = new() { Id = 1, Uid = "storage0001a", Root = "s3://bucket" };

    private static (StagedArtifact Item, Hold Hold) Item(int n)
    {
        var plan = new IngestPlan
        {
            SourcePath = $"item{n}.txt", IsFolder = false, Storage = Storage, Root = StorageRoot.Parse(Storage.Root, "/"),
            InPlace = false, Suffix = ".txt",
        };
        var hold = new Hold();
        return (new StagedArtifact(plan, new HashResult($"hash{n}", "md5"), n, null, null, hold), hold);
    }

    private static int Number(StagedArtifact s) => int.Parse(s.Plan.SourcePath[4..^4]);

    /// <summary>A commit that records its batches and the thread it ran on, and registers every item.</summary>
    private sealed class Recorder
    {
        public ConcurrentQueue<int[]> Batches { get; } = new();
        public ConcurrentQueue<int> Threads { get; } = new();
        public Func<StagedArtifact, IngestNotice?> Notice { get; init; } = _ => null;

        public List<CommitResult> Commit(IReadOnlyList<StagedArtifact> batch, Action<IngestNotice> notice)
        {
            Threads.Enqueue(Environment.CurrentManagedThreadId);
            Batches.Enqueue(batch.Select(Number).ToArray());
            foreach (var s in batch) if (Notice(s) is { } n) notice(n);
            return batch.Select(s => new CommitResult(s, new LaminArtifact { Uid = $"uid{Number(s)}" }, false, null)).ToList();
        }
    }

    [Fact]
    public void A_batch_commits_when_it_is_full_on_a_thread_of_its_own_and_its_results_come_when_the_next_is_handed_over()
    {
        var commit = new Recorder();
        var reported = new List<string>();
        var threads = new List<int>();
        var holds = new List<Hold>();
        using var pipeline = new IngestPipeline(commit.Commit, _ => { }, r => { reported.Add(r.Artifact!.Uid); threads.Add(Environment.CurrentManagedThreadId); },
            batchSize: 2, batchAge: TimeSpan.FromDays(1), time: new TestClock());
        for (int i = 0; i < 5; i++)
        {
            var (item, hold) = Item(i);
            holds.Add(hold);
            pipeline.Add(item);
            pipeline.CommitIfDue();
            if (i == 1) Assert.Empty(reported);               // handed over, not yet reported
            if (i == 3) Assert.Equal(["uid0", "uid1"], reported); // the next batch handed over: the first one's results
        }
        pipeline.Complete();

        Assert.Equal([[0, 1], [2, 3], [4]], commit.Batches.ToArray());
        Assert.Equal(["uid0", "uid1", "uid2", "uid3", "uid4"], reported);
        Assert.DoesNotContain(Environment.CurrentManagedThreadId, commit.Threads);
        Assert.All(threads, t => Assert.Equal(Environment.CurrentManagedThreadId, t));
        Assert.All(holds, h => Assert.True(h.Disposed));
    }

    [Fact]
    public void A_batch_commits_what_it_holds_once_it_is_old_enough()
    {
        var clock = new TestClock();
        var commit = new Recorder();
        using var pipeline = new IngestPipeline(commit.Commit, _ => { }, _ => { }, batchSize: 100, batchAge: TimeSpan.FromSeconds(2), time: clock);
        void Add(int n) { pipeline.Add(Item(n).Item); pipeline.CommitIfDue(); }

        Add(0);                              // the batch's age counts from here
        clock.Advance(TimeSpan.FromSeconds(1));
        Add(1);
        clock.Advance(TimeSpan.FromSeconds(1));
        Add(2);                              // 2 s old: handed over with all three
        clock.Advance(TimeSpan.FromSeconds(1));
        Add(3);                              // a new batch, 0 s old
        pipeline.Complete();

        Assert.Equal([[0, 1, 2], [3]], commit.Batches.ToArray());
    }

    [Fact]
    public void Each_outcome_is_reported_as_its_batch_drains_and_the_warnings_sum_them_up_per_kind()
    {
        var commit = new Recorder
        {
            Notice = s => Number(s) == 3
                ? new IngestNotice(IngestOutcome.NewVersion, "creating new artifact version for key 'k'", s.Plan.SourcePath)
                : new IngestNotice(IngestOutcome.SameHash, $"returning artifact with same hash: uid{Number(s)}", s.Plan.SourcePath),
        };
        var notices = new List<(string Detail, int Thread)>();
        using var pipeline = new IngestPipeline(commit.Commit, n => notices.Add((n.Detail, Environment.CurrentManagedThreadId)), _ => { },
            batchSize: 2, batchAge: TimeSpan.FromDays(1), time: new TestClock());
        for (int i = 0; i < 4; i++) { pipeline.Add(Item(i).Item); pipeline.CommitIfDue(); }
        pipeline.Complete();

        Assert.Equal(4, notices.Count);
        Assert.Equal("returning artifact with same hash: uid0 (for 'item0.txt')", notices[0].Detail);
        Assert.All(notices, n => Assert.Equal(Environment.CurrentManagedThreadId, n.Thread));
        var warnings = pipeline.Warnings().ToList();
        Assert.Equal(2, warnings.Count);
        Assert.StartsWith("3 files or folders were already registered (same hash)", warnings[0]);
        Assert.Equal("creating new artifact version for key 'k'", warnings[1]); // one of a kind: its own message
    }

    [Fact]
    public void A_failed_transaction_is_raised_at_the_next_hand_over_and_its_items_are_dropped()
    {
        var holds = new List<Hold>();
        var reported = new List<CommitResult>();
        using var pipeline = new IngestPipeline((_, _) => throw new LaminException(ErrorIds.RegistryBusy, "busy"), _ => { }, reported.Add,
            batchSize: 1, batchAge: TimeSpan.FromDays(1), time: new TestClock());
        var (first, hold) = Item(0);
        holds.Add(hold);
        pipeline.Add(first);
        pipeline.CommitIfDue();
        var (second, hold2) = Item(1);
        holds.Add(hold2);
        pipeline.Add(second);

        var e = Assert.Throws<LaminException>(pipeline.CommitIfDue);
        Assert.Equal(ErrorIds.RegistryBusy, e.ErrorId);
        Assert.Empty(reported);
        Assert.True(hold.Disposed);   // the failed batch's items
        Assert.False(hold2.Disposed); // still staged: the caller goes on, or stops (Dispose)
        pipeline.Dispose();
        Assert.True(hold2.Disposed);
    }

    [Fact]
    public void A_stop_lets_the_batch_in_flight_commit_and_drops_the_staged_items_not_handed_over()
    {
        using var inFlight = new ManualResetEventSlim();
        var committed = new ConcurrentQueue<int[]>();
        var reported = new List<CommitResult>();
        var pipeline = new IngestPipeline((batch, _) =>
        {
            inFlight.Wait();
            committed.Enqueue(batch.Select(Number).ToArray());
            return batch.Select(s => new CommitResult(s, new LaminArtifact(), false, null)).ToList();
        }, _ => { }, reported.Add, batchSize: 2, batchAge: TimeSpan.FromDays(1), time: new TestClock());
        var holds = Enumerable.Range(0, 3).Select(i =>
        {
            var (item, hold) = Item(i);
            pipeline.Add(item);
            pipeline.CommitIfDue(); // items 0 and 1 go to their transaction, which waits; item 2 stays staged
            return hold;
        }).ToList();

        inFlight.Set();
        pipeline.Dispose(); // Ctrl+C: PowerShell disposes the cmdlet without End

        Assert.Equal([[0, 1]], committed.ToArray()); // the batch in flight committed whole, item 2 never
        Assert.Empty(reported);                      // nothing is written after a stop
        Assert.All(holds, h => Assert.True(h.Disposed));
    }

    [Fact]
    public void Over_the_registry_the_batches_register_every_item()
    {
        using var box = new Sandbox();
        var svc = new ArtifactService(box.As(Sandbox.Alice));
        var artifacts = new List<LaminArtifact>();
        using (var pipeline = new IngestPipeline(svc.CommitReporting, _ => { }, r => artifacts.Add(r.Artifact!), batchSize: 2))
        {
            for (int i = 0; i < 3; i++)
            {
                var path = Path.Combine(box.Cwd, $"f{i}.txt");
                File.WriteAllText(path, $"content {i}");
                pipeline.Add(svc.Stage(svc.Plan(new AddRequest(path)), null, CancellationToken.None));
                pipeline.CommitIfDue();
            }
            pipeline.Complete();
        }
        Assert.Equal(3, artifacts.Select(a => a.Uid).Distinct().Count());
        Assert.Equal(artifacts.Select(a => a.Uid).Order(), svc.Get(new ArtifactQuery()).Select(a => a.Uid).Order());
    }
}
