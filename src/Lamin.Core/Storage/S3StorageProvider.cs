using System.Collections.Concurrent;
using System.Net;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.S3;
using Amazon.S3.Model;
using Lamin.Core.Errors;
using Lamin.Core.Roots;

namespace Lamin.Core.Storage;

/// <summary>
/// S3 buckets and prefixes through AWSSDK.S3. Credentials come from the SDK's default chain
/// (environment, profiles, instance roles), anonymous when there are none; roots with ?endpoint_url=
/// use path-style addressing and unchunked payloads (S3-compatible servers store aws-chunked bodies verbatim).
/// </summary>
public sealed class S3StorageProvider : IStorageProvider
{
    public static S3StorageProvider Instance { get; } = new();

    /// <summary>Multipart part size and parallel parts: 8 MiB × 4 in flight bounds memory at ~40 MiB per upload.</summary>
    public const int PartSize = 8 * 1024 * 1024;
    public const int PartsInFlight = 4;

    private readonly ConcurrentDictionary<string, AmazonS3Client> _clients = new();

    internal AmazonS3Client Client(StorageRoot root, string? region = null)
    {
        region ??= Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION") ?? "us-east-1";
        // Keyed by the credential source too, so a changed AWS_ACCESS_KEY_ID or AWS_PROFILE takes effect (the key id is not a secret).
        var identity = $"{Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID")}|{Environment.GetEnvironmentVariable("AWS_PROFILE")}";
        return _clients.GetOrAdd($"{root.EndpointUrl}|{region}|{identity}", _ =>
        {
            var config = new AmazonS3Config { MaxErrorRetry = 4, Timeout = TimeSpan.FromMinutes(5) };
            if (root.EndpointUrl is not null)
            {
                config.ServiceURL = root.EndpointUrl;
                config.ForcePathStyle = true;
                config.AuthenticationRegion = region;
                config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
                config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
            }
            else config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
            return new AmazonS3Client(Credentials(), config);
        });
    }

    private static AWSCredentials Credentials()
    {
        try { return DefaultAWSCredentialsIdentityResolver.GetCredentials(); }
        catch (AmazonClientException) { return new AnonymousAWSCredentials(); } // public buckets, read-only
    }

    private static string ObjectKey(StorageRoot root, string key) =>
        root.Prefix is null ? key : key.Length == 0 ? root.Prefix : root.Prefix + "/" + key;

    private static string RelativeKey(StorageRoot root, string objectKey) =>
        root.Prefix is null ? objectKey : objectKey[(root.Prefix.Length + 1)..];

    private bool Custom(StorageRoot root) => root.EndpointUrl is not null;

    /// <summary>The running command's Ctrl+C, for every SDK call that is not given a token of its own (issue 15).</summary>
    private static CancellationToken Ct => Util.Cancel.Current;

    // ------------------------------------------------------------------ errors

    /// <summary>Runs an SDK call and maps its failures onto the error catalogue; the message never holds a secret.</summary>
    /// <param name="key">The object the call is about (relative to the root), named in "missing" and "exists" errors.</param>
    internal static T Call<T>(StorageRoot root, Func<Task<T>> call, string what, string? key = null)
    {
        try { return call().GetAwaiter().GetResult(); }
        catch (AmazonS3Exception e) { throw Map(root, e, what, key); }
        catch (AmazonServiceException e) { throw Map(root, e, what, key); }
        catch (HttpRequestException e) { throw Unreachable(root, e); }
        catch (IOException e) { throw Unreachable(root, e); } // a dropped connection (HttpIOException): the data came from memory
        catch (AmazonClientException e) when (e.InnerException is HttpRequestException or IOException or System.Net.Sockets.SocketException)
        {
            throw Unreachable(root, e);
        }
    }

    private static LaminException Unreachable(StorageRoot root, Exception e) =>
        new(ErrorIds.StorageUnreachable,
            $"Cannot reach the S3 endpoint of {root.Root} ({e.Message}). Check the endpoint_url, the network and that the server runs.", root.Root, e);

    private static string UriOf(StorageRoot root, string? key) => key is null or "" ? root.PathPart : root.PathPart + "/" + key;

    private static Exception Map(StorageRoot root, AmazonServiceException e, string what, string? key = null)
    {
        var code = (e as AmazonS3Exception)?.ErrorCode ?? e.ErrorCode;
        return code switch
        {
            "NoSuchKey" => new LaminException(ErrorIds.PathNotFound,
                $"{UriOf(root, key)}: the object is missing (while trying to {what}). Check it with Test-LaminArtifact.", UriOf(root, key), e),
            // A conditional write (If-None-Match: *) found an object at the key: nothing was overwritten.
            "PreconditionFailed" or "ConditionalRequestConflict" when key is not null => new LaminException(ErrorIds.DestinationExists,
                $"'{UriOf(root, key)}' already exists; nothing was overwritten.", UriOf(root, key), e),
            "NoSuchBucket" => new LaminException(ErrorIds.StorageNotFound, $"The bucket of {root.Root} does not exist (while trying to {what}).", root.Root, e),
            "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "ExpiredToken" or "InvalidToken" or "TokenRefreshRequired" =>
                new LaminException(ErrorIds.StorageCredentialsInvalid,
                    $"S3 refused the credentials for {root.Root} ({code}). Check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or your AWS profile.", root.Root, e),
            "AccessDenied" or "AllAccessDisabled" => Denied(root, what, e),
            "SlowDown" or "ServiceUnavailable" or "InternalError" or "RequestTimeout" =>
                new LaminException(ErrorIds.StorageUnavailable, $"S3 was unavailable for {root.Root} after retries ({code}); try again later.", root.Root, e),
            _ when e.StatusCode == HttpStatusCode.PreconditionFailed && key is not null => new LaminException(ErrorIds.DestinationExists,
                $"'{UriOf(root, key)}' already exists; nothing was overwritten.", UriOf(root, key), e),
            _ when e.StatusCode == HttpStatusCode.Forbidden => Denied(root, what, e),
            _ when (int)e.StatusCode >= 500 =>
                new LaminException(ErrorIds.StorageUnavailable, $"S3 answered {(int)e.StatusCode} for {root.Root} after retries; try again later.", root.Root, e),
            _ => new LaminException(ErrorIds.StorageIoError, $"S3 refused to {what} in {root.Root}: {code} {e.Message}", root.Root, e),
        };
    }

    internal static LaminException Denied(StorageRoot root, string what, Exception e) =>
        new(ErrorIds.StorageAccessDenied, $"Access denied to {root.Root} while trying to {what}. Check the bucket policy or your credentials' permissions.", root.Root, e);

    private static bool IsNotFound(AmazonServiceException e) =>
        e.StatusCode == HttpStatusCode.NotFound && (e as AmazonS3Exception)?.ErrorCode != "NoSuchBucket";

    /// <summary>
    /// A conditional write (If-None-Match: *); a server that does not implement the condition (501) gets
    /// the same request without it, after the caller's check that nothing is at the key.
    /// </summary>
    internal static T Conditional<T>(StorageRoot root, Func<bool, Task<T>> call, string what, string key)
    {
        try { return Call(root, () => call(true), what, key); }
        catch (LaminException e) when (e.InnerException is AmazonServiceException { StatusCode: HttpStatusCode.NotImplemented })
        {
            return Call(root, () => call(false), what, key);
        }
    }

    /// <summary>A GET or HEAD that may find nothing: null on 404 (but a missing bucket is StorageNotFound).</summary>
    private static T? Maybe<T>(StorageRoot root, Func<Task<T>> call, string what, string? key = null) where T : class
    {
        try { return Call(root, call, what, key); }
        catch (LaminException e) when (e.InnerException is AmazonServiceException s && IsNotFound(s)) { return null; }
    }

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
                    throw new LaminException(ErrorIds.DestinationExists, $"'{UriOf(root, key)}' already exists; nothing was overwritten.", UriOf(root, key));
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

    public string PathOf(StorageRoot root, string key) => key.Length == 0 ? root.PathPart : root.PathPart + "/" + key;

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
    private ((StoredObject Object, string ETag)? Exact, List<(StoredObject Object, string ETag)> Members) ListRaw(StorageRoot root, string key)
    {
        var objectKey = ObjectKey(root, key);
        (StoredObject, string)? exact = null;
        var result = new List<(StoredObject, string)>();
        var request = new ListObjectsV2Request { BucketName = root.Bucket, Prefix = key.Length == 0 ? (root.Prefix is null ? "" : root.Prefix + "/") : objectKey };
        while (true)
        {
            var page = Call(root, () => Client(root).ListObjectsV2Async(request, Ct), "list objects", key);
            foreach (var o in page.S3Objects ?? [])
            {
                if (o.Key.EndsWith('/')) continue; // "folder" placeholders that consoles create are not files
                var item = (new StoredObject(RelativeKey(root, o.Key), o.Size ?? 0, o.LastModified?.ToUniversalTime()), o.ETag ?? "");
                if (key.Length > 0 && o.Key == objectKey) exact = item;
                else if (key.Length == 0 || o.Key.StartsWith(objectKey + "/", StringComparison.Ordinal)) result.Add(item);
            }
            if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken)) break;
            request.ContinuationToken = page.NextContinuationToken;
        }
        return (exact, result.OrderBy(r => r.Item1.Key, StringComparer.Ordinal).ToList());
    }

    /// <summary>The keys of the objects below "key/" (a folder's members), whether or not an object has the key itself.</summary>
    internal IReadOnlyList<string> MemberKeys(StorageRoot root, string key) => ListRaw(root, key).Members.Select(m => m.Object.Key).ToList();

    public IReadOnlyList<StoredObject> List(StorageRoot root, string key) => ListWithETags(root, key).Select(x => x.Object).ToList();

    public IReadOnlyList<(StoredObject Object, Hashing.HashResult? Hash)> ListHashed(StorageRoot root, string key) =>
        ListWithETags(root, key).Select(x => (x.Object, x.ETag.Length > 0 ? Hashing.LaminHash.FromS3ETag(x.ETag) : (Hashing.HashResult?)null)).ToList();

    public ObjectStat? Stat(StorageRoot root, string key)
    {
        var head = Maybe(root, () => Client(root).GetObjectMetadataAsync(root.Bucket, ObjectKey(root, key), Ct), "read object metadata", key);
        if (head is not null) return new ObjectStat(key, false, head.ContentLength, 1);
        var members = ListRaw(root, key).Members;
        return members.Count == 0 ? null : new ObjectStat(key, true, members.Sum(m => m.Object.Size), members.Count);
    }

    /// <summary>Metadata of one object: size and ETag, or null.</summary>
    public (long Size, string ETag)? Head(StorageRoot root, string key)
    {
        var head = Maybe(root, () => Client(root).GetObjectMetadataAsync(root.Bucket, ObjectKey(root, key), Ct), "read object metadata", key);
        return head is null ? null : (head.ContentLength, head.ETag ?? "");
    }

    public Stream OpenRead(StorageRoot root, string key)
    {
        var response = Call(root, () => Client(root).GetObjectAsync(root.Bucket, ObjectKey(root, key), Ct), "read an object", key);
        return new ResponseStream(response);
    }

    /// <summary>The bytes [offset, offset + count) of an object in one ranged GET (RangedReadStream: reading part of a large object).</summary>
    public Stream OpenRange(StorageRoot root, string key, long offset, long count, CancellationToken cancel = default)
    {
        var response = Call(root, () => Client(root).GetObjectAsync(new GetObjectRequest
        {
            BucketName = root.Bucket, Key = ObjectKey(root, key), ByteRange = new ByteRange(offset, offset + count - 1),
        }, cancel), "read an object", key);
        return new ResponseStream(response);
    }

    /// <summary>Objects above this size are downloaded in <see cref="PartsInFlight"/> parallel ranges.</summary>
    public const long RangedDownloadThreshold = 32L * 1024 * 1024;

    public bool DownloadRanged(StorageRoot root, string key, long size, string localPath, Artifacts.ITransferProgress? progress, CancellationToken cancel)
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
                    if (position != r.End + 1) throw new IOException($"a range of {PathOf(root, key)} ended early ({position} of {r.End + 1} bytes)");
                }
                finally { System.Buffers.ArrayPool<byte>.Shared.Return(buffer); }
            }, cancel)).ToArray();
        progress?.FileStarted(PathOf(root, key), size);
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

    /// <summary>
    /// Server-side copy inside one root of <paramref name="size"/> bytes (CopyObject, or UploadPartCopy parts above
    /// <see cref="CopyObjectLimit"/>); <paramref name="createOnly"/>: only when nothing is at the destination
    /// (If-None-Match: *). Returns the new ETag.
    /// </summary>
    internal string? Copy(StorageRoot root, string fromKey, string toKey, long size, bool createOnly = false, CancellationToken cancel = default) =>
        CopyInStore(root, root, fromKey, toKey, size, createOnly, cancel);

    // ------------------------------------------------------------------ server-side copies between roots

    /// <summary>Above this size a server-side copy goes in parts (UploadPartCopy): CopyObject takes at most 5 GiB. Tests lower it.</summary>
    internal static long CopyObjectLimit = 5L * 1024 * 1024 * 1024;

    /// <summary>The size of each part of a copy in parts (S3: 5 MiB to 5 GiB, at most 10,000 parts). Tests lower it.</summary>
    internal static long CopyPartSize = 512L * 1024 * 1024;

    /// <summary>Two roots on one endpoint (the same client and credentials): their objects copy inside the store.</summary>
    internal static bool SameStore(StorageRoot source, StorageRoot destination) =>
        source.Type == "s3" && destination.Type == "s3" && source.EndpointUrl == destination.EndpointUrl;

    /// <summary>
    /// A create-only server-side copy of <paramref name="sourceKey"/> in <paramref name="source"/> to <paramref name="toKey"/>:
    /// CopyObject up to <see cref="CopyObjectLimit"/>, else a multipart upload whose parts are UploadPartCopy ranges of the
    /// source (<see cref="PartsInFlight"/> at a time), completed with If-None-Match: *. No byte passes through this machine.
    /// Returns the new object's ETag (a multipart copy's ETag is not the source's: verify by size and content, not ETag).
    /// </summary>
    internal string? CopyFrom(StorageRoot root, StorageRoot source, string sourceKey, string toKey, long size, CancellationToken cancel) =>
        CopyInStore(root, source, sourceKey, toKey, size, createOnly: true, cancel);

    /// <summary>One server-side copy on one endpoint, whole or in parts by size; create-only when asked.</summary>
    private string? CopyInStore(StorageRoot root, StorageRoot source, string sourceKey, string toKey, long size, bool createOnly, CancellationToken cancel)
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

    /// <summary>
    /// LaminDB's hash of an object, checked against its size, reading as little as possible: a plain ETag is
    /// the md5 of a file up to 50 MiB (taken when it is the <paramref name="expected"/> one, else the bytes
    /// decide: SSE-KMS ETags are no md5); above, sha1-fl from two ranged GETs of the first and last 50 MiB.
    /// </summary>
    internal Hashing.HashResult HashOf(StorageRoot root, string key, long size, Hashing.HashResult? expected, CancellationToken cancel)
    {
        var head = Head(root, key) ?? throw new LaminException(ErrorIds.PathNotFound, $"{UriOf(root, key)}: the copy is missing right after it was made.", UriOf(root, key));
        if (head.Size != size)
            throw new LaminException(ErrorIds.HashMismatch, $"The copy at {UriOf(root, key)} holds {head.Size} bytes, not {size}; nothing was registered there.", UriOf(root, key));
        return Hashing.RangeHasher.Hash(size, (offset, count, sink) =>
        {
            using var s = OpenRange(root, key, offset, count, cancel);
            s.CopyTo(sink);
        }, Hashing.RangeHasher.Md5OfETag(head.ETag), expected, cancel);
    }

    public IObjectWriter CreateWriter(StorageRoot root, bool folder, string? proposedKey, CancellationToken cancel) =>
        new CopyOnCommitWriter(new Objects(this, root, cancel), folder, proposedKey);

    /// <summary>What <see cref="CopyOnCommitWriter"/> needs from S3.</summary>
    private sealed class Objects(S3StorageProvider provider, StorageRoot root, CancellationToken cancel) : CopyOnCommitWriter.IObjects
    {
        public StorageRoot Root => root;
        public IStorageProvider Provider => provider;
        public Stream OpenUpload(string key, long size, Action<string?> created) => new S3UploadStream(provider, root, key, size, created, cancel);
        public string? Copy(string from, string to, long size, bool createOnly) => provider.Copy(root, from, to, size, createOnly, cancel);
        public IReadOnlyList<string> MemberKeys(string key) => provider.MemberKeys(root, key);
        public void DeleteKeys(IReadOnlyList<string> keys) => provider.DeleteKeys(root, keys);
        public bool CanCopyFrom(StorageRoot source) => SameStore(source, root);
        public string? CopyFrom(StorageRoot source, string sourceKey, string toKey, long size) => provider.CopyFrom(root, source, sourceKey, toKey, size, cancel);
        public Hashing.HashResult HashOf(string key, long size, Hashing.HashResult? expected) => provider.HashOf(root, key, size, expected, cancel);
        public (long Size, string? Token)? Version(string key) => provider.Head(root, key) is { } h ? (h.Size, h.ETag) : null;

        /// <summary>Deletes an object this writer created, only while it still is that object (its ETag, read just before).</summary>
        public void DeleteOwn(string key, string? token)
        {
            if (token is not null && (provider.Head(root, key) is not { } head || head.ETag.Trim('"') != token.Trim('"')))
                return; // gone, or replaced since: not ours any more
            Call(root, () => provider.Client(root).DeleteObjectAsync(root.Bucket, ObjectKey(root, key), Ct), "delete an object", key);
        }
    }

    private void DeleteKeys(StorageRoot root, IReadOnlyList<string> keys)
    {
        foreach (var chunk in keys.Chunk(1000))
            Call(root, () => Client(root).DeleteObjectsAsync(new DeleteObjectsRequest
            {
                BucketName = root.Bucket, Objects = chunk.Select(k => new KeyVersion { Key = ObjectKey(root, k) }).ToList(),
            }, Ct), "delete objects");
    }

    /// <summary>Disposes the GET response with its stream.</summary>
    private sealed class ResponseStream(GetObjectResponse response) : Stream
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

    /// <summary>
    /// A write-only stream that uploads <c>size</c> bytes: one PutObject up to <see cref="PartSize"/>,
    /// else a multipart upload with up to <see cref="PartsInFlight"/> parts in parallel. It completes
    /// on Flush once every byte was written; disposed earlier, it aborts the multipart upload. It only
    /// creates: PutObject and CompleteMultipartUpload carry If-None-Match: * (an object already at the key
    /// → DestinationExists, nothing overwritten, where the server honours the condition), and it reports
    /// the new object's ETag once S3 answered the completion (SPEC §10 rule 10).
    /// </summary>
    private sealed class S3UploadStream : Stream
    {
        private readonly S3StorageProvider _provider;
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
        private readonly System.Collections.Concurrent.ConcurrentQueue<byte[]> _spare = new();
        private int _filled;
        private long _written;
        private string? _uploadId;
        private bool _completed;

        public S3UploadStream(S3StorageProvider provider, StorageRoot root, string key, long size, Action<string?> created, CancellationToken cancel)
        {
            _provider = provider;
            _root = root;
            _relativeKey = key;
            _key = ObjectKey(root, key);
            _created = created;
            _size = size;
            _cancel = cancel;
            _multipart = size > PartSize;
            _buffer = _multipart ? new byte[PartSize] : System.Buffers.ArrayPool<byte>.Shared.Rent((int)Math.Max(1, size));
        }

        private AmazonS3Client Client => _provider.Client(_root);
        private bool Custom => _root.EndpointUrl is not null;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _written;
        public override long Position { get => _written; set => throw new NotSupportedException(); }

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

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

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

    // ------------------------------------------------------------------ unfinished uploads

    public IReadOnlyList<UnfinishedUpload>? ListUnfinishedUploads(StorageRoot root, string key)
    {
        var objectKey = ObjectKey(root, key);
        var prefix = key.Length == 0 ? (root.Prefix is null ? "" : root.Prefix + "/") : objectKey;
        var request = new ListMultipartUploadsRequest { BucketName = root.Bucket, Prefix = prefix };
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
