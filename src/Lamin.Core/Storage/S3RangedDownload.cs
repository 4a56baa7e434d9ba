using Amazon.Runtime;
using Amazon.S3.Model;
using Lamin.Core.Roots;
using static Lamin.Core.Storage.CloudObjects;
using static Lamin.Core.Storage.S3Calls;
using static Lamin.Core.Storage.S3StorageProvider;

namespace Lamin.Core.Storage;

/// <summary>
/// A large S3 object downloaded to a local file in <see cref="S3StorageProvider.PartsInFlight"/> parallel ranged GETs,
/// each written at its offset; progress is reported from the caller's (the pipeline's) thread.
/// </summary>
internal static class S3RangedDownload
{
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
