
namespace Lamin.Core.Storage;

/// <summary>
/// What the two cloud providers (S3, GCS) share word for word: an object's key under a root's prefix, the rule that
/// tells a file from a folder in a listing (SPEC §10), the checks on a copy before it is hashed, and the errors both
/// name the same way. Each provider keeps what its SDK does differently.
/// </summary>
internal static class CloudObjects
{
    /// <summary>The store's key of <paramref name="key"/> (relative to the root): the root's prefix in front of it.</summary>
    public static string ObjectKey(StorageRoot root, string key) =>
        root.Prefix is null ? key : key.Length == 0 ? root.Prefix : root.Prefix + "/" + key;

    /// <summary>A listed store key relative to the root (the root's prefix taken off).</summary>
    public static string RelativeKey(StorageRoot root, string objectKey) =>
        root.Prefix is null ? objectKey : objectKey[(root.Prefix.Length + 1)..];

    /// <summary>The URI of a key (the root itself for none), as errors and paths name it.</summary>
    public static string UriOf(StorageRoot root, string? key) => key is null or "" ? root.PathPart : root.PathPart + "/" + key;

    /// <summary>The prefix to list for a key: the object's key (a file "k" and the folder "k/" alike), or the whole root.</summary>
    public static string ListPrefix(StorageRoot root, string key) =>
        key.Length == 0 ? (root.Prefix is null ? "" : root.Prefix + "/") : ObjectKey(root, key);

    /// <summary>
    /// The listed objects of a prefix (<see cref="ListPrefix"/>) as the object with exactly this key (if any) and the
    /// objects below "key/", sorted by key; "folder" placeholders (names ending in '/', which consoles create) are not
    /// files. The empty key: every object is a member.
    /// </summary>
    public static ((StoredObject Object, T Meta)? Exact, List<(StoredObject Object, T Meta)> Members) Split<T>(
        StorageRoot root, string key, IEnumerable<(string Name, long Size, DateTime? Modified, T Meta)> listed)
    {
        var objectKey = ObjectKey(root, key);
        (StoredObject, T)? exact = null;
        var members = new List<(StoredObject Object, T Meta)>();
        foreach (var o in listed)
        {
            if (o.Name.EndsWith('/')) continue;
            var item = (new StoredObject(RelativeKey(root, o.Name), o.Size, o.Modified), o.Meta);
            if (key.Length > 0 && o.Name == objectKey) exact ??= item;
            else if (key.Length == 0 || o.Name.StartsWith(objectKey + "/", StringComparison.Ordinal)) members.Add(item);
        }
        return (exact, members.OrderBy(m => m.Object.Key, StringComparer.Ordinal).ToList());
    }

    /// <summary>The file at a key (its size when the store has an object there), else the folder of <paramref name="members"/>, else null.</summary>
    public static ObjectStat? Stat<T>(string key, long? fileSize, Func<List<(StoredObject Object, T Meta)>> members)
    {
        if (fileSize is { } size) return new ObjectStat(key, false, size, 1);
        var below = members();
        return below.Count == 0 ? null : new ObjectStat(key, true, below.Sum(m => m.Object.Size), below.Count);
    }

    /// <summary>
    /// LaminDB's hash of a copy just made, checked against its size first: the object's md5 from its metadata
    /// (<paramref name="md5"/>, when the store gives one) where it decides, else the bytes, read in ranges by
    /// <paramref name="read"/> (sha1-fl above 50 MiB: two ranges).
    /// </summary>
    public static Hashing.HashResult HashOfCopy(StorageRoot root, string key, long size, long? headSize, Hashing.HashResult? md5,
        Action<long, long, Stream> read, Hashing.HashResult? expected, CancellationToken cancel)
    {
        if (headSize is not { } found)
            throw new LaminException(ErrorIds.PathNotFound, $"{UriOf(root, key)}: the copy is missing right after it was made.", UriOf(root, key));
        if (found != size)
            throw new LaminException(ErrorIds.HashMismatch, $"The copy at {UriOf(root, key)} holds {found} bytes, not {size}; nothing was registered there.", UriOf(root, key));
        return Hashing.RangeHasher.Hash(size, read, md5, expected, cancel);
    }

    // ------------------------------------------------------------------ errors both stores name alike

    public static LaminException Missing(StorageRoot root, string? key, string what, Exception e) =>
        new(ErrorIds.PathNotFound, $"{UriOf(root, key)}: the object is missing (while trying to {what}). Check it with Test-LaminArtifact.", UriOf(root, key), e);

    /// <summary>A create-only write found an object at the key: nothing was overwritten.</summary>
    public static LaminException Exists(StorageRoot root, string? key, Exception? e = null) =>
        new(ErrorIds.DestinationExists, $"'{UriOf(root, key)}' already exists; nothing was overwritten.", UriOf(root, key), e);

    public static LaminException NoBucket(StorageRoot root, string what, Exception e) =>
        new(ErrorIds.StorageNotFound, $"The bucket of {root.Root} does not exist (while trying to {what}).", root.Root, e);

    public static LaminException Denied(StorageRoot root, string what, Exception e) =>
        new(ErrorIds.StorageAccessDenied, $"Access denied to {root.Root} while trying to {what}. Check the bucket policy or your credentials' permissions.", root.Root, e);
}
