using System.Collections.Concurrent;
using System.Net;
using Google;
using Google.Cloud.Storage.V1;
using Lamin.Core.Errors;
using Lamin.Core.Roots;

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

    private static string ObjectKey(StorageRoot root, string key) =>
        root.Prefix is null ? key : key.Length == 0 ? root.Prefix : root.Prefix + "/" + key;

    private static string RelativeKey(StorageRoot root, string objectKey) =>
        root.Prefix is null ? objectKey : objectKey[(root.Prefix.Length + 1)..];

    internal static T Call<T>(StorageRoot root, Func<T> call, string what)
    {
        try { return call(); }
        catch (GoogleApiException e) { throw Map(root, e, what); }
        catch (HttpRequestException e) { throw Unreachable(root, e); }
        catch (AggregateException e) when (e.InnerException is GoogleApiException g) { throw Map(root, g, what); }
        catch (AggregateException e) when (e.InnerException is HttpRequestException h) { throw Unreachable(root, h); }
    }

    private static LaminException Unreachable(StorageRoot root, Exception e) =>
        new(ErrorIds.StorageUnreachable, $"Cannot reach GCS for {root.Root} ({e.Message}). Check the network (and STORAGE_EMULATOR_HOST when using an emulator).", root.Root, e);

    private static Exception Map(StorageRoot root, GoogleApiException e, string what) => e.HttpStatusCode switch
    {
        HttpStatusCode.NotFound when e.Message.Contains("bucket", StringComparison.OrdinalIgnoreCase) && !e.Message.Contains("object", StringComparison.OrdinalIgnoreCase) =>
            new LaminException(ErrorIds.StorageNotFound, $"The bucket of {root.Root} does not exist (while trying to {what}).", root.Root, e),
        HttpStatusCode.Unauthorized => new LaminException(ErrorIds.StorageCredentialsInvalid,
            $"GCS refused the credentials for {root.Root}. Check your application default credentials (gcloud auth application-default login).", root.Root, e),
        HttpStatusCode.Forbidden => S3StorageProvider.Denied(root, what, e),
        HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError =>
            new LaminException(ErrorIds.StorageUnavailable, $"GCS answered {(int)e.HttpStatusCode} for {root.Root} after retries; try again later.", root.Root, e),
        _ => new LaminException(ErrorIds.StorageIoError, $"GCS refused to {what} in {root.Root}: {e.Message}", root.Root, e),
    };

    private static T? Maybe<T>(StorageRoot root, Func<T> call, string what) where T : class
    {
        try { return Call(root, call, what); }
        catch (LaminException e) when (e.InnerException is GoogleApiException { HttpStatusCode: HttpStatusCode.NotFound }) { return null; }
    }

    public bool DownloadRanged(StorageRoot root, string key, long size, string localPath, Artifacts.ITransferProgress? progress, CancellationToken cancel) => false;

    public string? DetectRegion(StorageRoot root) => null; // SPEC rule 4: only S3 records a region

    public MarkerInfo ReadMarker(StorageRoot root)
    {
        var key = ObjectKey(root, Marker.RelativeKey);
        var ms = new MemoryStream();
        var found = Maybe(root, () => Client().DownloadObject(root.Bucket, key, ms), "read the marker");
        return found is null ? new MarkerInfo(false, null, null) : Marker.Parse(ms.ToArray(), PathOf(root, Marker.RelativeKey));
    }

    public void WriteMarker(StorageRoot root, string content) =>
        Call(root, () => Client().UploadObject(root.Bucket, ObjectKey(root, Marker.RelativeKey), "text/plain",
            new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content))), "write the marker");

    public void DeleteMarker(StorageRoot root)
    {
        try { Call<object?>(root, () => { Client().DeleteObject(root.Bucket, ObjectKey(root, Marker.RelativeKey)); return null; }, "delete the marker"); }
        catch (LaminException e) when (e.InnerException is GoogleApiException { HttpStatusCode: HttpStatusCode.NotFound }) { }
    }

    public IReadOnlyList<StoredObject> ListManagedObjects(StorageRoot root) => List(root, Marker.ManagedFolder);

    public void RemoveEmptyFolders(StorageRoot root) { }

    public string PathOf(StorageRoot root, string key) => key.Length == 0 ? root.PathPart : root.PathPart + "/" + key;

    /// <summary>Every object at or under a key, with its md5Hash (for in-place hashes).</summary>
    public IReadOnlyList<(StoredObject Object, string? Md5)> ListWithMd5(StorageRoot root, string key)
    {
        var objectKey = ObjectKey(root, key);
        var prefix = key.Length == 0 ? (root.Prefix is null ? "" : root.Prefix + "/") : objectKey;
        return Call(root, () => Client().ListObjects(root.Bucket, prefix).ToList(), "list objects")
            .Where(o => !o.Name.EndsWith('/')) // "folder" placeholders are not files
            .Where(o => key.Length == 0 || o.Name == objectKey || o.Name.StartsWith(objectKey + "/", StringComparison.Ordinal))
            .Select(o => (Object: new StoredObject(RelativeKey(root, o.Name), (long)(o.Size ?? 0), o.UpdatedDateTimeOffset?.UtcDateTime), Md5: (string?)o.Md5Hash))
            .OrderBy(o => o.Object.Key, StringComparer.Ordinal)
            .ToList();
    }

    public IReadOnlyList<StoredObject> List(StorageRoot root, string key) => ListWithMd5(root, key).Select(o => o.Object).ToList();

    public IReadOnlyList<(StoredObject Object, Hashing.HashResult? Hash)> ListHashed(StorageRoot root, string key) =>
        ListWithMd5(root, key).Select(x => (x.Object, x.Md5 is { Length: > 0 } m ? Hashing.LaminHash.FromGcsMd5(m) : (Hashing.HashResult?)null)).ToList();

    public (long Size, string? Md5)? Head(StorageRoot root, string key)
    {
        var o = Maybe(root, () => Client().GetObject(root.Bucket, ObjectKey(root, key)), "read object metadata");
        return o is null ? null : ((long)(o.Size ?? 0), o.Md5Hash);
    }

    public ObjectStat? Stat(StorageRoot root, string key)
    {
        if (Head(root, key) is { } h) return new ObjectStat(key, false, h.Size, 1);
        var members = List(root, key).Where(o => o.Key != key).ToList();
        return members.Count == 0 ? null : new ObjectStat(key, true, members.Sum(m => m.Size), members.Count);
    }

    public Stream OpenRead(StorageRoot root, string key)
    {
        // Spooled through a local temporary file: the library downloads into a stream it is given.
        var temp = Path.Combine(Path.GetTempPath(), $"lamin-gcs-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        try
        {
            Call(root, () => Client().DownloadObject(root.Bucket, ObjectKey(root, key), fs), "read an object");
            fs.Position = 0;
            return fs;
        }
        catch
        {
            fs.Dispose();
            throw;
        }
    }

    public void Delete(StorageRoot root, string key)
    {
        var names = ListWithMd5(root, key).Select(o => ObjectKey(root, o.Object.Key)).ToList();
        foreach (var name in names)
            Maybe<object>(root, () => { Client().DeleteObject(root.Bucket, name); return new object(); }, "delete an object");
    }

    internal void Copy(StorageRoot root, string fromKey, string toKey) =>
        Call(root, () => Client().CopyObject(root.Bucket, ObjectKey(root, fromKey), root.Bucket, ObjectKey(root, toKey)), "copy an object");

    internal void Upload(StorageRoot root, string key, Stream source, long size, CancellationToken cancel)
    {
        // One chunk for the whole object where the emulator is used (it truncates multi-chunk resumable uploads).
        var options = new UploadObjectOptions();
        if (EmulatorHost is not null) options.ChunkSize = (int)Math.Max(UploadObjectOptions.MinimumChunkSize, (size + UploadObjectOptions.MinimumChunkSize) / UploadObjectOptions.MinimumChunkSize * UploadObjectOptions.MinimumChunkSize);
        Call(root, () => Client().UploadObjectAsync(root.Bucket, ObjectKey(root, key), null, source, options, cancel).GetAwaiter().GetResult(), "upload an object");
    }

    /// <summary>Each member is spooled to a local temporary file and uploaded when complete (the library reads from a stream).</summary>
    public IObjectWriter CreateWriter(StorageRoot root, bool folder, string? proposedKey, CancellationToken cancel) =>
        new CopyOnCommitWriter(this, root, folder, proposedKey,
            (key, size) => new SpoolStream(size, spool => Upload(root, key, spool, size, cancel)),
            (from, to) => Copy(root, from, to),
            keys => { foreach (var k in keys) Delete(root, k); });

    /// <summary>Buffers writes in a local temporary file; on Flush with every byte written, hands the file to the upload.</summary>
    private sealed class SpoolStream(long size, Action<Stream> upload) : Stream
    {
        private readonly FileStream _file = new(Path.Combine(Path.GetTempPath(), $"lamin-up-{Environment.ProcessId}-{Guid.NewGuid():N}"),
            FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        private bool _done;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _file.Length;
        public override long Position { get => _file.Position; set => throw new NotSupportedException(); }
        public override void Write(byte[] buffer, int offset, int count) => _file.Write(buffer, offset, count);

        public override void Flush()
        {
            if (_done || _file.Length != size) return;
            _file.Flush();
            _file.Position = 0;
            upload(_file);
            _done = true;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
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
