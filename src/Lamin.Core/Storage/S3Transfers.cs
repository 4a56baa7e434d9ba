using Amazon.Runtime;
using Amazon.S3.Model;
using static Lamin.Core.Storage.CloudObjects;
using static Lamin.Core.Storage.S3Calls;
using static Lamin.Core.Storage.S3StorageProvider;

namespace Lamin.Core.Storage;

/// <summary>
/// What S3 moves in parts, several at a time (issue 15): server-side copies on one endpoint (CopyObject up to
/// <see cref="S3StorageProvider.CopyObjectLimit"/>, else a multipart upload of UploadPartCopy ranges of the source; no
/// byte passes through this machine) and downloads of large objects in <see cref="S3StorageProvider.PartsInFlight"/>
/// parallel ranged GETs, each written at its offset, with progress reported from the caller's (the pipeline's) thread.
/// </summary>
internal static class S3Transfers
{
    /// <summary>Two roots on one endpoint (the same client and credentials): their objects copy inside the store.</summary>
    internal static bool SameStore(StorageRoot source, StorageRoot destination) =>
        source.Type == "s3" && destination.Type == "s3" && source.EndpointUrl == destination.EndpointUrl;

    /// <summary>One server-side copy on one endpoint, whole or in parts by size; create-only when asked.</summary>
    public static string? CopyInStore(StorageRoot root, StorageRoot source, string sourceKey, string toKey, long size, bool createOnly, CancellationToken cancel)
    {
        var from = ObjectKey(source, sourceKey);
        var to = ObjectKey(root, toKey);
        if (size <= CopyObjectLimit)
            return Conditional(root, condition => Client(root).CopyObjectAsync(new CopyObjectRequest
            {
                SourceBucket = source.Bucket, SourceKey = from, DestinationBucket = root.Bucket, DestinationKey = to,
                IfNoneMatch = createOnly && condition ? "*" : null,
            }, cancel), "copy an object", toKey).ETag;
        var uploadId = Call(root, () => Client(root).InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = root.Bucket, Key = to }, cancel),
            "start a multipart copy", toKey).UploadId;
        try
        {
            var ranges = new List<(int Number, long First, long Last)>();
            for (long first = 0; first < size; first += CopyPartSize) ranges.Add((ranges.Count + 1, first, Math.Min(size, first + CopyPartSize) - 1));
            var etags = new PartETag[ranges.Count];
            Call(root, async () =>
            {
                await Parallel.ForEachAsync(ranges, new ParallelOptions { MaxDegreeOfParallelism = PartsInFlight, CancellationToken = cancel }, async (r, ct) =>
                {
                    var part = await Client(root).CopyPartAsync(new CopyPartRequest
                    {
                        SourceBucket = source.Bucket, SourceKey = from, DestinationBucket = root.Bucket, DestinationKey = to,
                        UploadId = uploadId, PartNumber = r.Number, FirstByte = r.First, LastByte = r.Last,
                    }, ct).ConfigureAwait(false);
                    etags[r.Number - 1] = new PartETag(r.Number, part.ETag);
                }).ConfigureAwait(false);
                return 0;
            }, "copy parts of an object", toKey);
            return Conditional(root, condition => Client(root).CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = root.Bucket, Key = to, UploadId = uploadId, PartETags = etags.ToList(), IfNoneMatch = createOnly && condition ? "*" : null,
            }, cancel), "complete a multipart copy", toKey).ETag;
        }
        catch
        {
            try { Client(root).AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = root.Bucket, Key = to, UploadId = uploadId }).Wait(); }
            catch (AggregateException) { /* the server expires it; Clear-LaminStorage -Orphaned finds it under .lamindb/ */ }
            throw;
        }
    }

    /// <summary>Downloads a large object in parallel ranges; false (nothing done) below <see cref="S3StorageProvider.RangedDownloadThreshold"/>.</summary>
    public static bool Download(StorageRoot root, string key, long size, string localPath, Artifacts.ITransferProgress? progress, CancellationToken cancel)
    {
        if (size < RangedDownloadThreshold) return false;
        var objectKey = ObjectKey(root, key);
        using var file = File.OpenHandle(localPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, size);
        long rangeSize = (size + PartsInFlight - 1) / PartsInFlight;
        long done = 0;
        var ranges = Enumerable.Range(0, PartsInFlight)
            .Select(i => (Start: i * rangeSize, End: Math.Min(size, (i + 1) * rangeSize) - 1))
            .Where(r => r.Start <= r.End)
            .Select(r => Task.Run(async () =>
            {
                using var response = await Client(root).GetObjectAsync(new GetObjectRequest
                {
                    BucketName = root.Bucket, Key = objectKey, ByteRange = new ByteRange(r.Start, r.End),
                }, cancel).ConfigureAwait(false);
                var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
                try
                {
                    long position = r.Start;
                    int n;
                    while ((n = await response.ResponseStream.ReadAsync(buffer.AsMemory(0, buffer.Length), cancel).ConfigureAwait(false)) > 0)
                    {
                        await RandomAccess.WriteAsync(file, buffer.AsMemory(0, n), position, cancel).ConfigureAwait(false);
                        position += n;
                        Interlocked.Add(ref done, n);
                    }
                    if (position != r.End + 1) throw new IOException($"a range of {UriOf(root, key)} ended early ({position} of {r.End + 1} bytes)");
                }
                finally { System.Buffers.ArrayPool<byte>.Shared.Return(buffer); }
            }, cancel)).ToArray();
        progress?.FileStarted(UriOf(root, key), size);
        long reported = 0;
        var all = Task.WhenAll(ranges);
        try
        {
            // Progress is reported from this (the pipeline's) thread while the ranges download.
            while (!all.Wait(200, cancel))
            {
                var now = Interlocked.Read(ref done);
                progress?.Bytes(now - reported);
                reported = now;
            }
        }
        catch (AggregateException e)
        {
            throw e.InnerException switch
            {
                AmazonServiceException s => Map(root, s, "download an object", key),
                HttpRequestException h => Unreachable(root, h),
                { } inner => inner,
                null => e,
            };
        }
        progress?.Bytes(Interlocked.Read(ref done) - reported);
        progress?.FileDone();
        return true;
    }
}
