using Amazon.S3.Model;
using Lamin.Core.Roots;
using static Lamin.Core.Storage.CloudObjects;
using static Lamin.Core.Storage.S3Calls;
using static Lamin.Core.Storage.S3StorageProvider;

namespace Lamin.Core.Storage;

/// <summary>
/// Server-side copies on one S3 endpoint (issue 15): CopyObject up to <see cref="S3StorageProvider.CopyObjectLimit"/>,
/// else a multipart upload whose parts are UploadPartCopy ranges of the source. No byte passes through this machine.
/// </summary>
internal static class S3ServerCopy
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
}
