using System.Collections.Concurrent;
using Amazon.S3;
using Amazon.S3.Model;
using static Lamin.Core.Storage.S3Calls;
using static Lamin.Core.Storage.S3StorageProvider;

namespace Lamin.Core.Storage;

/// <summary>
/// A write-only stream that uploads <c>size</c> bytes: one PutObject up to <see cref="S3StorageProvider.PartSize"/>,
/// else a multipart upload with up to <see cref="S3StorageProvider.PartsInFlight"/> parts in parallel. It completes
/// on Flush once every byte was written; disposed earlier, it aborts the multipart upload. It only
/// creates: PutObject and CompleteMultipartUpload carry If-None-Match: * (an object already at the key
/// → DestinationExists, nothing overwritten, where the server honours the condition), and it reports
/// the new object's ETag once S3 answered the completion (SPEC §10 rule 10).
/// </summary>
internal sealed class S3UploadStream : WriteOnlyStream
{
    private readonly StorageRoot _root;
    private readonly string _key;
    private readonly string _relativeKey;
    private readonly Action<string?> _created;
    private readonly long _size;
    private readonly CancellationToken _cancel;
    private readonly bool _multipart;
    private readonly List<Task<PartETag>> _parts = [];
    private readonly SemaphoreSlim _slots = new(PartsInFlight);
    private byte[]? _buffer;
    // The parts' buffers, owned by this stream and reused (issue 15): at most PartsInFlight + 2 of them ever exist.
    // Rented from the shared pool, they were returned on the upload threads and rented anew on this one, so
    // every part took a fresh 8 MiB array that the pool then kept (peak RSS +123 MiB for a 256 MiB upload).
    private readonly ConcurrentQueue<byte[]> _spare = new();
    private int _filled;
    private long _written;
    private string? _uploadId;
    private bool _completed;

    public S3UploadStream(StorageRoot root, string key, long size, Action<string?> created, CancellationToken cancel)
    {
        _root = root;
        _relativeKey = key;
        _key = CloudObjects.ObjectKey(root, key);
        _created = created;
        _size = size;
        _cancel = cancel;
        _multipart = size > PartSize;
        _buffer = _multipart ? new byte[PartSize] : System.Buffers.ArrayPool<byte>.Shared.Rent((int)Math.Max(1, size));
    }

    private AmazonS3Client Client => S3Calls.Client(_root);
    private bool Custom => S3Calls.Custom(_root);
    protected override long Written => _written;

    public override void Write(byte[] buffer, int offset, int count)
    {
        while (count > 0)
        {
            _cancel.ThrowIfCancellationRequested();
            int room = (_multipart ? PartSize : _buffer!.Length) - _filled;
            int n = Math.Min(room, count);
            Buffer.BlockCopy(buffer, offset, _buffer!, _filled, n);
            _filled += n; _written += n; offset += n; count -= n;
            if (_multipart && _filled == PartSize && _written < _size) SendPart();
        }
    }

    private void SendPart()
    {
        _uploadId ??= Call(_root, () => Client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = _root.Bucket, Key = _key }, _cancel),
            "start a multipart upload").UploadId;
        var data = _buffer!;
        int length = _filled, number = _parts.Count + 1;
        _slots.Wait(_cancel); // a slot first: the part that freed it has put its buffer back
        _buffer = _spare.TryDequeue(out var spare) ? spare : new byte[PartSize];
        _filled = 0;
        _parts.Add(Task.Run(async () =>
        {
            try
            {
                var r = await Client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _root.Bucket, Key = _key, UploadId = _uploadId, PartNumber = number,
                    InputStream = new MemoryStream(data, 0, length, writable: false), PartSize = length, UseChunkEncoding = !Custom,
                }, _cancel).ConfigureAwait(false);
                return new PartETag(number, r.ETag);
            }
            finally
            {
                _spare.Enqueue(data);
                _slots.Release();
            }
        }, _cancel));
        if (_parts[0].IsFaulted) _parts[0].GetAwaiter().GetResult();
    }

    public override void Flush()
    {
        if (_completed || _written != _size) return;
        string? etag;
        if (!_multipart)
        {
            etag = Conditional(_root, condition => Client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _root.Bucket, Key = _key, InputStream = new MemoryStream(_buffer!, 0, _filled, writable: false), UseChunkEncoding = !Custom,
                IfNoneMatch = condition ? "*" : null,
            }, _cancel), "upload an object", _relativeKey).ETag;
        }
        else
        {
            SendPart();
            var etags = Call(_root, () => Task.WhenAll(_parts), "upload parts", _relativeKey);
            etag = Conditional(_root, condition => Client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _root.Bucket, Key = _key, UploadId = _uploadId, PartETags = etags.OrderBy(p => p.PartNumber).ToList(),
                IfNoneMatch = condition ? "*" : null,
            }, _cancel), "complete a multipart upload", _relativeKey).ETag;
        }
        _completed = true;
        _created(etag); // only now does an object of ours exist at the key
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (!_completed && _uploadId is not null)
            {
                try { Task.WhenAll(_parts).Wait(); } catch (AggregateException) { }
                try { Client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _root.Bucket, Key = _key, UploadId = _uploadId }).Wait(); }
                catch (AggregateException) { /* nothing more we can do; the server expires it */ }
            }
            if (_buffer is not null && !_multipart) System.Buffers.ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
            _spare.Clear();
        }
        base.Dispose(disposing);
    }
}

/// <summary>Disposes the GET response with its stream.</summary>
internal sealed class S3ResponseStream(GetObjectResponse response) : Stream
{
    private readonly Stream _inner = response.ResponseStream;
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => response.ContentLength;
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    protected override void Dispose(bool disposing)
    {
        if (disposing) { _inner.Dispose(); response.Dispose(); }
        base.Dispose(disposing);
    }
}
