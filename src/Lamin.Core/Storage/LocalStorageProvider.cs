using Lamin.Core.Errors;
using Lamin.Core.Roots;

namespace Lamin.Core.Storage;

/// <summary>Local folders (and network mounts) as storage.</summary>
public sealed class LocalStorageProvider : IStorageProvider
{
    public static LocalStorageProvider Instance { get; } = new();

    private static string MarkerPath(StorageRoot root) => Path.Combine(root.Root, Marker.ManagedFolder, Marker.FileName);

    public MarkerInfo ReadMarker(StorageRoot root)
    {
        var path = MarkerPath(root);
        if (Directory.Exists(path))
            throw new LaminException(ErrorIds.MarkerInvalid,
                $"The marker '{path}' is a folder, not a file. Remove or rename it, then retry.", path);
        if (!File.Exists(path)) return new MarkerInfo(false, null, null);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var buffer = new byte[Math.Min(fs.Length, Marker.MaxBytes + 1)];
        fs.ReadExactly(buffer);
        return Marker.Parse(buffer, path);
    }

    public void WriteMarker(StorageRoot root, string content)
    {
        var path = MarkerPath(root);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Create-new: two writers never overwrite each other's marker.
        using var fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        using var w = new StreamWriter(fs);
        w.Write(content);
    }

    public void DeleteMarker(StorageRoot root) => File.Delete(MarkerPath(root));

    public IReadOnlyList<StoredObject> ListManagedObjects(StorageRoot root)
    {
        var dir = Path.Combine(root.Root, Marker.ManagedFolder);
        if (!Directory.Exists(dir)) return [];
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        return new DirectoryInfo(dir).EnumerateFiles("*", options)
            .Select(f => new StoredObject(Path.GetRelativePath(root.Root, f.FullName).Replace('\\', '/'), f.Length))
            .OrderBy(o => o.Key, StringComparer.Ordinal)
            .ToList();
    }

    public void RemoveEmptyFolders(StorageRoot root)
    {
        foreach (var dir in new[] { Path.Combine(root.Root, Marker.ManagedFolder), root.Root })
            if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any())
                Directory.Delete(dir);
    }
}

/// <summary>Picks the provider for a root type. Cloud providers arrive with the cloud issue.</summary>
public static class StorageProviders
{
    public static IStorageProvider For(StorageRoot root) => root.Type switch
    {
        "local" => LocalStorageProvider.Instance,
        _ => throw new LaminException(ErrorIds.ProviderNotAvailable,
            $"Reading and writing {root.Type}:// locations is not available in this version; the location can be registered read-only.", root.Root),
    };
}
