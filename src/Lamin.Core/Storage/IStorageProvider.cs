
namespace Lamin.Core.Storage;

/// <summary>An object under a root, by key relative to the root (always '/'-separated).</summary>
public sealed record StoredObject(string Key, long Size, DateTime? LastModified = null);

/// <summary>What the marker file of a location says (SPEC §2: line 1 is the storage uid).</summary>
public sealed record MarkerInfo(bool Exists, string? StorageUid, string? InstanceUid);

/// <summary>A file or folder (prefix) at a key.</summary>
public sealed record ObjectStat(string Key, bool IsFolder, long Size, int Files);

/// <summary>
/// Writes one object (or one folder of members) under a temporary name; <see cref="Commit"/> publishes
/// it at its final key in one step (a rename, or a completed upload). Disposing without committing
/// removes everything written, so an interrupted write never leaves a complete-looking object.
/// </summary>
public interface IObjectWriter : IDisposable
{
    /// <summary>
    /// Opens the stream for the file itself ("") or for a member of a folder (relative '/'-path) of
    /// <paramref name="size"/> bytes. A member is complete only when all its bytes were written and
    /// the stream was flushed; disposing it earlier discards it (a multipart upload is aborted).
    /// </summary>
    Stream OpenMember(string relativePath, long size);

    /// <summary>Publishes at <paramref name="finalKey"/>; replaces an existing object only when <paramref name="replace"/>.</summary>
    void Commit(string finalKey, bool replace);

    /// <summary>
    /// Issue 25: re-checks, just before the registry commit, that every object this writer wrote is still there with
    /// the size (and, where the store gives it with the same request, the version: S3 ETag, GCS generation) it wrote:
    /// one HEAD per object. PathNotFound when one is gone, FileChanged when it was replaced. Local staging needs
    /// nothing more: its commit renames its own temporary, which fails (PathNotFound) when it is gone.
    /// </summary>
    void Verify() { }
}

/// <summary>
/// A writer of a store that copies between its own roots without the bytes passing through this machine
/// (S3 CopyObject / UploadPartCopy on one endpoint, GCS rewrite): Move-LaminStorage and Move-LaminArtifact use
/// it instead of a download and an upload (issue 15).
/// </summary>
public interface IServerSideCopy
{
    /// <summary>Whether <paramref name="source"/> is a root this writer's store can copy from.</summary>
    bool CanCopyFrom(StorageRoot source);

    /// <summary>
    /// Fills the member (<c>""</c> for the file itself) with a copy of <paramref name="sourceKey"/> of <paramref name="source"/>;
    /// returns LaminDB's hash of the copy (size checked) for the caller to compare with the registry's (<paramref name="expected"/>, when known).
    /// </summary>
    Hashing.HashResult CopyMemberFrom(string relativePath, StorageRoot source, string sourceKey, long size, Hashing.HashResult? expected);
}

/// <summary>
/// The one interface every kind of storage implements (local now; S3 and GCS behind the same calls).
/// Providers know nothing of the registry: they read and write objects under a root.
/// </summary>
public interface IStorageProvider
{
    /// <summary>Reads the marker; a marker that is empty, binary or holds no uid is a MarkerInvalid error.</summary>
    MarkerInfo ReadMarker(StorageRoot root);

    /// <summary>Writes the marker (creating .lamindb/); throws UnauthorizedAccessException/IOException when not writable.</summary>
    void WriteMarker(StorageRoot root, string content);

    void DeleteMarker(StorageRoot root);

    /// <summary>Every object under &lt;root&gt;/.lamindb/ (recursively), keys relative to the root.</summary>
    IReadOnlyList<StoredObject> ListManagedObjects(StorageRoot root);

    /// <summary>Removes .lamindb/ and then the root itself when each is empty (instance removal).</summary>
    void RemoveEmptyFolders(StorageRoot root);

    /// <summary>The full local path or URI of a key.</summary>
    string PathOf(StorageRoot root, string key);

    /// <summary>The file or folder at a key, or null.</summary>
    ObjectStat? Stat(StorageRoot root, string key);

    /// <summary>Every file at or under a key (a folder's members), keys relative to the root, sorted.</summary>
    IReadOnlyList<StoredObject> List(StorageRoot root, string key);

    Stream OpenRead(StorageRoot root, string key);

    /// <summary>
    /// Starts writing an object (<paramref name="folder"/>: a folder of members). When the final key
    /// is likely known (<paramref name="proposedKey"/>), a provider may write there directly and skip
    /// the copy at commit (cloud); an object written there and not committed is removed on dispose.
    /// </summary>
    IObjectWriter CreateWriter(StorageRoot root, bool folder, string? proposedKey, CancellationToken cancel);

    /// <summary>
    /// Every object at or under a key with the hash its metadata gives (S3 ETag → md5 / md5-&lt;n&gt;,
    /// GCS md5Hash → md5), without downloading; null hashes where the store keeps none (local files).
    /// </summary>
    IReadOnlyList<(StoredObject Object, Hashing.HashResult? Hash)> ListHashed(StorageRoot root, string key);

    /// <summary>
    /// Downloads a large object to a local file with parallel ranged reads when the store supports it;
    /// returns false (nothing done) when a single sequential read is the better way.
    /// </summary>
    bool DownloadRanged(StorageRoot root, string key, long size, string localPath, Artifacts.ITransferProgress? progress, CancellationToken cancel);

    /// <summary>The cloud region of the root (S3), or null.</summary>
    string? DetectRegion(StorageRoot root);

    /// <summary>
    /// Deletes the file or folder at a key; a missing one is not an error. The primitive under
    /// <see cref="Safety.Gate"/>: only the gate calls it (GateBypassTests), after its checks.
    /// </summary>
    void DeleteUnchecked(StorageRoot root, string key);

    /// <summary>
    /// Creates a small object at <paramref name="key"/> holding <paramref name="content"/> only when nothing is
    /// there, in one step no other writer can interleave with (SPEC §10 rule 14): create-new on a file system
    /// (O_EXCL / CREATE_NEW), a conditional put on S3 (If-None-Match: *), ifGenerationMatch=0 on GCS. Returns
    /// false, having written nothing, when something is at the key. On a file system the content appears after
    /// the name: a reader may briefly find the object shorter than <paramref name="content"/>.
    /// </summary>
    bool TryCreateNew(StorageRoot root, string key, byte[] content);

    /// <summary>
    /// Unfinished multipart uploads whose object key is at or under <paramref name="key"/> (S3): a writer
    /// killed mid-upload leaves its parts on the server, invisible to listings. Empty where a write in
    /// progress is a plain temporary object (local folders); null where the store cannot list them (an S3-compatible server without ListMultipartUploads, GCS
    /// resumable uploads, which the server expires after a week).
    /// </summary>
    IReadOnlyList<UnfinishedUpload>? ListUnfinishedUploads(StorageRoot root, string key);

    /// <summary>Aborts one unfinished upload: its parts are freed; no object is touched. A gone upload is not an error.</summary>
    void AbortUnfinishedUpload(StorageRoot root, UnfinishedUpload upload);

    /// <summary>
    /// Deletes what an artifact of that kind holds at a key: a file deletes the object at the key alone, a
    /// folder (<paramref name="folder"/>) its members below "key/" alone, never an object that happens to
    /// have the folder's own key (S3/GCS allow both). Stores with real folders need no distinction.
    /// </summary>
    void DeleteUnchecked(StorageRoot root, string key, bool folder) => DeleteUnchecked(root, key);

    /// <summary>
    /// The identity of the file (never a folder) at a key, or null when no file is there: size with the S3 ETag, the
    /// GCS generation, or a local file's last-write time and inode (issue 25).
    /// </summary>
    ObjectVersion? Version(StorageRoot root, string key);

    /// <summary>
    /// Deletes the file at a key only while it has <paramref name="expected"/>'s identity (issue 25): S3 DeleteObject with
    /// If-Match on the ETag after a metadata re-check, GCS ifGenerationMatch, locally a re-check of size, last-write
    /// time and inode right before the unlink. The primitive under <see cref="Safety.Gate"/>: only the gate calls it.
    /// </summary>
    ConditionalDelete DeleteIfUnchanged(StorageRoot root, string key, ObjectVersion expected);
}

/// <summary>An unfinished multipart upload: the key it would create (relative to the root), its id, when it began, and its parts so far.</summary>
public sealed record UnfinishedUpload(string Key, string UploadId, DateTime? Initiated, long Size, int Parts);

/// <summary>
/// The identity of one stored file as a command verified it (issue 25): its size and what the store says changes
/// with every write: the S3 ETag, the GCS generation, or a local file's last-write time (and inode where the
/// system gives it cheaply). A conditional delete removes the object only while it still has this identity.
/// </summary>
public sealed record ObjectVersion(long Size, string? ETag = null, long? Generation = null, DateTime? Modified = null, ulong? Inode = null)
{
    /// <summary>True when <paramref name="now"/> is the same object: every part this identity holds is equal.</summary>
    public bool Matches(ObjectVersion now) =>
        now.Size == Size
        && (ETag is null || string.Equals(now.ETag?.Trim('"'), ETag.Trim('"'), StringComparison.Ordinal))
        && (Generation is null || now.Generation == Generation)
        && (Modified is null || now.Modified == Modified)
        && (Inode is null || now.Inode is null || now.Inode == Inode);

    public override string ToString() =>
        $"{Size} bytes" + (ETag is not null ? $", ETag {ETag}" : "") + (Generation is not null ? $", generation {Generation}" : "")
        + (Modified is { } m ? $", modified {m:O}" : "") + (Inode is not null ? $", inode {Inode}" : "");
}

/// <summary>What a conditional delete did.</summary>
public enum ConditionalDelete
{
    /// <summary>The object had the identity and was deleted.</summary>
    Deleted,
    /// <summary>Nothing was at the key (someone else removed it).</summary>
    Gone,
    /// <summary>The object at the key is not the one verified (overwritten since): kept.</summary>
    Changed,
}
