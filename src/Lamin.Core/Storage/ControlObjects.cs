
namespace Lamin.Core.Storage;

/// <summary>The files Lamin itself keeps under .lamindb/ (never data, never orphans): the marker, a lease,
/// a Move-LaminStorage journal (Services.MoveJournal: its leftovers are reported and cleared through it), a writer's announcement (Services.WriterAnnouncements), and, in the folder that holds the instance's registry, the registry and LiteDB's companions.</summary>
public static class ControlObjects
{
    public static bool Contains(StorageRoot root, string key, string? registryPath)
    {
        if (key == Marker.RelativeKey || Lease.IsLeaseKey(key) || Services.MoveJournal.IsJournalKey(key) || Services.WriterAnnouncements.IsAnnouncementKey(key)) return true;
        if (registryPath is null || !root.IsLocal || key.Count(c => c == '/') != 1) return false;
        // SPEC §11: the folder and the file names compare as the location's file system does ("…\.LAMINDB\LAMIN.DB" on NTFS).
        var rules = LocationRules.For(root);
        var folder = Path.GetFullPath(Path.Combine(root.Root, Marker.ManagedFolder));
        var registryFolder = Path.GetDirectoryName(Path.GetFullPath(registryPath));
        return rules.Equals(folder, registryFolder)
               && LaminRegistry.IsRegistryCompanion(key[(Marker.ManagedFolder.Length + 1)..], Path.GetFileName(registryPath), rules);
    }
}

/// <summary>SPEC §10 rule 4: what orphan clearing never deletes, by name, wherever it sits under a .lamindb/ folder.</summary>
public static class ProtectedObjects
{
    /// <summary>
    /// True for a marker, a lease, a writer's announcement (.lamindb/_writers/…), a lock, and any instance's registry file with LiteDB's companions
    /// (lamin.db, or the name of the registry this session opened): a registry copied or connected
    /// through another path is still somebody's registry, whichever instance is connected now.
    /// </summary>
    /// <param name="rules">How the location's file system compares names (Posix when not given): on NTFS ".LaminDB/LAMIN.DB" is protected too.</param>
    public static bool Contains(string key, string? registryPath = null, FileSystemRules? rules = null)
    {
        rules ??= FileSystemRules.Posix;
        var segments = key.Split('/');
        int managed = Array.FindIndex(segments, rules.IsManagedFolderName);
        if (managed < 0 || managed == segments.Length - 1) return false;
        var name = segments[^1];
        return rules.Equals(name, Marker.FileName) || Lease.IsLeaseKey(key) || rules.Equals(name, Path.GetFileName(Lease.RelativeKey))
               || (segments.Length == managed + 3 && rules.Equals(segments[managed + 1], Path.GetFileName(Lease.GenerationFolder))) // a lease's generation
               || (segments.Length == managed + 3 && rules.Equals(segments[managed + 1], Path.GetFileName(Services.WriterAnnouncements.Folder))) // a writer's announcement
               || name.EndsWith(".lock", rules.Comparison)
               || LaminRegistry.IsRegistryCompanion(name, rules: rules)
               || (registryPath is not null && LaminRegistry.IsRegistryCompanion(name, Path.GetFileName(registryPath), rules));
    }
}
