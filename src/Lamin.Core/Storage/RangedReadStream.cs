namespace Lamin.Core.Storage;

/// <summary>
/// Reads an object of known length through ranged requests of growing size (64 KiB, then doubling up
/// to 8 MiB), so a reader that stops early (Get-Content -TotalCount 10 on the lamin: drive) fetches
/// about one small range instead of the whole object. Forward-only; each range is one request.
/// </summary>
public sealed class RangedReadStream : Stream
{
    public const int FirstRange = 64 * 1024;
    public const int LargestRange = 8 * 1024 * 1024;

    private static long _totalRequested;

    /// <summary>Bytes asked for by every ranged read in this process (a diagnostic for tests and the bench).</summary>
    public static long TotalBytesRequested => Interlocked.Read(ref _totalRequested);

    private readonly long _length;
    private readonly Func<long, long, Stream> _openRange;
    private Stream? _range;
    private long _rangeEnd;
    private long _position;
    private long _nextSize = FirstRange;

    /// <param name="length">The object's size in bytes.</param>
    /// <param name="openRange">Opens the bytes [offset, offset + count) of the object.</param>
    public RangedReadStream(long length, Func<long, long, Stream> openRange)
    {
        _length = length;
        _openRange = openRange;
    }

    /// <summary>Bytes this stream asked for so far.</summary>
    public long BytesRequested { get; private set; }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (count == 0 || _position >= _length) return 0;
        if (_range is null || _position >= _rangeEnd)
        {
            _range?.Dispose();
            long size = Math.Min(_nextSize, _length - _position);
            _range = _openRange(_position, size);
            _rangeEnd = _position + size;
            _nextSize = Math.Min(_nextSize * 2, LargestRange);
            BytesRequested += size;
            Interlocked.Add(ref _totalRequested, size);
        }
        int n = _range.Read(buffer, offset, (int)Math.Min(count, _rangeEnd - _position));
        if (n == 0) throw new IOException($"A ranged read ended early ({_position} of {_length} bytes).");
        _position += n;
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _range?.Dispose();
        base.Dispose(disposing);
    }
}
