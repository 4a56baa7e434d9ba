namespace Lamin.Core.Storage;

/// <summary>
/// A stream that is only written to, forward: an upload, a spool, a hash sink. Reading, seeking and setting the
/// position or length are not supported; the length and position are what was written.
/// </summary>
internal abstract class WriteOnlyStream : Stream
{
    /// <summary>The bytes written so far.</summary>
    protected abstract long Written { get; }

    public sealed override bool CanRead => false;
    public sealed override bool CanSeek => false;
    public sealed override bool CanWrite => true;
    public override long Length => Written;
    public sealed override long Position { get => Written; set => throw new NotSupportedException(); }
    public sealed override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public sealed override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public sealed override void SetLength(long value) => throw new NotSupportedException();
}
