using System.Diagnostics;
using System.Management.Automation;
using Lamin.Core.Artifacts;

namespace Lamin.PowerShell;

/// <summary>
/// Turns core transfer callbacks into Write-Progress: bytes and files done / total, a child bar for
/// the current file of a folder; silent for the first second and throttled to a few updates a second.
/// PowerShell itself drops the records when $ProgressPreference is SilentlyContinue.
/// </summary>
internal sealed class ProgressReporter : ITransferProgress
{
    private const int ParentId = 1, ChildId = 2;
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(250);

    /// <summary>Silent this long first (LAMIN_PROGRESS_AFTER_MS, default 1000): short transfers show no bar.</summary>
    private readonly TimeSpan Quiet = ProgressReporter.QuietPeriod();
    private readonly Cmdlet _cmdlet;
    private readonly string _activity;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _last = TimeSpan.Zero;
    private bool _shown;
    private long _bytesDone, _fileDone, _fileSize;
    private int _filesDone;
    private string _file = "";

    private readonly OuterProgress? _outer;

    public ProgressReporter(Cmdlet cmdlet, string activity, long totalBytes, int totalFiles, OuterProgress? outer = null)
    {
        _outer = outer;
        _cmdlet = cmdlet;
        _activity = activity;
        TotalBytes = totalBytes;
        TotalFiles = totalFiles;
    }

    /// <summary>How long every bar stays silent first (LAMIN_PROGRESS_AFTER_MS, default 1000 ms): short runs show none.</summary>
    internal static TimeSpan QuietPeriod() => TimeSpan.FromMilliseconds(
        int.TryParse(Environment.GetEnvironmentVariable("LAMIN_PROGRESS_AFTER_MS"), out var ms) && ms >= 0 ? ms : 1000);

    public long TotalBytes { get; set; }
    public int TotalFiles { get; set; }

    public void FileStarted(string name, long size)
    {
        _file = name;
        _fileSize = size;
        _fileDone = 0;
        Maybe();
    }

    public void Bytes(long count)
    {
        _bytesDone += count;
        _fileDone += count;
        Maybe();
    }

    public void FileDone()
    {
        _filesDone++;
        Maybe();
    }

    private void Maybe()
    {
        var now = _clock.Elapsed;
        if (now < Quiet || (_shown && now - _last < Every)) return;
        _last = now;
        _shown = true;
        var parent = new ProgressRecord(ParentId, _activity,
            $"{Size(_bytesDone)} of {Size(TotalBytes)}, {_filesDone} of {TotalFiles} file(s)")
        { PercentComplete = TotalBytes > 0 ? (int)Math.Min(100, _bytesDone * 100 / TotalBytes) : -1 };
        if (_outer is { Shown: true }) parent.ParentActivityId = OuterProgress.Id;
        _cmdlet.WriteProgress(parent);
        if (TotalFiles > 1)
            _cmdlet.WriteProgress(new ProgressRecord(ChildId, _file, $"{Size(_fileDone)} of {Size(_fileSize)}")
            { ParentActivityId = ParentId, PercentComplete = _fileSize > 0 ? (int)Math.Min(100, _fileDone * 100 / _fileSize) : -1 });
    }

    public void Complete()
    {
        if (!_shown) return;
        if (TotalFiles > 1) _cmdlet.WriteProgress(new ProgressRecord(ChildId, _file, "done") { ParentActivityId = ParentId, RecordType = ProgressRecordType.Completed });
        _cmdlet.WriteProgress(new ProgressRecord(ParentId, _activity, "done") { RecordType = ProgressRecordType.Completed });
    }

    public static string Size(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.Length - 1) { v /= 1024; u++; }
        return u == 0 ? $"{bytes} B" : $"{v:0.#} {units[u]}";
    }
}

/// <summary>
/// The outer bar of a command that handles many items (a pipeline of files, every location): items and
/// bytes done; a percentage and time remaining only when the total is known (never by buffering the
/// pipeline). Silent for the first second like <see cref="ProgressReporter"/>; its id is the parent
/// of the per-item bars.
/// </summary>
internal sealed class OuterProgress
{
    public const int Id = 0;
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(250);
    private readonly TimeSpan _quiet = ProgressReporter.QuietPeriod();
    private readonly Cmdlet _cmdlet;
    private readonly string _activity;
    private readonly string _unit;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _last = TimeSpan.Zero;
    private bool _shown;
    private int _done;
    private long _bytes;

    public OuterProgress(Cmdlet cmdlet, string activity, string unit, int? total)
    {
        _cmdlet = cmdlet;
        _activity = activity;
        _unit = unit;
        Total = total;
    }

    /// <summary>Known only when the command was given all its items at once; null for pipeline input.</summary>
    public int? Total { get; set; }

    /// <summary>Whether the bar is on screen (per-item bars then name it as their parent).</summary>
    public bool Shown => _shown;

    /// <summary>Shows the bar now (before a long item), naming what is in progress.</summary>
    public void Working(string current) => Write(current, force: false);

    public void ItemDone(long bytes, string current = "")
    {
        _done++;
        _bytes += bytes;
        Write(current, force: false);
    }

    private void Write(string current, bool force)
    {
        var now = _clock.Elapsed;
        if (!force && (now < _quiet || (_shown && now - _last < Every))) return;
        _last = now;
        _shown = true;
        var status = Total is { } t ? $"{_done} of {t} {_unit}, {ProgressReporter.Size(_bytes)}" : $"{_done} {_unit}, {ProgressReporter.Size(_bytes)}";
        var record = new ProgressRecord(Id, _activity, status) { CurrentOperation = current };
        if (Total is { } total && total > 0)
        {
            record.PercentComplete = (int)Math.Min(100, _done * 100L / total);
            if (_done > 0) record.SecondsRemaining = (int)(now.TotalSeconds / _done * (total - _done));
        }
        _cmdlet.WriteProgress(record);
    }

    public void Complete()
    {
        if (_shown) _cmdlet.WriteProgress(new ProgressRecord(Id, _activity, "done") { RecordType = ProgressRecordType.Completed });
    }
}

/// <summary>
/// The bar of one check over many artifacts (Test-LaminArtifact): artifacts and bytes checked of the
/// total, drawn from a <see cref="Lamin.Core.Services.CheckCounter"/> on the pipeline thread; a child of
/// the outer bar when one is on screen. Silent for the first second like the other bars.
/// </summary>
internal sealed class CheckProgressBar(Cmdlet cmdlet, string activity, OuterProgress? outer)
{
    private const int Id = 3;
    private readonly TimeSpan _quiet = ProgressReporter.QuietPeriod();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private bool _shown;

    public void Show(Lamin.Core.Services.CheckCounter counter, bool final)
    {
        var now = _clock.Elapsed;
        if (now < _quiet || (final && !_shown && counter.Total == 0)) return;
        _shown = true;
        long done = counter.Done, total = counter.Total, bytes = counter.Bytes, totalBytes = counter.TotalBytes;
        var status = totalBytes > 0
            ? $"{done} of {total} artifact(s), {ProgressReporter.Size(bytes)} of {ProgressReporter.Size(totalBytes)}"
            : $"{done} of {total} artifact(s)";
        var record = new ProgressRecord(Id, activity, status)
        {
            PercentComplete = totalBytes > 0 ? (int)Math.Min(100, bytes * 100 / totalBytes)
                : total > 0 ? (int)Math.Min(100, done * 100 / total) : -1,
        };
        if (outer is { Shown: true }) record.ParentActivityId = OuterProgress.Id;
        cmdlet.WriteProgress(record);
    }

    public void Complete()
    {
        if (_shown) cmdlet.WriteProgress(new ProgressRecord(Id, activity, "done") { RecordType = ProgressRecordType.Completed });
    }
}
