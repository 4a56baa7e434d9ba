using Lamin.Core.Registry;
using Lamin.Core.Roots;

namespace Lamin.Core.Storage;

/// <summary>The files Lamin itself keeps under .lamindb/ (never data, never orphans): the marker, a lease,
/// and, in the folder that holds the instance's registry, the registry and LiteDB's companions.</summary>
public static class ControlObjects
{
    public static bool Contains(StorageRoot root, string key, string? registryPath)
    {
        if (key == Marker.RelativeKey || key == Lease.RelativeKey) return true;
        if (registryPath is null || !root.IsLocal || key.Count(c => c == '/') != 1) return false;
        var folder = Path.GetFullPath(Path.Combine(root.Root, Marker.ManagedFolder));
        var registryFolder = Path.GetDirectoryName(Path.GetFullPath(registryPath));
        return string.Equals(folder, registryFolder, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal)
               && LaminRegistry.IsRegistryCompanion(key[(Marker.ManagedFolder.Length + 1)..], Path.GetFileName(registryPath));
    }
}

/// <summary>SPEC §10 rule 4: what orphan clearing never deletes, by name, wherever it sits under a .lamindb/ folder.</summary>
public static class ProtectedObjects
{
    /// <summary>
    /// True for a marker, a lease, a lock, and any instance's registry file with LiteDB's companions
    /// (lamin.db, or the name of the registry this session opened): a registry copied or connected
    /// through another path is still somebody's registry, whichever instance is connected now.
    /// </summary>
    public static bool Contains(string key, string? registryPath = null)
    {
        var segments = key.Split('/');
        if (Array.IndexOf(segments, Marker.ManagedFolder) < 0 || Array.IndexOf(segments, Marker.ManagedFolder) == segments.Length - 1) return false;
        var name = segments[^1];
        return name == Marker.FileName || key == Lease.RelativeKey || name == Path.GetFileName(Lease.RelativeKey)
               || name.EndsWith(".lock", StringComparison.Ordinal)
               || LaminRegistry.IsRegistryCompanion(name)
               || (registryPath is not null && LaminRegistry.IsRegistryCompanion(name, Path.GetFileName(registryPath)));
    }
}
