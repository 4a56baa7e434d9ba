
namespace Lamin.Core.Storage;

/// <summary>
/// SPEC §10 rule 10: before a registry transaction commits, the data it registers is on stable storage.
/// One barrier per batch, not one per file: measured here (ext4), fsync of each 4 KiB file and its folder
/// cost about 13 ms a file against 0.05 ms for the whole batch with one syncfs — 10,000 small files would
/// take minutes instead of seconds.
/// <list type="bullet">
/// <item>Linux: one <c>syncfs(2)</c> per file system written (data, renames and folders alike).</item>
/// <item>Windows: <c>FlushFileBuffers</c> on each file written and on each folder written (a directory handle: NTFS
/// commits its journal, the renames included).</item>
/// <item>macOS and other Unix: one <c>sync(2)</c>, then <c>fsync</c> of each file.</item>
/// </list>
/// The barrier never fails a write that succeeded: a file system that refuses to sync (some network mounts)
/// is reported through the return value, and the caller decides (today: commit anyway, as a copy would).
/// What each OS does is the platform's (<see cref="ILocalPlatform.Barrier"/>).
/// </summary>
public static partial class Durable
{
    /// <summary>Makes the files written (and the renames that put them in place) durable; false when a sync was refused.</summary>
    /// <param name="files">Full paths of the files written in this batch (after their final rename).</param>
    /// <param name="roots">Folders on the file systems written (one barrier per distinct one).</param>
    public static bool Barrier(IReadOnlyCollection<string> files, IReadOnlyCollection<string> roots)
    {
        if (files.Count == 0 && roots.Count == 0) return true;
        var platform = LocalPlatform.Current;
        var ok = platform.Barrier(files, roots);
        if (platform.UseBarrier) return ok;
        // Without a file-system-wide sync (Windows, macOS) the renames of the batch are made durable through the folders
        // written: callers name the roots, not every file (issue 27: on Windows this barrier flushed nothing).
        foreach (var root in roots.Distinct(StringComparer.FromComparison(platform.PathComparison))) ok &= platform.SyncDirectory(root);
        return ok;
    }

    /// <summary>syncfs on the file system that holds <paramref name="folder"/> (Linux).</summary>
    public static bool SyncFileSystemOf(string folder) => PosixPlatform.SyncFileSystemOf(folder);

    /// <summary>Flushes one file's data and metadata to the device (fsync / FlushFileBuffers).</summary>
    public static bool FlushFile(string path) => LocalPlatform.Current.FlushFile(path);
}
