using System.Collections.Concurrent;

namespace Lamin.Core.Services;

/// <summary>
/// Add-LaminArtifact's batching (issue 15, SPEC §10 rule 8): staged items gather in a batch that commits, in one registry
/// transaction, once it holds <see cref="BatchSize"/> items or is <see cref="BatchAge"/> old; the transaction runs on a
/// thread of its own while the caller reads and copies the next batch. Its results, and the outcomes it announced
/// (<see cref="IngestNotice"/>), reach the caller's callbacks on the caller's thread only, inside <see cref="Add"/>'s
/// neighbours <see cref="CommitIfDue"/> and <see cref="Complete"/>: the results of a batch when the next one is handed
/// over, the last ones at the end. <see cref="Warnings"/> sums the outcomes up, one warning per kind (issue 26 point 4).
/// <para>
/// Stopped (Ctrl+C) or failed before <see cref="Complete"/>: <see cref="Dispose"/> lets the batch in flight finish its
/// transaction (it commits or rolls back whole; its results are not reported) and drops the staged items not yet handed
/// over (their temporaries go).
/// </para>
/// </summary>
public sealed class IngestPipeline : IDisposable
{
    private static readonly int DefaultBatchSize = Util.TestHooks.Int("batch-size") ?? 500;

    /// <summary>A batch commits at this age; tests that must keep items of one pipeline in one batch raise it (read per command, never a timing in a test).</summary>
    private static TimeSpan DefaultBatchAge => TimeSpan.FromSeconds(Util.TestHooks.Int("batch-age-seconds") ?? 2);

    private readonly Func<IReadOnlyList<StagedArtifact>, Action<IngestNotice>, List<CommitResult>> _commit;
    private readonly Action<IngestNotice> _onNotice;
    private readonly Action<CommitResult> _onResult;
    private readonly TimeProvider _time;
    private readonly List<StagedArtifact> _batch = [];
    private long? _batchStarted;
    // The registry transaction of one batch runs while the next batch is read and copied (two cores, two kinds of work).
    private Task<List<CommitResult>>? _pending;
    private List<StagedArtifact>? _pendingItems;
    // Issue 26 point 4: each warned outcome goes to the caller as it is drained; one warning per kind at the end of the command.
    private readonly ConcurrentQueue<IngestNotice> _notices = new();
    private readonly IngestNotices _summary = new();

    /// <summary>Batches committed by <paramref name="service"/> (<see cref="ArtifactService.CommitReporting"/>).</summary>
    public IngestPipeline(ArtifactService service, Action<IngestNotice> onNotice, Action<CommitResult> onResult)
        : this(service.CommitReporting, onNotice, onResult) { }

    /// <param name="commit">Commits one batch (called on the pipeline's own thread), handing each warned outcome to its second argument.</param>
    /// <param name="onNotice">Each outcome announced (for -Verbose), on the caller's thread.</param>
    /// <param name="onResult">Each item's result, in batch order, on the caller's thread; the item is disposed after it.</param>
    /// <param name="batchSize">Items per batch; by default 500 (or the test hook's).</param>
    /// <param name="batchAge">The age at which a batch commits whatever it holds; by default 2 s (or the test hook's).</param>
    /// <param name="time">The clock of the batch age (tests advance their own).</param>
    internal IngestPipeline(Func<IReadOnlyList<StagedArtifact>, Action<IngestNotice>, List<CommitResult>> commit,
        Action<IngestNotice> onNotice, Action<CommitResult> onResult, int? batchSize = null, TimeSpan? batchAge = null, TimeProvider? time = null)
    {
        _commit = commit;
        _onNotice = onNotice;
        _onResult = onResult;
        BatchSize = batchSize ?? DefaultBatchSize;
        BatchAge = batchAge ?? DefaultBatchAge;
        _time = time ?? TimeProvider.System;
    }

    public int BatchSize { get; }
    public TimeSpan BatchAge { get; }

    /// <summary>
    /// Takes a staged item into the batch (from then on this pipeline disposes it). Whether the batch commits is asked
    /// separately (<see cref="CommitIfDue"/>), so the caller's progress for the item comes between.
    /// </summary>
    public void Add(StagedArtifact item) => _batch.Add(item);

    /// <summary>
    /// Hands the batch to its transaction when it is full or old enough (its age counts from the first call after the
    /// last hand-over); before that, the batch in flight is waited for and its results reported.
    /// </summary>
    public void CommitIfDue()
    {
        _batchStarted ??= _time.GetTimestamp();
        if (_batch.Count >= BatchSize || _time.GetElapsedTime(_batchStarted.Value) >= BatchAge) Flush(wait: false);
    }

    /// <summary>The end of the command: the last batch committed and every result reported.</summary>
    public void Complete() => Flush(wait: true);

    /// <summary>The warnings of the whole command so far, one per kind of outcome (SPEC §5 rule 22).</summary>
    public IEnumerable<string> Warnings() => _summary.Warnings();

    /// <summary>Hands the batch to a background registry transaction; reports the previous batch's results first.</summary>
    private void Flush(bool wait)
    {
        Drain();
        if (_batch.Count > 0)
        {
            _pendingItems = _batch.ToList();
            _batch.Clear();
            _batchStarted = null;
            var items = _pendingItems;
            // A thread of its own, started at once: a thread-pool task still queued when the next Flush waits
            // for it runs inline on the pipeline thread, and then no staging overlaps the commit (issue 15:
            // under load about half the batches of a small-file pipeline committed that way).
            _pending = Task.Factory.StartNew(() => _commit(items, _notices.Enqueue),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        if (wait) Drain();
    }

    /// <summary>Waits for the batch in flight, then reports its outcomes and results on the caller's thread.</summary>
    private void Drain()
    {
        if (_pending is null) return;
        var task = _pending;
        var items = _pendingItems!;
        _pending = null;
        _pendingItems = null;
        try
        {
            var results = task.GetAwaiter().GetResult();
            while (_notices.TryDequeue(out var n)) { _onNotice(n); _summary.Add(n); }
            // A record only for what its transaction committed; a refused item is reported with its own error id (SPEC §10 rule 8).
            foreach (var r in results) _onResult(r);
        }
        finally
        {
            foreach (var s in items) s.Dispose(); // removes temporaries of anything not committed
        }
    }

    /// <summary>Stopped (Ctrl+C) or failed before the end: drop the temporaries of staged, uncommitted data.</summary>
    public void Dispose()
    {
        try { _pending?.Wait(); } catch (AggregateException) { /* reported by Drain, or the pipeline was stopped */ }
        foreach (var s in _pendingItems ?? []) s.Dispose();
        foreach (var s in _batch) s.Dispose();
        _batch.Clear();
    }
}
