using Lamin.Core.Errors;
using Lamin.Core.Roots;

namespace Lamin.Core.Storage;

/// <summary>Local folders (and network mounts) as storage.</summary>
public sealed class LocalStorageProvider : IStorageProvider
{
    public static LocalStorageProvider Instance { get; } = new();

    /// <summary>Temporary objects of writes in progress live here, inside .lamindb/, named by process.</summary>
    public const string TempPrefix = ".lamin-tmp-";

    private static string MarkerPath(StorageRoot root) => Path.Combine(root.Root, Marker.ManagedFolder, Marker.FileName);

    private static readonly EnumerationOptions Recursive = new()
    {
        RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = false,
    };

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

    public IReadOnlyList<StoredObject> ListManagedObjects(StorageRoot root) => List(root, Marker.ManagedFolder);

    public void RemoveEmptyFolders(StorageRoot root)
    {
        foreach (var dir in new[] { Path.Combine(root.Root, Marker.ManagedFolder), root.Root })
            if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any())
                Directory.Delete(dir);
    }

    /// <summary>Removes the folders above a deleted key that are left empty, up to (not including) .lamindb/ and the root.</summary>
    public static void PruneEmptyParents(StorageRoot root, string key)
    {
        var stop = new[] { Path.GetFullPath(root.Root), Path.GetFullPath(Path.Combine(root.Root, Marker.ManagedFolder)) };
        var dir = Path.GetDirectoryName(Instance.PathOf(root, key));
        while (dir is not null && !stop.Contains(Path.GetFullPath(dir)) && Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any())
        {
            Directory.Delete(dir);
            dir = Path.GetDirectoryName(dir);
        }
    }

    public string PathOf(StorageRoot root, string key) =>
        key.Length == 0 ? root.Root : Path.Combine(root.Root, key.Replace('/', Path.DirectorySeparatorChar));

    public ObjectStat? Stat(StorageRoot root, string key)
    {
        var path = PathOf(root, key);
        if (File.Exists(path)) return new ObjectStat(key, false, new FileInfo(path).Length, 1);
        if (!Directory.Exists(path)) return null;
        var files = new DirectoryInfo(path).EnumerateFiles("*", Recursive).ToList();
        return new ObjectStat(key, true, files.Sum(f => f.Length), files.Count);
    }

    public IReadOnlyList<StoredObject> List(StorageRoot root, string key)
    {
        var path = PathOf(root, key);
        if (File.Exists(path)) { var f = new FileInfo(path); return [new StoredObject(key, f.Length, f.LastWriteTimeUtc)]; }
        if (!Directory.Exists(path)) return [];
        return new DirectoryInfo(path).EnumerateFiles("*", Recursive)
            .Select(f => new StoredObject(Path.GetRelativePath(root.Root, f.FullName).Replace('\\', '/'), f.Length, f.LastWriteTimeUtc))
            .OrderBy(o => o.Key, StringComparer.Ordinal)
            .ToList();
    }

    public Stream OpenRead(StorageRoot root, string key) =>
        new FileStream(PathOf(root, key), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);

    public IObjectWriter CreateWriter(StorageRoot root, bool folder, string? proposedKey, CancellationToken cancel) =>
        new LocalWriter(this, root, folder);

    public bool DownloadRanged(StorageRoot root, string key, long size, string localPath, Artifacts.ITransferProgress? progress, CancellationToken cancel) => false;

    public string? DetectRegion(StorageRoot root) => null;

    public IReadOnlyList<(StoredObject Object, Hashing.HashResult? Hash)> ListHashed(StorageRoot root, string key) =>
        List(root, key).Select(o => (o, (Hashing.HashResult?)null)).ToList();

    public void Delete(StorageRoot root, string key)
    {
        var path = PathOf(root, key);
        if (File.Exists(path)) File.Delete(path);
        else if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
    }

    /// <summary>Writes under .lamindb/.lamin-tmp-&lt;pid&gt;-&lt;random&gt; and renames into place on commit.</summary>
    private sealed class LocalWriter : IObjectWriter
    {
        private readonly LocalStorageProvider _provider;
        private readonly StorageRoot _root;
        private readonly bool _folder;
        private readonly string _temp;
        private bool _committed;

        public LocalWriter(LocalStorageProvider provider, StorageRoot root, bool folder)
        {
            _provider = provider;
            _root = root;
            _folder = folder;
            var dir = Path.Combine(root.Root, Marker.ManagedFolder);
            if (!Directory.Exists(dir)) Directory.CreateDirectory(dir);
            _temp = Path.Combine(dir, $"{TempPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
            if (folder) Directory.CreateDirectory(_temp);
        }

        public Stream OpenMember(string relativePath, long size)
        {
            var path = _folder ? Path.Combine(_temp, relativePath.Replace('/', Path.DirectorySeparatorChar)) : _temp;
            if (_folder) Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            return new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        }

        public void Commit(string finalKey, bool replace)
        {
            var final = _provider.PathOf(_root, finalKey);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            bool exists = File.Exists(final) || Directory.Exists(final);
            if (exists && !replace)
                throw new LaminException(ErrorIds.DestinationExists, $"'{final}' already exists; nothing was overwritten.", final);
            if (!_folder)
            {
                File.Move(_temp, final, overwrite: replace); // one rename: atomic on POSIX and NTFS
                _committed = true;
                return;
            }
            string? aside = null;
            if (exists)
            {
                aside = _temp + "-old";
                Directory.Move(final, aside);
            }
            Directory.Move(_temp, final);
            _committed = true;
            if (aside is not null)
            {
                if (Directory.Exists(aside)) Directory.Delete(aside, true); else File.Delete(aside);
            }
        }

        public void Dispose()
        {
            if (_committed) return;
            try
            {
                if (_folder && Directory.Exists(_temp)) Directory.Delete(_temp, recursive: true);
                else if (File.Exists(_temp)) File.Delete(_temp);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    // ------------------------------------------------------------------ unfinished uploads

    /// <summary>A local write in progress is a temporary file under .lamindb/ (listed as an object): none of these.</summary>
    public IReadOnlyList<UnfinishedUpload>? ListUnfinishedUploads(StorageRoot root, string key) => [];

    public void AbortUnfinishedUpload(StorageRoot root, UnfinishedUpload upload) { }
}
