using Lamin.Core.Registry;
using Lamin.Core.Roots;

namespace Lamin.Core.Storage;

/// <summary>The files Lamin itself keeps under .lamindb/ (never data, never orphans): the marker, a lease,
/// and, in the folder that holds the instance's registry, the registry and LiteDB's companions.</summary>
public static class ControlObjects
{
    public static bool Contains(StorageRoot root, string key, string registryPath)
    {
        if (key == Marker.RelativeKey || key == Lease.RelativeKey) return true;
        if (!root.IsLocal || key.Count(c => c == '/') != 1) return false;
        var folder = Path.GetFullPath(Path.Combine(root.Root, Marker.ManagedFolder));
        var registryFolder = Path.GetDirectoryName(Path.GetFullPath(registryPath));
        return string.Equals(folder, registryFolder, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal)
               && LaminRegistry.IsRegistryCompanion(key[(Marker.ManagedFolder.Length + 1)..], Path.GetFileName(registryPath));
    }
}
