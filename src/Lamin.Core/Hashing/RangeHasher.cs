using System.Security.Cryptography;

namespace Lamin.Core.Hashing;

/// <summary>
/// LaminDB's hash of a stored object read through ranges (the check after a server-side copy, issue 15):
/// md5 of everything up to 50 MiB, where the store's own md5 (a plain S3 ETag, GCS md5Hash) stands in for
/// the bytes when it is the one expected; above, sha1-fl from the first and the last 50 MiB only.
/// </summary>
public static class RangeHasher
{
    /// <param name="read">Writes the bytes [offset, offset + count) of the object into the stream it is given.</param>
    /// <param name="metadataMd5">The md5 the store keeps for the object, when it has one.</param>
    /// <param name="expected">The hash the registry holds (the metadata is trusted only when it agrees; else the bytes decide).</param>
    public static HashResult Hash(long size, Action<long, long, Stream> read, HashResult? metadataMd5, HashResult? expected, CancellationToken cancel)
    {
        if (size <= LaminHash.ChunkSize)
        {
            if (metadataMd5 is { HashType: LaminHash.Md5 } meta && (expected is null || meta == expected)) return meta;
            var all = Range(read, 0, size, HashAlgorithmName.MD5, cancel);
            return new HashResult(LaminHash.ToB64Url22(all), LaminHash.Md5);
        }
        Span<byte> both = stackalloc byte[40];
        Range(read, 0, LaminHash.ChunkSize, HashAlgorithmName.SHA1, cancel).CopyTo(both[..20]);
        Range(read, size - LaminHash.ChunkSize, LaminHash.ChunkSize, HashAlgorithmName.SHA1, cancel).CopyTo(both[20..]);
        return new HashResult(LaminHash.ToB64Url22(SHA1.HashData(both)), LaminHash.Sha1FirstLast);
    }

    /// <summary>An S3 ETag as an md5 when it is one (32 hex digits, no part count), else null.</summary>
    public static HashResult? Md5OfETag(string? etag)
    {
        var e = etag?.Trim('"');
        if (e is null || e.Length != 32 || !e.All(Uri.IsHexDigit)) return null;
        return LaminHash.FromS3ETag(e);
    }

    private static byte[] Range(Action<long, long, Stream> read, long offset, long count, HashAlgorithmName algorithm, CancellationToken cancel)
    {
        using var sink = new HashSink(algorithm, cancel);
        if (count > 0) read(offset, count, sink);
        if (sink.Count != count) throw new InvalidDataException($"a range of {count} bytes at {offset} returned {sink.Count}");
        return sink.Finish();
    }

    /// <summary>A write-only stream that hashes what is written to it.</summary>
    private sealed class HashSink(HashAlgorithmName algorithm, CancellationToken cancel) : Storage.WriteOnlyStream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(algorithm);
        public long Count { get; private set; }
        protected override long Written => Count;
        public byte[] Finish() => _hash.GetHashAndReset();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            cancel.ThrowIfCancellationRequested();
            _hash.AppendData(buffer);
            Count += buffer.Length;
        }
        public override void Flush() { }
        protected override void Dispose(bool disposing)
        {
            if (disposing) _hash.Dispose();
            base.Dispose(disposing);
        }
    }
}
