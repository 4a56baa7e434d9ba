
namespace Lamin.Core.Storage;

/// <summary>
/// Windows sharing rules (SPEC §11, issue 10 items 2 and 5): files are read so that others may rename or
/// delete them, and a rename or delete that another process (antivirus, indexer, backup) refuses for a
/// moment is retried briefly. The waits are waits for another process, not test synchronisation.
/// </summary>
public static class SharingRules
{
    /// <summary>The share mode for reading: others may read, rename and delete the file meanwhile (FileShare.Delete is a no-op on Unix).</summary>
    public const FileShare ReadShare = FileShare.Read | FileShare.Delete;

    /// <summary>Opens a file to read with <see cref="ReadShare"/> (for DataCopier.OpenSource and LocalStorageProvider.OpenRead).</summary>
    public static FileStream OpenRead(string path, FileOptions options = FileOptions.SequentialScan) =>
        new(path, FileMode.Open, FileAccess.Read, ReadShare, 1, options);

    /// <summary>How often and how long a refused rename or delete is retried (about 2 s in all).</summary>
    public static readonly IReadOnlyList<TimeSpan> RetryDelays =
        [TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1)];

    /// <summary>
    /// True for what another process causes for a moment: a sharing or lock violation, and on Windows an
    /// access denied (a file pending delete or held by a scanner) and ERROR_DIR_NOT_EMPTY (a folder whose entries
    /// are deleted but still pending delete while another process holds them). Unix access denied is a permission: false.
    /// </summary>
    public static bool IsTransient(Exception e, bool isWindows) =>
        e is IOException io && (io.HResult & 0xFFFF) is 32 or 33
        || isWindows && e is UnauthorizedAccessException
        || isWindows && e is IOException d && (d.HResult & 0xFFFF) == 145;

    /// <summary>
    /// Windows refuses to delete a file with the read-only attribute (access denied), where Unix lets the
    /// folder's permission decide: before a delete on Windows, the attribute is cleared on the file, or on
    /// every file below a folder. Nothing happens elsewhere (<paramref name="isWindows"/>: the seam for tests).
    /// </summary>
    public static void ClearReadOnly(string path, bool? isWindows = null)
    {
        if (!(isWindows ?? LocalPlatform.Current.IsWindows)) return;
        static void Clear(FileSystemInfo f)
        {
            if (f.Attributes.HasFlag(FileAttributes.ReadOnly)) f.Attributes &= ~FileAttributes.ReadOnly;
        }
        if (File.Exists(path)) { Clear(new FileInfo(path)); return; }
        if (!Directory.Exists(path)) return;
        foreach (var f in new DirectoryInfo(path).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true }))
            if (f.LinkTarget is null) Clear(f);
    }

    /// <summary>Runs <paramref name="operation"/>, retrying it after each of <see cref="RetryDelays"/> while it fails transiently; the last failure is thrown.</summary>
    public static void Retry(Action operation, Func<Exception, bool>? isTransient = null, Action<TimeSpan>? wait = null)
    {
        isTransient ??= LocalPlatform.Current.IsTransient;
        wait ??= Thread.Sleep;
        for (int attempt = 0; ; attempt++)
        {
            try { operation(); return; }
            catch (Exception e) when (attempt < RetryDelays.Count && isTransient(e)) { wait(RetryDelays[attempt]); }
        }
    }
}

/// <summary>The file operations a folder replace needs (a seam: tests refuse one of them as Windows would).</summary>
public interface IFolderOperations
{
    void Move(string from, string to);
    void Delete(string path);
    bool Exists(string path);
}

/// <summary>The real folder operations, through the platform of the running context.</summary>
public sealed class FolderOperations : IFolderOperations
{
    public static FolderOperations Instance { get; } = new();
    public void Move(string from, string to) => LocalPlatform.Current.MoveFolder(from, to);
    public void Delete(string path)
    {
        var platform = LocalPlatform.Current;
        if (Directory.Exists(path)) platform.DeleteFolder(path, recursive: true); else platform.DeleteFile(path);
    }
    public bool Exists(string path) => Directory.Exists(path) || File.Exists(path);
}

/// <summary>
/// Replaces a folder by a staged one without ever stranding the previous version (issue 10 item 2):
/// the old folder is moved aside, the staged one moved in, and when that move fails (a file held by an
/// indexer or antivirus), the old folder is moved back before the error is reported, so nothing is left
/// under a temporary name for orphan clearing to delete. Each move is retried while it fails transiently.
/// <para>
/// A process killed between the two moves (issue 15) can't move anything back: before the first move, a
/// small intent file beside the aside (<c>&lt;aside&gt;.key</c>, see <see cref="IntentSuffix"/>) names
/// where the previous version belongs, and <see cref="LocalStorageProvider.RecoverInterruptedReplaces"/>
/// (the next write to that location, Test-LaminArtifact, Clear-LaminStorage -Orphaned) puts it back.
/// </para>
/// </summary>
public static class FolderReplace
{
    /// <summary>What the intent file of a replace appends to the aside's name; it holds the key the previous version belongs at.</summary>
    public const string IntentSuffix = ".key";

    /// <summary>Tests only: the process kills itself between the two moves (a power cut or SIGKILL at the worst moment).</summary>
    /// <summary>The outcome: whether the previous version could be deleted after the replace (false: it is still at <paramref name="aside"/>, reported, not lost).</summary>
    /// <param name="intent">The key of <paramref name="final"/> under its root, written beside the aside before the previous version moves (null: none).</param>
    public static bool Replace(string staged, string final, string aside, IFolderOperations? ops = null, Func<Exception, bool>? isTransient = null,
        Action<TimeSpan>? wait = null, string? intent = null)
    {
        ops ??= FolderOperations.Instance;
        bool hadOld = ops.Exists(final);
        var intentPath = aside + IntentSuffix;
        if (hadOld && intent is not null)
        {
            // Durable before the previous version leaves its place: a crash after the move finds it.
            using (var fs = Durable.CreateSynced(intentPath, FileMode.CreateNew))
            using (var w = new StreamWriter(fs)) { w.Write(intent); w.Flush(); }
            Durable.SyncDirectory(Path.GetDirectoryName(intentPath)!);
        }
        try
        {
            if (hadOld) SharingRules.Retry(() => ops.Move(final, aside), isTransient, wait);
            if (hadOld) Util.TestHooks.Pause("between-folder-moves"); // tests kill the process here (issue 15)
            try
            {
                SharingRules.Retry(() => ops.Move(staged, final), isTransient, wait);
            }
            catch (Exception) when (hadOld)
            {
                // Put the previous version back where the registry expects it; the staged copy stays a temporary.
                SharingRules.Retry(() => ops.Move(aside, final), isTransient, wait);
                throw;
            }
        }
        finally
        {
            // The previous version is back, or the new one is in: either way nothing needs recovering.
            if (hadOld && intent is not null && !(ops.Exists(aside) && !ops.Exists(final)))
                try { File.Delete(intentPath); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        if (!hadOld) return true;
        try
        {
            SharingRules.Retry(() => ops.Delete(aside), isTransient, wait);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
