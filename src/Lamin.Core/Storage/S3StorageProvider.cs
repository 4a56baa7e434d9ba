using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using static Lamin.Core.Storage.CloudObjects;
using static Lamin.Core.Storage.S3Calls;

namespace Lamin.Core.Storage;

/// <summary>
/// S3 buckets and prefixes through AWSSDK.S3 (<see cref="S3Calls"/>: the clients and the error mapping). This class
/// holds the calls of <see cref="IStorageProvider"/> and the deletes (the primitives under <see cref="Safety.Gate"/>);
/// uploads are <see cref="S3UploadStream"/>, server-side copies and parallel downloads <see cref="S3Transfers"/>.
/// </summary>
public sealed class S3StorageProvider : IStorageProvider
{
    public static S3StorageProvider Instance { get; } = new();

    /// <summary>Multipart part size and parallel parts: 8 MiB × 4 in flight bounds memory at ~40 MiB per upload.</summary>
    public const int PartSize = 8 * 1024 * 1024;
    public const int PartsInFlight = 4;

    /// <summary>Objects above this size are downloaded in <see cref="PartsInFlight"/> parallel ranges.</summary>
    public const long RangedDownloadThreshold = 32L * 1024 * 1024;

    /// <summary>Above this size a server-side copy goes in parts (UploadPartCopy): CopyObject takes at most 5 GiB. Tests lower it.</summary>
    internal static long CopyObjectLimit = 5L * 1024 * 1024 * 1024;

    /// <summary>The size of each part of a copy in parts (S3: 5 MiB to 5 GiB, at most 10,000 parts). Tests lower it.</summary>
    internal static long CopyPartSize = 512L * 1024 * 1024;


    // ------------------------------------------------------------------ region and marker

    public string? DetectRegion(StorageRoot root)
    {
        try
        {
            var r = Client(root).HeadBucketAsync(new HeadBucketRequest { BucketName = root.Bucket }, Ct).GetAwaiter().GetResult();
            if (!string.IsNullOrEmpty(r.BucketRegion)) return r.BucketRegion;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new LaminException(ErrorIds.StorageNotFound, $"The bucket '{root.Bucket}' of {root.Root} does not exist: Not Found.", root.Root, e);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.Forbidden)
        {
            // Exists, but not ours to ask: S3 still names the region in the 403's x-amz-bucket-region header.
            return (e.InnerException as Amazon.Runtime.Internal.HttpErrorResponseException)?.Response?.GetHeaderValue("x-amz-bucket-region") is { Length: > 0 } r ? r : null;
        }
        catch (Exception e) when (e is HttpRequestException || e is AmazonClientException { InnerException: HttpRequestException or IOException })
        {
            throw Unreachable(root, e);
        }
        var location = Maybe(root, () => Client(root).GetBucketLocationAsync(new GetBucketLocationRequest { BucketName = root.Bucket }, Ct), "read the bucket location");
        var value = location?.Location?.Value;
        return string.IsNullOrEmpty(value) ? "us-east-1" : value == "EU" ? "eu-west-1" : value;
    }

    public MarkerInfo ReadMarker(StorageRoot root)
    {
        var key = ObjectKey(root, Marker.RelativeKey);
        using var response = Maybe(root, () => Client(root).GetObjectAsync(new GetObjectRequest { BucketName = root.Bucket, Key = key }, Ct), "read the marker");
        if (response is null) return new MarkerInfo(false, null, null);
        if (response.ContentLength > Marker.MaxBytes)
            return Marker.Parse(new byte[Marker.MaxBytes + 1], PathOf(root, Marker.RelativeKey));
        using var ms = new MemoryStream();
        response.ResponseStream.CopyTo(ms);
        return Marker.Parse(ms.ToArray(), PathOf(root, Marker.RelativeKey));
    }

    public void WriteMarker(StorageRoot root, string content) =>
        Call(root, () => Client(root).PutObjectAsync(new PutObjectRequest
        {
            BucketName = root.Bucket, Key = ObjectKey(root, Marker.RelativeKey), ContentBody = content, UseChunkEncoding = !Custom(root),
        }, Ct), "write the marker");

    /// <summary>
    /// A conditional put (If-None-Match: *): S3 answers 412 when an object is at the key. A server without
    /// conditional writes (501) gets the put after a check that the key is free (not exclusive there).
    /// </summary>
    public bool TryCreateNew(StorageRoot root, string key, byte[] content)
    {
        try
        {
            Conditional(root, condition =>
            {
                if (!condition && Head(root, key) is not null)
                    throw Exists(root, key);
                return Client(root).PutObjectAsync(new PutObjectRequest
                {
                    BucketName = root.Bucket, Key = ObjectKey(root, key), InputStream = new MemoryStream(content, writable: false),
                    UseChunkEncoding = !Custom(root), IfNoneMatch = condition ? "*" : null,
                }, Ct);
            }, "create an object", key);
            return true;
        }
        catch (LaminException e) when (e.ErrorId == ErrorIds.DestinationExists) { return false; }
    }

    public void DeleteMarker(StorageRoot root) =>
        Call(root, () => Client(root).DeleteObjectAsync(root.Bucket, ObjectKey(root, Marker.RelativeKey), Ct), "delete the marker");

    public IReadOnlyList<StoredObject> ListManagedObjects(StorageRoot root) => ListRaw(root, Marker.ManagedFolder).Members.Select(m => m.Object).ToList();

    public void RemoveEmptyFolders(StorageRoot root) { } // buckets have no folders

    public string PathOf(StorageRoot root, string key) => UriOf(root, key);

    // ------------------------------------------------------------------ objects

    /// <summary>
    /// The objects at a key, with their ETags (for in-place hashes). An object whose key is exactly
    /// <paramref name="key"/> is a file and is all there is (S3 lets "k" and "k/x" both exist: "k/x" is
    /// not part of the file "k"); a prefix is a folder, its members the objects below "key/", only when
    /// no object has that exact key (SPEC §10). The empty key lists everything under the root.
    /// </summary>
    public IReadOnlyList<(StoredObject Object, string ETag)> ListWithETags(StorageRoot root, string key)
    {
        var (exact, members) = ListRaw(root, key);
        return exact is { } e ? [e] : members;
    }

    /// <summary>The object with exactly this key (if any) and the objects below "key/", sorted.</summary>
    private ((StoredObject Object, string ETag)? Exact, List<(StoredObject Object, string ETag)> Members) ListRaw(StorageRoot root, string key) =>
        Split(root, key, ListAll(root, ListPrefix(root, key), key));

    /// <summary>Every object under a prefix, page by page.</summary>
    private static IEnumerable<(string Name, long Size, DateTime? Modified, string ETag)> ListAll(StorageRoot root, string prefix, string key)
    {
        var request = new ListObjectsV2Request { BucketName = root.Bucket, Prefix = prefix };
        while (true)
        {
            var page = Call(root, () => Client(root).ListObjectsV2Async(request, Ct), "list objects", key);
            foreach (var o in page.S3Objects ?? []) yield return (o.Key, o.Size ?? 0, o.LastModified?.ToUniversalTime(), o.ETag ?? "");
            if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken)) break;
            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    /// <summary>The keys of the objects below "key/" (a folder's members), whether or not an object has the key itself.</summary>
    internal IReadOnlyList<string> MemberKeys(StorageRoot root, string key) => ListRaw(root, key).Members.Select(m => m.Object.Key).ToList();

    public IReadOnlyList<StoredObject> List(StorageRoot root, string key) => ListWithETags(root, key).Select(x => x.Object).ToList();

    public IReadOnlyList<(StoredObject Object, Hashing.HashResult? Hash)> ListHashed(StorageRoot root, string key) =>
        ListWithETags(root, key).Select(x => (x.Object, x.ETag.Length > 0 ? Hashing.LaminHash.FromS3ETag(x.ETag) : (Hashing.HashResult?)null)).ToList();

    public ObjectStat? Stat(StorageRoot root, string key) => CloudObjects.Stat(key, Head(root, key)?.Size, () => ListRaw(root, key).Members);

    /// <summary>Metadata of one object: size and ETag, or null.</summary>
    public (long Size, string ETag)? Head(StorageRoot root, string key)
    {
        var head = Maybe(root, () => Client(root).GetObjectMetadataAsync(root.Bucket, ObjectKey(root, key), Ct), "read object metadata", key);
        return head is null ? null : (head.ContentLength, head.ETag ?? "");
    }

    public Stream OpenRead(StorageRoot root, string key)
    {
        var response = Call(root, () => Client(root).GetObjectAsync(root.Bucket, ObjectKey(root, key), Ct), "read an object", key);
        return new S3ResponseStream(response);
    }

    /// <summary>The bytes [offset, offset + count) of an object in one ranged GET (RangedReadStream: reading part of a large object).</summary>
    public Stream OpenRange(StorageRoot root, string key, long offset, long count, CancellationToken cancel = default)
    {
        var response = Call(root, () => Client(root).GetObjectAsync(new GetObjectRequest
        {
            BucketName = root.Bucket, Key = ObjectKey(root, key), ByteRange = new ByteRange(offset, offset + count - 1),
        }, cancel), "read an object", key);
        return new S3ResponseStream(response);
    }

    public bool DownloadRanged(StorageRoot root, string key, long size, string localPath, Artifacts.ITransferProgress? progress, CancellationToken cancel) =>
        S3Transfers.Download(root, key, size, localPath, progress, cancel);

    // ------------------------------------------------------------------ deletes (under the gate)

    /// <summary>
    /// Deletes the file at a key (that object alone: objects below "key/" are not part of it), or, when no
    /// object has the key, the folder's members below "key/".
    /// </summary>
    public void DeleteUnchecked(StorageRoot root, string key)
    {
        var keys = ListWithETags(root, key).Select(o => o.Object.Key).ToList();
        if (keys.Count > 0) DeleteKeys(root, keys);
    }

    public ObjectVersion? Version(StorageRoot root, string key)
    {
        var head = Maybe(root, () => Client(root).GetObjectMetadataAsync(root.Bucket, ObjectKey(root, key), Ct), "read object metadata", key);
        return head is null ? null : new ObjectVersion(head.ContentLength, (head.ETag ?? "").Trim('"'), Modified: head.LastModified?.ToUniversalTime());
    }

    /// <summary>
    /// Issue 25: the object's size, ETag and last-modified are re-read right before the delete (an S3-compatible server
    /// that ignores the condition is still checked, with only the instant between the two requests open), then
    /// DeleteObject carries If-Match on the ETag: S3 answers 412 when the object was overwritten meanwhile. A server
    /// that does not implement the header (501) gets the plain delete after the re-check.
    /// </summary>
    public ConditionalDelete DeleteIfUnchanged(StorageRoot root, string key, ObjectVersion expected)
    {
        if (Version(root, key) is not { } now) return ConditionalDelete.Gone;
        if (!expected.Matches(now)) return ConditionalDelete.Changed;
        var etag = expected.ETag ?? now.ETag;
        Util.TestHooks.Pause("conditional-delete"); // tests overwrite here: only the server's condition keeps the object now
        DeleteObjectRequest Request(bool condition) => new()
        {
            BucketName = root.Bucket, Key = ObjectKey(root, key), IfMatch = condition && !string.IsNullOrEmpty(etag) ? "\"" + etag + "\"" : null,
        };
        try { Conditional(root, condition => Client(root).DeleteObjectAsync(Request(condition), Ct), "delete an object", key); }
        catch (LaminException e) when (e.InnerException is AmazonServiceException { StatusCode: HttpStatusCode.PreconditionFailed } or AmazonS3Exception { ErrorCode: "PreconditionFailed" or "ConditionalRequestConflict" })
        {
            return ConditionalDelete.Changed;
        }
        catch (LaminException e) when (e.InnerException is AmazonServiceException se && IsNotFound(se)) { return ConditionalDelete.Gone; }
        return ConditionalDelete.Deleted;
    }

    public void DeleteUnchecked(StorageRoot root, string key, bool folder)
    {
        var (exact, members) = ListRaw(root, key);
        var keys = folder ? members.Select(m => m.Object.Key).ToList() : exact is { } e ? [e.Object.Key] : [];
        if (keys.Count > 0) DeleteKeys(root, keys);
    }

    private void DeleteKeys(StorageRoot root, IReadOnlyList<string> keys)
    {
        foreach (var chunk in keys.Chunk(1000))
            Call(root, () => Client(root).DeleteObjectsAsync(new DeleteObjectsRequest
            {
                BucketName = root.Bucket, Objects = chunk.Select(k => new KeyVersion { Key = ObjectKey(root, k) }).ToList(),
            }, Ct), "delete objects");
    }

    // ------------------------------------------------------------------ server-side copies and writes

    /// <summary>
    /// Server-side copy inside one root of <paramref name="size"/> bytes (CopyObject, or UploadPartCopy parts above
    /// <see cref="CopyObjectLimit"/>); <paramref name="createOnly"/>: only when nothing is at the destination
    /// (If-None-Match: *). Returns the new ETag.
    /// </summary>
    internal string? Copy(StorageRoot root, string fromKey, string toKey, long size, bool createOnly = false, CancellationToken cancel = default) =>
        S3Transfers.CopyInStore(root, root, fromKey, toKey, size, createOnly, cancel);

    /// <summary>
    /// A create-only server-side copy of <paramref name="sourceKey"/> in <paramref name="source"/> to <paramref name="toKey"/>:
    /// CopyObject up to <see cref="CopyObjectLimit"/>, else a multipart upload whose parts are UploadPartCopy ranges of the
    /// source (<see cref="PartsInFlight"/> at a time), completed with If-None-Match: *. No byte passes through this machine.
    /// Returns the new object's ETag (a multipart copy's ETag is not the source's: verify by size and content, not ETag).
    /// </summary>
    internal string? CopyFrom(StorageRoot root, StorageRoot source, string sourceKey, string toKey, long size, CancellationToken cancel) =>
        S3Transfers.CopyInStore(root, source, sourceKey, toKey, size, createOnly: true, cancel);

    /// <summary>
    /// LaminDB's hash of an object, checked against its size, reading as little as possible: a plain ETag is
    /// the md5 of a file up to 50 MiB (taken when it is the <paramref name="expected"/> one, else the bytes
    /// decide: SSE-KMS ETags are no md5); above, sha1-fl from two ranged GETs of the first and last 50 MiB.
    /// </summary>
    internal Hashing.HashResult HashOf(StorageRoot root, string key, long size, Hashing.HashResult? expected, CancellationToken cancel)
    {
        var head = Head(root, key);
        return HashOfCopy(root, key, size, head?.Size, Hashing.RangeHasher.Md5OfETag(head?.ETag), (offset, count, sink) =>
        {
            using var s = OpenRange(root, key, offset, count, cancel);
            s.CopyTo(sink);
        }, expected, cancel);
    }

    public IObjectWriter CreateWriter(StorageRoot root, bool folder, string? proposedKey, CancellationToken cancel) =>
        new CopyOnCommitWriter(new Objects(this, root, cancel), folder, proposedKey);

    /// <summary>What <see cref="CopyOnCommitWriter"/> needs from S3.</summary>
    private sealed class Objects(S3StorageProvider provider, StorageRoot root, CancellationToken cancel) : CopyOnCommitWriter.IObjects
    {
        public StorageRoot Root => root;
        public IStorageProvider Provider => provider;
        public Stream OpenUpload(string key, long size, Action<string?> created) => new S3UploadStream(root, key, size, created, cancel);
        public string? Copy(string from, string to, long size, bool createOnly) => provider.Copy(root, from, to, size, createOnly, cancel);
        public IReadOnlyList<string> MemberKeys(string key) => provider.MemberKeys(root, key);
        public void DeleteKeys(IReadOnlyList<string> keys) => provider.DeleteKeys(root, keys);
        public bool CanCopyFrom(StorageRoot source) => S3Transfers.SameStore(source, root);
        public string? CopyFrom(StorageRoot source, string sourceKey, string toKey, long size) => provider.CopyFrom(root, source, sourceKey, toKey, size, cancel);
        public Hashing.HashResult HashOf(string key, long size, Hashing.HashResult? expected) => provider.HashOf(root, key, size, expected, cancel);
        public (long Size, string? Token)? Version(string key) => provider.Head(root, key) is { } h ? (h.Size, h.ETag) : null;

        /// <summary>Deletes an object this writer created, only while it still is that object (its ETag, read just before).</summary>
        public void DeleteOwn(string key, string? token)
        {
            if (token is not null && (provider.Head(root, key) is not { } head || head.ETag.Trim('"') != token.Trim('"')))
                return; // gone, or replaced since: not ours any more
            Call(root, () => Client(root).DeleteObjectAsync(root.Bucket, ObjectKey(root, key), Ct), "delete an object", key);
        }
    }

    // ------------------------------------------------------------------ unfinished uploads

    public IReadOnlyList<UnfinishedUpload>? ListUnfinishedUploads(StorageRoot root, string key)
    {
        var objectKey = ObjectKey(root, key);
        var request = new ListMultipartUploadsRequest { BucketName = root.Bucket, Prefix = ListPrefix(root, key) };
        var result = new List<UnfinishedUpload>();
        while (true)
        {
            ListMultipartUploadsResponse page;
            try { page = Call(root, () => Client(root).ListMultipartUploadsAsync(request, Ct), "list unfinished multipart uploads"); }
            catch (LaminException e) when (e.InnerException is AmazonServiceException { StatusCode: System.Net.HttpStatusCode.NotImplemented })
            {
                return null; // an S3-compatible server without the call (s3rver): like GCS, it can't be listed
            }
            foreach (var u in page.MultipartUploads ?? [])
            {
                if (key.Length != 0 && u.Key != objectKey && !u.Key.StartsWith(objectKey + "/", StringComparison.Ordinal)) continue;
                var (size, parts) = PartsOf(root, u.Key, u.UploadId);
                result.Add(new UnfinishedUpload(RelativeKey(root, u.Key), u.UploadId, u.Initiated?.ToUniversalTime(), size, parts));
            }
            if (page.IsTruncated != true) break;
            request.KeyMarker = page.NextKeyMarker;
            request.UploadIdMarker = page.NextUploadIdMarker;
        }
        return result.OrderBy(u => u.Initiated ?? DateTime.MinValue).ThenBy(u => u.Key, StringComparer.Ordinal).ToList();
    }

    private (long Size, int Parts) PartsOf(StorageRoot root, string objectKey, string uploadId)
    {
        var request = new ListPartsRequest { BucketName = root.Bucket, Key = objectKey, UploadId = uploadId };
        long size = 0; int parts = 0;
        while (true)
        {
            var page = Maybe(root, () => Client(root).ListPartsAsync(request, Ct), "list the parts of an unfinished upload");
            if (page is null) break; // completed or aborted meanwhile
            foreach (var p in page.Parts ?? []) { size += p.Size ?? 0; parts++; }
            if (page.IsTruncated != true || page.NextPartNumberMarker is null) break;
            request.PartNumberMarker = page.NextPartNumberMarker.ToString();
        }
        return (size, parts);
    }

    public void AbortUnfinishedUpload(StorageRoot root, UnfinishedUpload upload) =>
        Maybe(root, () => Client(root).AbortMultipartUploadAsync(new AbortMultipartUploadRequest
        {
            BucketName = root.Bucket, Key = ObjectKey(root, upload.Key), UploadId = upload.UploadId,
        }, Ct), "abort an unfinished multipart upload");
}