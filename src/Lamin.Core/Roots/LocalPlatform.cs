namespace Lamin.Core.Roots;

/// <summary>
/// The one seam between Lamin and the local file system and process table (SPEC §11, issue 27): how a file
/// is replaced, moved, renamed and deleted, which refusals are another process's for a moment (retried), how
/// renames and folders reach stable storage, whether a process still runs on this kernel, how paths compare,
/// who the user is and how a file is made owner-only. <see cref="PosixPlatform"/> and <see cref="Win32Platform"/>
/// are the real ones; tests run the core under a Windows-like double that answers with the errors NTFS gives.
/// Only the implementations and <see cref="LocalPlatform"/> ask which OS this is.
/// </summary>
public interface ILocalPlatform
{
    /// <summary>"posix" or "windows" (the double: "windows-like").</summary>
    string Name { get; }

    /// <summary>Win32 semantics: sharing modes, drive letters and UNC roots, ACLs, read-only files that refuse a delete.</summary>
    bool IsWindows { get; }

    /// <summary>What only Windows answers about a path (long names, mapped drives, ACLs); null on POSIX.</summary>
    IWindowsPathSystem? WindowsPaths { get; }

    /// <summary>The rules of this OS's own file systems, used where a folder can't be probed.</summary>
    FileSystemRules DefaultRules { get; }

    /// <summary>How two already-resolved local paths compare here (the OS's default, not a location's probe).</summary>
    StringComparison PathComparison { get; }

    // ---------------------------------------------------------------- acts (only the gate and the providers call these)

    /// <summary>One rename of a file over <paramref name="target"/> (MoveFileEx REPLACE_EXISTING / rename(2)).</summary>
    void ReplaceFile(string source, string target);

    /// <summary>A rename of a file to a free name.</summary>
    void MoveFile(string source, string target);

    /// <summary>A rename of a folder to a free name.</summary>
    void MoveFolder(string source, string target);

    void DeleteFile(string path);

    void DeleteFolder(string path, bool recursive);

    /// <summary>
    /// Throws what opening <paramref name="path"/> with this access and sharing would throw now (a sharing violation
    /// while OneDrive or a backup agent holds it), without keeping it open. A no-op where the OS has no sharing modes.
    /// </summary>
    void CheckOpenable(string path, FileAccess access, FileShare share);

    /// <summary>
    /// True for a refusal another process causes for a moment (sharing or lock violation; on Windows also access
    /// denied and a folder that is not empty while its entries are pending delete). Retried, briefly.
    /// </summary>
    bool IsTransient(Exception e);

    // ---------------------------------------------------------------- durability (SPEC §10 rule 10)

    /// <summary>Writers leave syncing to one barrier per registry transaction (Linux syncfs).</summary>
    bool UseBarrier { get; }

    /// <summary>Makes the entries of <paramref name="folder"/> durable (a create or a rename in it); false where it can't.</summary>
    bool SyncDirectory(string folder);

    /// <summary>Flushes one file's data and metadata to the device; false when it can't.</summary>
    bool FlushFile(string path);

    /// <summary>The barrier of one batch: files written (after their rename) and the folders of the file systems written.</summary>
    bool Barrier(IReadOnlyCollection<string> files, IReadOnlyCollection<string> roots);

    /// <summary>Whether a folder exists (the question that costs an unreachable share its timeout).</summary>
    bool FolderExists(string path);

    /// <summary>realpath(3) of a path whose tail may not exist yet, or null (the caller walks the links itself).</summary>
    string? ResolveLinksFast(string path);

    /// <summary>The inode of a file (Linux statx), or null.</summary>
    ulong? InodeOf(string path);

    /// <summary>The kernel copies a file to another (Linux copy_file_range).</summary>
    bool CopiesInKernel { get; }

    // ---------------------------------------------------------------- processes

    /// <summary>This machine's name (what liveness records carry as their host).</summary>
    string HostName { get; }

    /// <summary>
    /// Who owns the process table this process lives in: the boot and (Linux) the pid namespace. Two records with the
    /// same host name but another kernel (WSL2 beside its Windows host, a container) never share pids. Null when unknown.
    /// </summary>
    string? KernelIdentity { get; }

    Util.IProcessTable Processes { get; }

    // ---------------------------------------------------------------- identity

    /// <summary>The OS user name (no domain).</summary>
    string UserName { get; }

    /// <summary>The Windows account domain ("CORP", or the computer name for a local account); null elsewhere.</summary>
    string? UserDomain { get; }

    /// <summary>The user's home folder.</summary>
    string Home { get; }

    /// <summary>
    /// Readable and writable by its owner only (mode 0600), and on Windows also by <paramref name="alsoGranted"/> (SIDs:
    /// SYSTEM and Administrators, so backups still read it). May throw.
    /// </summary>
    void RestrictToOwner(string path, IReadOnlyList<string> alsoGranted);

    /// <summary>
    /// Makes a file created with <paramref name="options"/> owner-only from its first byte (mode 0600 on Unix); false
    /// where that can't be said at creation (Windows: <see cref="RestrictToOwner"/> sets the ACL right after).
    /// </summary>
    bool CreateOwnerOnly(FileStreamOptions options);
}

/// <summary>
/// Picks the platform once (the only place besides the implementations that asks which OS runs), and lets a test
/// run a block of the core under another one (<see cref="Use"/>): the choice flows with the call (an
/// <see cref="AsyncLocal{T}"/>), so it holds for one context and its tasks and never leaks into another test.
/// </summary>
public static class LocalPlatform
{
    private static readonly ILocalPlatform Os = OperatingSystem.IsWindows()
        ? new Win32Platform()
        : new PosixPlatform(linux: OperatingSystem.IsLinux(), caseInsensitiveDefault: OperatingSystem.IsMacOS() || OperatingSystem.IsIOS());

    private static readonly AsyncLocal<ILocalPlatform?> Scoped = new();

    /// <summary>The platform of the running context.</summary>
    public static ILocalPlatform Current => Scoped.Value ?? Os;

    /// <summary>The platform of this OS (what <see cref="Current"/> is outside a test's scope).</summary>
    public static ILocalPlatform ThisOs => Os;

    /// <summary>Tests: the core runs under <paramref name="platform"/> in this flow until disposed.</summary>
    internal static IDisposable Use(ILocalPlatform platform)
    {
        var before = Scoped.Value;
        Scoped.Value = platform;
        return new Restore(() => Scoped.Value = before);
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        private Action? _restore = restore;
        public void Dispose() => Interlocked.Exchange(ref _restore, null)?.Invoke();
    }
}
