using System.Collections.Concurrent;
using System.Net;
using Google;
using Google.Cloud.Storage.V1;
using static Lamin.Core.Storage.CloudObjects;

namespace Lamin.Core.Storage;

/// <summary>
/// GCS buckets and prefixes through Google.Cloud.Storage.V1: application default credentials, or
/// anonymous access when there are none; with STORAGE_EMULATOR_HOST set, the emulator without credentials.
/// </summary>
public sealed class GcsStorageProvider : IStorageProvider
{
    public static GcsStorageProvider Instance { get; } = new();

    private readonly ConcurrentDictionary<string, StorageClient> _clients = new();

    private static string? EmulatorHost => Environment.GetEnvironmentVariable("STORAGE_EMULATOR_HOST") is { Length: > 0 } h ? h : null;

    internal StorageClient Client() => _clients.GetOrAdd(EmulatorHost ?? "", host =>
    {
        if (host.Length > 0)
        {
            var baseUri = (host.StartsWith("http", StringComparison.OrdinalIgnoreCase) ? host : "http://" + host).TrimEnd('/') + "/";
            return new StorageClientBuilder { BaseUri = baseUri, UnauthenticatedAccess = true }.Build();
        }
        try { return StorageClient.Create(); }
        catch (InvalidOperationException) { return StorageClient.CreateUnauthenticated(); } // no application default credentials: public buckets only
    });

    /// <summary>The running command's Ctrl+C, for every SDK call that is not given a token of its own (issue 15).</summary>
    private static CancellationToken Ct => Util.Cancel.Current;

    /// <summary>Every object under a prefix, page by page; Ctrl+C stops between pages and inside a request.</summary>
    private List<Google.Apis.Storage.v1.Data.Object> ListAll(string? bucket, string prefix)
    {
        var all = new List<Google.Apis.Storage.v1.Data.Object>();
        var pages = Client().ListObjectsAsync(bucket, prefix).AsRawResponses().GetAsyncEnumerator(Ct);
        try
        {
            while (pages.MoveNextAsync().AsTask().GetAwaiter().GetResult())
                if (pages.Current.Items is { } items) all.AddRange(items);
        }
        finally { pages.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
        return all;
    }

    /// <param name="key">The object the call is about (relative to the root), named in "missing" and "exists" errors.</param>
    internal static T Call<T>(StorageRoot root, Func<T> call, string what, string? key = null)
    {
        try { return call(); }
        catch (GoogleApiException e) { throw Map(root, e, what, key); }
        catch (HttpRequestException e) { throw Unreachable(root, e); }
        catch (AggregateException e) when (e.InnerException is GoogleApiException g) { throw Map(root, g, what, key); }
        catch (AggregateException e) when (e.InnerException is HttpRequestException h) { throw Unreachable(root, h); }
    }

    private static LaminException Unreachable(StorageRoot root, Exception e) =>
        new(ErrorIds.StorageUnreachable, $"Cannot reach GCS for {root.Root} ({e.Message}). Check the network (and STORAGE_EMULATOR_HOST when using an emulator).", root.Root, e);

    private static Exception Map(StorageRoot root, GoogleApiException e, string what, string? key = null) => e.HttpStatusCode switch
    {
        HttpStatusCode.NotFound when e.Message.Contains("bucket", StringComparison.OrdinalIgnoreCase) && !e.Message.Contains("object", StringComparison.OrdinalIgnoreCase) =>
            NoBucket(root, what, e),
        HttpStatusCode.NotFound when key is not null => Missing(root, key, what, e),
        // A create-only write (ifGenerationMatch=0) found an object at the key: nothing was overwritten.
        HttpStatusCode.PreconditionFailed when key is not null => Exists(root, key, e),
        HttpStatusCode.Unauthorized => new LaminException(ErrorIds.StorageCredentialsInvalid,
            $"GCS refused the credentials for {root.Root}. Check your application default credentials (gcloud auth application-default login).", root.Root, e),
        HttpStatusCode.Forbidden => Denied(root, what, e),
        HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError =>
            new LaminException(ErrorIds.StorageUnavailable, $"GCS answered {(int)e.HttpStatusCode} for {root.Root} after retries; try again later.", root.Root, e),
        _ => new LaminException(ErrorIds.StorageIoError, $"GCS refused to {what} in {root.Root}: {e.Message}", root.Root, e),
    };

    private static T? Maybe<T>(StorageRoot root, Func<T> call, string what, string? key = null) where T : class
    {
        try { return Call(root, call, what, key); }
        catch (LaminException e) when (e.InnerException is GoogleApiException { HttpStatusCode: HttpStatusCode.NotFound }) { return null; }
    }

    public bool DownloadRanged(StorageRoot root, string key, long size, string localPath, Artifacts.ITransferProgress? progress, CancellationToken cancel) => false;

    public string? DetectRegion(StorageRoot root) => null; // SPEC rule 4: only S3 records a region

    public MarkerInfo ReadMarker(StorageRoot root)
    {
        var key = ObjectKey(root, Marker.RelativeKey);
        var ms = new MemoryStream();
        var found = Maybe(root, () => Client().DownloadObjectAsync(root.Bucket, key, ms, null, Ct).GetAwaiter().GetResult(), "read the marker");
        return found is null ? new MarkerInfo(false, null, null) : Marker.Parse(ms.ToArray(), PathOf(root, Marker.RelativeKey));
    }

    public void WriteMarker(StorageRoot root, string content) =>
        Call(root, () => Client().UploadObjectAsync(root.Bucket, ObjectKey(root, Marker.RelativeKey), "text/plain",
            new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)), null, Ct).GetAwaiter().GetResult(), "write the marker");

    public void DeleteMarker(StorageRoot root)
    {
        try { Call<object?>(root, () => { Client().DeleteObjectAsync(root.Bucket, ObjectKey(root, Marker.RelativeKey), null, Ct).GetAwaiter().GetResult(); return null; }, "delete the marker"); }
        catch (LaminException e) when (e.InnerException is GoogleApiException { HttpStatusCode: HttpStatusCode.NotFound }) { }
    }

    public IReadOnlyList<StoredObject> ListManagedObjects(StorageRoot root) => ListRaw(root, Marker.ManagedFolder).Members.Select(m => m.Object).ToList();

    public void RemoveEmptyFolders(StorageRoot root) { }

    public string PathOf(StorageRoot root, string key) => UriOf(root, key);

    /// <summary>
    /// The objects at a key, with their md5Hash (for in-place hashes). An object whose name is exactly the
    /// key is a file and is all there is ("k/x" is not part of the file "k"); a prefix is a folder, its
    /// members the objects below "key/", only when no object has that exact name (SPEC §10). The empty
    /// key lists everything under the root.
    /// </summary>
    public IReadOnlyList<(StoredObject Object, string? Md5)> ListWithMd5(StorageRoot root, string key)
    {
        var (exact, members) = ListRaw(root, key);
        return exact is { } e ? [e] : members;
    }

    /// <summary>The object with exactly this name (if any) and the objects below "key/", sorted.</summary>
    private ((StoredObject Object, string? Md5)? Exact, List<(StoredObject Object, string? Md5)> Members) ListRaw(StorageRoot root, string key) =>
        Split(root, key, Call(root, () => ListAll(root.Bucket, ListPrefix(root, key)), "list objects", key)
            .Select(o => (o.Name, (long)(o.Size ?? 0), o.UpdatedDateTimeOffset?.UtcDateTime, (string?)o.Md5Hash)));

    /// <summary>The names below "key/" (a folder's members), whether or not an object has the key itself.</summary>
    internal IReadOnlyList<string> MemberKeys(StorageRoot root, string key) => ListRaw(root, key).Members.Select(m => m.Object.Key).ToList();

    public IReadOnlyList<StoredObject> List(StorageRoot root, string key) => ListWithMd5(root, key).Select(o => o.Object).ToList();

    public IReadOnlyList<(StoredObject Object, Hashing.HashResult? Hash)> ListHashed(StorageRoot root, string key) =>
        ListWithMd5(root, key).Select(x => (x.Object, x.Md5 is { Length: > 0 } m ? Hashing.LaminHash.FromGcsMd5(m) : (Hashing.HashResult?)null)).ToList();

    public (long Size, string? Md5)? Head(StorageRoot root, string key)
    {
        var o = Maybe(root, () => Client().GetObjectAsync(root.Bucket, ObjectKey(root, key), null, Ct).GetAwaiter().GetResult(), "read object metadata", key);
        return o is null ? null : ((long)(o.Size ?? 0), o.Md5Hash);
    }

    public ObjectStat? Stat(StorageRoot root, string key) => CloudObjects.Stat(key, Head(root, key)?.Size, () => ListRaw(root, key).Members);

    public Stream OpenRead(StorageRoot root, string key)
    {
        // Spooled through a local temporary file: the library downloads into a stream it is given.
        var temp = Path.Combine(Path.GetTempPath(), $"lamin-gcs-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        try
        {
            Call(root, () => Client().DownloadObjectAsync(root.Bucket, ObjectKey(root, key), fs, null, Ct).GetAwaiter().GetResult(), "read an object", key);
            fs.Position = 0;
            return fs;
        }
        catch
        {
            fs.Dispose();
            throw;
        }
    }

    /// <summary>The bytes [offset, offset + count) of an object in one ranged download (RangedReadStream), held in memory (at most one range).</summary>
    public Stream OpenRange(StorageRoot root, string key, long offset, long count)
    {
        var buffer = new MemoryStream();
        Call(root, () => Client().DownloadObjectAsync(root.Bucket, ObjectKey(root, key), buffer,
            // A range has no hash of its own to validate against (the object's md5 covers all of it).
            new DownloadObjectOptions { Range = new System.Net.Http.Headers.RangeHeaderValue(offset, offset + count - 1), DownloadValidationMode = DownloadValidationMode.Never }, Ct).GetAwaiter().GetResult(),
            "read an object", key);
        buffer.Position = 0;
        return buffer;
    }

    /// <summary>
    /// Deletes the file at a key (that object alone: objects below "key/" are not part of it), or, when no
    /// object has the key, the folder's members below "key/".
    /// </summary>
    public void DeleteUnchecked(StorageRoot root, string key) => DeleteKeys(root, ListWithMd5(root, key).Select(o => o.Object.Key).ToList());

    public void DeleteUnchecked(StorageRoot root, string key, bool folder)
    {
        var (exact, members) = ListRaw(root, key);
        DeleteKeys(root, folder ? members.Select(m => m.Object.Key) : exact is { } e ? [e.Object.Key] : []);
    }

    public ObjectVersion? Version(StorageRoot root, string key)
    {
        var o = Maybe(root, () => Client().GetObjectAsync(root.Bucket, ObjectKey(root, key), null, Ct).GetAwaiter().GetResult(), "read object metadata", key);
        return o is null ? null : new ObjectVersion((long)(o.Size ?? 0), Generation: o.Generation);
    }

    /// <summary>
    /// Issue 25: a delete with ifGenerationMatch on the generation verified (GCS answers 412 when the object was
    /// overwritten since: every write makes a new generation), after a re-read of it (a server that ignores the
    /// parameter is still checked, with only the instant between the two requests open).
    /// </summary>
    public ConditionalDelete DeleteIfUnchanged(StorageRoot root, string key, ObjectVersion expected)
    {
        if (Version(root, key) is not { } now) return ConditionalDelete.Gone;
        if (!expected.Matches(now)) return ConditionalDelete.Changed;
        var options = new DeleteObjectOptions { IfGenerationMatch = expected.Generation ?? now.Generation };
        Util.TestHooks.Pause("conditional-delete"); // tests overwrite here: only the server's condition keeps the object now
        try
        {
            Call<object?>(root, () => { Client().DeleteObjectAsync(root.Bucket, ObjectKey(root, key), options, Ct).GetAwaiter().GetResult(); return null; }, "delete an object", key);
            return ConditionalDelete.Deleted;
        }
        catch (LaminException e) when (e.InnerException is GoogleApiException { HttpStatusCode: HttpStatusCode.PreconditionFailed }) { return ConditionalDelete.Changed; }
        catch (LaminException e) when (e.InnerException is GoogleApiException { HttpStatusCode: HttpStatusCode.NotFound }) { return ConditionalDelete.Gone; }
    }

    /// <summary>Deletes exactly these objects (a missing one is not an error).</summary>
    private void DeleteKeys(StorageRoot root, IEnumerable<string> keys)
    {
        foreach (var k in keys)
            Maybe<object>(root, () => { Client().DeleteObjectAsync(root.Bucket, ObjectKey(root, k), null, Ct).GetAwaiter().GetResult(); return new object(); }, "delete an object", k);
    }

    /// <summary>Server-side copy; <paramref name="createOnly"/>: only when nothing is at the destination (ifGenerationMatch=0). Returns the new generation.</summary>
    internal string? Copy(StorageRoot root, string fromKey, string toKey, bool createOnly = false) =>
        Call(root, () => Client().CopyObjectAsync(root.Bucket, ObjectKey(root, fromKey), root.Bucket, ObjectKey(root, toKey),
            createOnly ? new CopyObjectOptions { IfGenerationMatch = 0 } : null, Ct).GetAwaiter().GetResult(), "copy an object", toKey).Generation?.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// A create-only server-side copy (ifGenerationMatch=0) from another root of GCS: the library's CopyObject is the
    /// rewrite call, repeated until the store has copied every byte (large objects and other buckets alike); no byte
    /// passes through this machine. Returns the new generation.
    /// </summary>
    internal string? CopyFrom(StorageRoot root, StorageRoot source, string sourceKey, string toKey, CancellationToken cancel) =>
        Call(root, () => Client().CopyObjectAsync(source.Bucket, ObjectKey(source, sourceKey), root.Bucket, ObjectKey(root, toKey),
            new CopyObjectOptions { IfGenerationMatch = 0 }, cancel).GetAwaiter().GetResult(), "copy an object", toKey)
            .Generation?.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>LaminDB's hash of an object, checked against its size: md5Hash up to 50 MiB (when it is the expected one), else the bytes; sha1-fl from two ranged reads.</summary>
    internal Hashing.HashResult HashOf(StorageRoot root, string key, long size, Hashing.HashResult? expected, CancellationToken cancel)
    {
        var head = Head(root, key);
        return HashOfCopy(root, key, size, head?.Size, head?.Md5 is { Length: > 0 } m ? Hashing.LaminHash.FromGcsMd5(m) : null, (offset, count, sink) =>
            Call(root, () => Client().DownloadObjectAsync(root.Bucket, ObjectKey(root, key), sink,
                new DownloadObjectOptions { Range = new System.Net.Http.Headers.RangeHeaderValue(offset, offset + count - 1), DownloadValidationMode = DownloadValidationMode.Never },
                cancel).GetAwaiter().GetResult(), "read an object", key),
            expected, cancel);
    }

    /// <summary>An upload with ifGenerationMatch=0: GCS answers 412 when an object is at the key.</summary>
    public bool TryCreateNew(StorageRoot root, string key, byte[] content)
    {
        try
        {
            using var source = new MemoryStream(content, writable: false);
            Upload(root, key, source, content.Length, Ct);
            return true;
        }
        catch (LaminException e) when (e.ErrorId == ErrorIds.DestinationExists) { return false; }
    }

    /// <summary>A create-only upload (ifGenerationMatch=0); returns the new object's generation.</summary>
    internal string? Upload(StorageRoot root, string key, Stream source, long size, CancellationToken cancel)
    {
        // One chunk for the whole object where the emulator is used (it truncates multi-chunk resumable uploads).
        var options = new UploadObjectOptions { IfGenerationMatch = 0 };
        if (EmulatorHost is not null) options.ChunkSize = (int)Math.Max(UploadObjectOptions.MinimumChunkSize, (size + UploadObjectOptions.MinimumChunkSize) / UploadObjectOptions.MinimumChunkSize * UploadObjectOptions.MinimumChunkSize);
        var o = Call(root, () => Client().UploadObjectAsync(root.Bucket, ObjectKey(root, key), null, source, options, cancel).GetAwaiter().GetResult(), "upload an object", key);
        return o.Generation?.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Each member is spooled to a local temporary file and uploaded when complete (the library reads from a stream).</summary>
    public IObjectWriter CreateWriter(StorageRoot root, bool folder, string? proposedKey, CancellationToken cancel) =>
        new CopyOnCommitWriter(new Objects(this, root, cancel), folder, proposedKey);

    /// <summary>What <see cref="CopyOnCommitWriter"/> needs from GCS.</summary>
    private sealed class Objects(GcsStorageProvider provider, StorageRoot root, CancellationToken cancel) : CopyOnCommitWriter.IObjects
    {
        public StorageRoot Root => root;
        public IStorageProvider Provider => provider;
        public Stream OpenUpload(string key, long size, Action<string?> created) =>
            new SpoolStream(size, spool => created(provider.Upload(root, key, spool, size, cancel)));
        public string? Copy(string from, string to, long size, bool createOnly) => provider.Copy(root, from, to, createOnly); // the rewrite call has no size limit
        public IReadOnlyList<string> MemberKeys(string key) => provider.MemberKeys(root, key);
        public void DeleteKeys(IReadOnlyList<string> keys) => provider.DeleteKeys(root, keys);
        public bool CanCopyFrom(StorageRoot source) => source.Type == "gs" && root.Type == "gs";
        public string? CopyFrom(StorageRoot source, string sourceKey, string toKey, long size) => provider.CopyFrom(root, source, sourceKey, toKey, cancel);
        public Hashing.HashResult HashOf(string key, long size, Hashing.HashResult? expected) => provider.HashOf(root, key, size, expected, cancel);

        public (long Size, string? Token)? Version(string key)
        {
            var o = Maybe(root, () => provider.Client().GetObjectAsync(root.Bucket, ObjectKey(root, key), null, Ct).GetAwaiter().GetResult(), "read object metadata", key);
            return o is null ? null : ((long)(o.Size ?? 0), o.Generation?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        /// <summary>Deletes an object this writer created, only while it is that generation (ifGenerationMatch).</summary>
        public void DeleteOwn(string key, string? token)
        {
            DeleteObjectOptions? options = null;
            if (token is not null && long.TryParse(token, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var generation))
            {
                if (provider.Generation(root, key) != generation) return; // gone, or replaced since (for servers that ignore the condition)
                options = new DeleteObjectOptions { IfGenerationMatch = generation };
            }
            try { Maybe<object>(root, () => { provider.Client().DeleteObjectAsync(root.Bucket, ObjectKey(root, key), options, Ct).GetAwaiter().GetResult(); return new object(); }, "delete an object", key); }
            catch (LaminException e) when (e.ErrorId == ErrorIds.DestinationExists) { } // the generation changed: not ours any more
        }
    }

    /// <summary>The generation of the object at a key, or null.</summary>
    private long? Generation(StorageRoot root, string key) =>
        Maybe(root, () => Client().GetObjectAsync(root.Bucket, ObjectKey(root, key), null, Ct).GetAwaiter().GetResult(), "read object metadata", key)?.Generation;

    /// <summary>Buffers writes in a local temporary file; on Flush with every byte written, hands the file to the upload.</summary>
    private sealed class SpoolStream(long size, Action<Stream> upload) : WriteOnlyStream
    {
        private readonly FileStream _file = new(Path.Combine(Path.GetTempPath(), $"lamin-up-{Environment.ProcessId}-{Guid.NewGuid():N}"),
            FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        private bool _done;

        protected override long Written => _file.Length;
        public override void Write(byte[] buffer, int offset, int count) => _file.Write(buffer, offset, count);

        public override void Flush()
        {
            if (_done || _file.Length != size) return;
            _file.Flush();
            _file.Position = 0;
            upload(_file);
            _done = true;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _file.Dispose();
            base.Dispose(disposing);
        }
    }

    // ------------------------------------------------------------------ unfinished uploads

    /// <summary>GCS has no call that lists resumable upload sessions: they are invisible until the server expires them (a week).</summary>
    public IReadOnlyList<UnfinishedUpload>? ListUnfinishedUploads(StorageRoot root, string key) => null;

    public void AbortUnfinishedUpload(StorageRoot root, UnfinishedUpload upload) { }
}
