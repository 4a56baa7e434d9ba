namespace Lamin.Core.Services;

/// <summary>
/// How far a check of many artifacts has come, counted by the worker threads that check them and read
/// by the caller's thread, which alone may draw progress (PowerShell's WriteProgress is not thread-safe).
/// </summary>
public sealed class CheckCounter
{
    private long _total, _totalBytes, _done, _bytes;

    public long Total => Interlocked.Read(ref _total);
    public long TotalBytes => Interlocked.Read(ref _totalBytes);
    public long Done => Interlocked.Read(ref _done);
    public long Bytes => Interlocked.Read(ref _bytes);

    public void AddTotal(long artifacts, long bytes)
    {
        Interlocked.Add(ref _total, artifacts);
        Interlocked.Add(ref _totalBytes, bytes);
    }

    public void Checked(long bytes, int artifacts = 1)
    {
        Interlocked.Add(ref _done, artifacts);
        Interlocked.Add(ref _bytes, bytes);
    }
}
