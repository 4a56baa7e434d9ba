using Lamin.Core.Roots;

namespace Lamin.Core.Storage;

/// <summary>An object under a root, by key relative to the root (always '/'-separated).</summary>
public sealed record StoredObject(string Key, long Size);

/// <summary>What the marker file of a location says (SPEC §2: line 1 is the storage uid).</summary>
public sealed record MarkerInfo(bool Exists, string? StorageUid, string? InstanceUid);

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
}
