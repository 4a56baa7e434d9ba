
namespace Lamin.Core.Storage;

/// <summary>Local folders (and network mounts) as storage.</summary>
public sealed partial class LocalStorageProvider : IStorageProvider
{
    public static LocalStorageProvider Instance { get; } = new();

    /// <summary>Temporary objects of writes in progress live here, inside .lamindb/, named by process.</summary>
    public const string TempPrefix = ".lamin-tmp-";

    /// <summary>What a folder replace appends to its temporary's name for the previous version while it swaps them.</summary>
    public const string AsideSuffix = "-old";

    private static readonly PathKeyed<IFolderOperations> FolderOps = new();

    /// <summary>
    /// Folder replaces and deletes under <paramref name="root"/> go through <paramref name="operations"/> until disposed:
    /// the seam where tests refuse a rename or delete as Windows does while an indexer or antivirus holds a file (SPEC §11).
    /// </summary>
    public static IDisposable UseFolderOperations(string root, IFolderOperations operations)
    {
        var map = FolderOps.Current;
        map[root] = operations;
        return new Release(() => map.TryRemove(root, out _));
    }

    private static IFolderOperations OperationsFor(StorageRoot root) => FolderOps.Current.TryGetValue(root.Root, out var o) ? o : FolderOperations.Instance;

    private sealed class Release(Action release) : IDisposable
    {
        private Action? _release = release;
        public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
    }

    private static string MarkerPath(StorageRoot root) => MarkerPath(root.Root);

    /// <summary>&lt;root&gt;/.lamindb/storage_uid.txt of a local root, as a path (not resolved).</summary>
    internal static string MarkerPath(string root) => Path.Combine(root, Marker.ManagedFolder, Marker.FileName);

    /// <summary>
    /// Every file below <paramref name="folder"/>, walked one level at a time: symbolic links and junctions are
    /// neither listed nor followed, other reparse points (deduplicated, tiered Azure File Sync, cloud placeholders)
    /// are files like any other (SPEC §11, <see cref="FileSystemRules.IsSkippedReparsePoint"/>).
    /// </summary>
    internal static IEnumerable<FileInfo> WalkFiles(string folder)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0, IgnoreInaccessible = false };
        var pending = new Stack<DirectoryInfo>();
        pending.Push(new DirectoryInfo(folder));
        while (pending.Count > 0)
            foreach (var entry in pending.Pop().EnumerateFileSystemInfos("*", options))
            {
                if (IsSkipped(entry)) continue;
                if (entry is DirectoryInfo d) pending.Push(d);
                else if (entry is FileInfo f) yield return f;
            }
    }

    /// <summary>A symbolic link or junction (the link target is read only for reparse points).</summary>
    private static bool IsSkipped(FileSystemInfo entry) =>
        entry.Attributes.HasFlag(FileAttributes.ReparsePoint) && FileSystemRules.IsSkippedReparsePoint(entry.Attributes, entry.LinkTarget);

    public MarkerInfo ReadMarker(StorageRoot root)
    {
        var path = MarkerPath(root);
        if (Directory.Exists(path))
            throw new LaminException(ErrorIds.MarkerInvalid,
                $"The marker '{path}' is a folder, not a file. Remove or rename it, then retry.", path);
        if (!File.Exists(path)) return new MarkerInfo(false, null, null);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var buffer = new byte[Math.Min(fs.Length, Marker.MaxBytes + 1)];
        fs.ReadExactly(buffer);
        return Marker.Parse(buffer, path);
    }

    public void WriteMarker(StorageRoot root, string content)
    {
        var path = LocalPaths.ResolveUnder(root.Root, Marker.RelativeKey);
        var created = FirstMissing(Path.GetDirectoryName(path)!);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Create-new: two writers never overwrite each other's marker.
        using (var fs = Durable.CreateSynced(path, FileMode.CreateNew))
        using (var w = new StreamWriter(fs))
        {
            w.Write(content);
            w.Flush(); // through to disk: a location registered is a location marked
        }
        Durable.SyncParents(path, created);
        if (Durable.UseBarrier) Durable.SyncFileSystemOf(Path.GetDirectoryName(path)!); // its entry too
    }

    public void DeleteMarker(StorageRoot root) => LocalPlatform.Current.DeleteFile(LocalPaths.ResolveUnder(root.Root, Marker.RelativeKey));

    /// <summary>The topmost folder of <paramref name="dir"/> that does not exist yet (what CreateDirectory will create), or null.</summary>
    /// <summary>
    /// The name in ".lamindb/&lt;name&gt;" when that key names an entry directly in the managed folder on every
    /// platform: no further separator of either kind, no drive or stream colon, not "." or "..". Null otherwise
    /// (then the key takes the walk of rule 6): on Windows "x\..\..\evil" would leave the root.
    /// </summary>
    internal static string? NameInManagedFolder(string key)
    {
        var prefix = Marker.ManagedFolder + "/";
        if (!key.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var name = key[prefix.Length..];
        return name.Length == 0 || name is "." or ".." || name.IndexOfAny(['/', '\\', ':']) >= 0 ? null : name;
    }

    /// <summary>&lt;root&gt;/.lamindb as a path (not resolved).</summary>
    private static string ManagedFolderOf(StorageRoot root) => Path.Combine(root.Root, Marker.ManagedFolder);

    /// <summary>
    /// Anything at <paramref name="path"/>: a file, a folder or a link (dangling too), in one lstat. An entry that
    /// can't be inspected counts as there, so it is never overwritten.
    /// </summary>
    internal static bool EntryExists(string path)
    {
        try { return (int)new FileInfo(path).Attributes != -1; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return true; }
    }

    internal static string? FirstMissing(string dir)
    {
        string? missing = null;
        for (var d = dir; d is not null && !Directory.Exists(d); d = Path.GetDirectoryName(d)) missing = d;
        return missing;
    }

    /// <summary>Removes <paramref name="dir"/> and its parents up to <paramref name="top"/> (included) while they are empty.</summary>
    internal static void RemoveCreatedFolders(string? dir, string? top)
    {
        if (top is null) return;
        try
        {
            while (dir is not null && dir.Length >= top.Length && Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any())
            {
                LocalPlatform.Current.DeleteFolder(dir, recursive: false);
                dir = Path.GetDirectoryName(dir);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    public IReadOnlyList<StoredObject> ListManagedObjects(StorageRoot root) => List(root, Marker.ManagedFolder);

    public void RemoveEmptyFolders(StorageRoot root)
    {
        foreach (var dir in new[] { LocalPaths.ResolveUnder(root.Root, Marker.ManagedFolder), root.Root })
            if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any())
                LocalPlatform.Current.DeleteFolder(dir, recursive: false);
    }

    /// <summary>Removes the folders above a deleted key that are left empty, up to (not including) .lamindb/ and the root.</summary>
    public static void PruneEmptyParents(StorageRoot root, string key)
    {
        var stop = new[] { Path.GetFullPath(root.Root), Path.GetFullPath(Path.Combine(root.Root, Marker.ManagedFolder)) };
        var dir = Path.GetDirectoryName(LocalPaths.ResolveUnder(root.Root, key));
        while (dir is not null && !stop.Contains(Path.GetFullPath(dir)) && Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any())
        {
            LocalPlatform.Current.DeleteFolder(dir, recursive: false);
            dir = Path.GetDirectoryName(dir);
        }
    }

    /// <summary>
    /// Regular files below a folder (symlinks and junctions are not followed), sorted by full path. A
    /// managed folder .lamindb/ anywhere below it (another location's marker and objects, or an
    /// instance's registry; any letter case) is refused with InvalidPath naming it (SPEC §10 rule 2):
    /// such a folder is never added, moved or deleted as one artifact.
    /// </summary>
    public static List<FileInfo> FilesBelow(string folder)
    {
        var files = new List<FileInfo>();
        var pending = new Stack<DirectoryInfo>();
        pending.Push(new DirectoryInfo(folder));
        var options = new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0, IgnoreInaccessible = false };
        while (pending.Count > 0)
        {
            foreach (var entry in pending.Pop().EnumerateFileSystemInfos("*", options))
            {
                bool isFolder = entry.Attributes.HasFlag(FileAttributes.Directory);
                if (isFolder && Marker.IsManagedFolderName(entry.Name))
                    throw new LaminException(ErrorIds.InvalidPath,
                        $"'{folder}' contains the managed folder '{entry.FullName}' (a storage location's or an instance's own data); " +
                        "a folder that holds a .lamindb/ can't be an artifact, nor be moved or deleted as one. Work with the files or folders beside it instead.", folder);
                if (IsSkipped(entry)) continue; // symlinks and junctions: not followed; dedup/tiered files are files (SPEC §11)
                if (isFolder) pending.Push((DirectoryInfo)entry);
                else if (entry is FileInfo f) files.Add(f);
            }
        }
        files.Sort((a, b) => StringComparer.Ordinal.Compare(a.FullName, b.FullName));
        return files;
    }

    public string PathOf(StorageRoot root, string key) =>
        key.Length == 0 ? root.Root : Path.Combine(root.Root, key.Replace('/', Path.DirectorySeparatorChar));

    public ObjectStat? Stat(StorageRoot root, string key)
    {
        var path = PathOf(root, key);
        if (File.Exists(path)) return new ObjectStat(key, false, new FileInfo(path).Length, 1);
        if (!Directory.Exists(path)) return null;
        var files = WalkFiles(path).ToList();
        return new ObjectStat(key, true, files.Sum(f => f.Length), files.Count);
    }

    public IReadOnlyList<StoredObject> List(StorageRoot root, string key)
    {
        var path = PathOf(root, key);
        if (File.Exists(path)) { var f = new FileInfo(path); return [new StoredObject(key, f.Length, f.LastWriteTimeUtc)]; }
        if (!Directory.Exists(path)) return [];
        return WalkFiles(path)
            .Select(f => new StoredObject(Path.GetRelativePath(root.Root, f.FullName).Replace('\\', '/'), f.Length, f.LastWriteTimeUtc))
            .OrderBy(o => o.Key, StringComparer.Ordinal)
            .ToList();
    }

    public Stream OpenRead(StorageRoot root, string key) =>
        SharingRules.OpenRead(PathOf(root, key)); // others may rename or delete it meanwhile (SPEC §11)

    public IObjectWriter CreateWriter(StorageRoot root, bool folder, string? proposedKey, CancellationToken cancel)
    {
        // A folder replace killed between its two moves left a registered version aside: back first (once per root and process).
        if (RecoveredRoots.Current.TryAdd(root.Root, true)) RecoverInterruptedReplaces(root);
        return new LocalWriter(root, folder);
    }

    public bool DownloadRanged(StorageRoot root, string key, long size, string localPath, Artifacts.ITransferProgress? progress, CancellationToken cancel) => false;

    public string? DetectRegion(StorageRoot root) => null;

    public IReadOnlyList<(StoredObject Object, Hashing.HashResult? Hash)> ListHashed(StorageRoot root, string key) =>
        List(root, key).Select(o => (o, (Hashing.HashResult?)null)).ToList();

    /// <summary>
    /// Deletes the file or folder at a key. Refused (InvalidKey) when a symlink among its folders leads
    /// outside the root; a key that is itself a link loses the link, never what it points to.
    /// </summary>
    public void DeleteUnchecked(StorageRoot root, string key)
    {
        if (key.Length == 0)
            throw new LaminException(ErrorIds.InvalidKey, $"Refusing to delete the root of {root.Root}: an empty key names no object.", key);
        var path = LocalPaths.ResolveUnder(root.Root, key);
        var info = new FileInfo(path);
        // SPEC §11: a delete another process refuses for a moment (antivirus, indexer) is retried; a read-only
        // file is deleted on Windows as on Unix (where the folder's permission decides).
        if (info.LinkTarget is not null)
        {
            var platform = LocalPlatform.Current;
            if (info.Attributes.HasFlag(FileAttributes.Directory)) SharingRules.Retry(() => platform.DeleteFolder(path, recursive: false)); else SharingRules.Retry(() => platform.DeleteFile(path));
        }
        else if (File.Exists(path)) SharingRules.Retry(() => { SharingRules.ClearReadOnly(path); OperationsFor(root).Delete(path); });
        else if (Directory.Exists(path))
        {
            FilesBelow(path); // rule 2: never a folder with a .lamindb/ below it (InvalidPath)
            SharingRules.Retry(() => { SharingRules.ClearReadOnly(path); OperationsFor(root).Delete(path); });
        }
        else return;
        Durable.SyncDirectory(Path.GetDirectoryName(path)!);
    }

    public ObjectVersion? Version(StorageRoot root, string key)
    {
        if (key.Length == 0) return null;
        var path = LocalPaths.ResolveUnder(root.Root, key);
        var f = new FileInfo(path);
        if (!f.Exists) return null; // a folder, or nothing
        return new ObjectVersion(f.Length, Modified: f.LastWriteTimeUtc, Inode: LocalPlatform.Current.InodeOf(path));
    }

    /// <summary>
    /// Issue 25: the file's size, last-write time and (Linux) inode are read again right before the unlink; a file
    /// written or replaced since it was verified is kept. A file system has no conditional unlink: only the instant
    /// between the check and the unlink stays open.
    /// </summary>
    public ConditionalDelete DeleteIfUnchanged(StorageRoot root, string key, ObjectVersion expected)
    {
        var path = LocalPaths.ResolveUnder(root.Root, key);
        if (Version(root, key) is not { } now) return Directory.Exists(path) ? ConditionalDelete.Changed : ConditionalDelete.Gone;
        if (!expected.Matches(now)) return ConditionalDelete.Changed;
        SharingRules.Retry(() => { SharingRules.ClearReadOnly(path); OperationsFor(root).Delete(path); });
        Durable.SyncDirectory(Path.GetDirectoryName(path)!);
        return ConditionalDelete.Deleted;
    }

    /// <summary>Create-new (FileMode.CreateNew: O_EXCL, CREATE_NEW): of two callers only one creates the file; the content is synced.</summary>
    public bool TryCreateNew(StorageRoot root, string key, byte[] content)
    {
        var path = LocalPaths.ResolveUnder(root.Root, key); // rule 6: never outside the root
        var parent = Path.GetDirectoryName(path)!;
        var created = FirstMissing(parent);
        Directory.CreateDirectory(parent);
        try
        {
            using var fs = Durable.CreateSynced(path, FileMode.CreateNew);
            fs.Write(content);
            fs.Flush();
        }
        catch (IOException) when (EntryExists(path)) { return false; }
        Durable.SyncParents(path, created);
        return true;
    }


    // ------------------------------------------------------------------ unfinished uploads

    /// <summary>A local write in progress is a temporary file under .lamindb/ (listed as an object): none of these.</summary>
    public IReadOnlyList<UnfinishedUpload>? ListUnfinishedUploads(StorageRoot root, string key) => [];

    public void AbortUnfinishedUpload(StorageRoot root, UnfinishedUpload upload) { }
}
