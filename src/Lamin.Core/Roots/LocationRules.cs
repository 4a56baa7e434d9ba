using System.Collections.Concurrent;
using Lamin.Core.Storage;

namespace Lamin.Core.Roots;

/// <summary>
/// The <see cref="FileSystemRules"/> of one storage location (SPEC §11: chosen per location): S3 and GCS
/// keys are case-sensitive and store any character (<see cref="FileSystemRules.Posix"/>); a local root
/// is probed once per process (in its .lamindb/ folder when there is one, so nothing appears beside the
/// user's files), falling back to the OS's rules when it can't be written.
/// </summary>
public static class LocationRules
{
    private static readonly ConcurrentDictionary<string, FileSystemRules> Cache = new(StringComparer.Ordinal);

    public static FileSystemRules For(StorageRoot root) => root.IsLocal ? ForLocal(root.Root) : FileSystemRules.Posix;

    public static FileSystemRules ForLocal(string localRoot) => Cache.GetOrAdd(localRoot, static r =>
    {
        var managed = Path.Combine(r, Marker.ManagedFolder);
        var folder = Directory.Exists(managed) ? managed : r;
        return FileSystemProbe.IsCaseInsensitive(folder) is { } insensitive
            ? FileSystemProbe.Choose(OperatingSystem.IsWindows(), insensitive)
            : FileSystemRules.ForCurrentOs();
    });
}
