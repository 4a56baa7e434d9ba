using System.Runtime.InteropServices;

namespace Lamin.Core.Roots;

/// <summary>
/// Windows: MoveFileEx and DeleteFile meet other processes' sharing modes (antivirus, indexer, OneDrive, a pwsh
/// reading a settings file), and NTFS answers access denied or "not empty" for a moment while a name is pending
/// delete: those refusals are retried. Not verified on Windows yet (no Windows machine was available); every
/// branch runs under the Windows-like double of the tests.
/// </summary>
public sealed class Win32Platform : SystemPlatform, ILocalPlatform
{
    public string Name => "windows";
    public bool IsWindows => true;
    public IWindowsPathSystem? WindowsPaths => Win32PathSystem.Instance;
    public FileSystemRules DefaultRules => FileSystemRules.Windows;
    public StringComparison PathComparison => StringComparison.OrdinalIgnoreCase;


    public void CheckOpenable(string path, FileAccess access, FileShare share)
    {
        try { using var _ = new FileStream(path, FileMode.Open, access, share, 1); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { }
    }

    public bool IsTransient(Exception e) => Storage.SharingRules.IsTransient(e, isWindows: true);

    /// <summary>Each file and folder is flushed as it is written (there is no syncfs).</summary>
    public bool UseBarrier => false;

    /// <summary>FlushFileBuffers on a handle of the folder (NTFS commits its journal: the renames in it are durable).</summary>
    public bool SyncDirectory(string folder)
    {
        if (!OperatingSystem.IsWindows() || !Directory.Exists(folder)) return false;
        const uint GenericWrite = 0x40000000, ShareAll = 0x7, OpenExisting = 3, BackupSemantics = 0x02000000;
        using var handle = NativeMethods.CreateFileW(folder, GenericWrite, ShareAll, 0, OpenExisting, BackupSemantics, 0);
        return !handle.IsInvalid && NativeMethods.FlushFileBuffers(handle);
    }

    /// <summary>FlushFileBuffers on each file written.</summary>
    public bool Barrier(IReadOnlyCollection<string> files, IReadOnlyCollection<string> roots)
    {
        bool ok = true;
        foreach (var f in files) ok &= FlushFile(f);
        return ok;
    }

    public string? ResolveLinksFast(string path) => null;
    public ulong? InodeOf(string path) => null;
    public bool CopiesInKernel => false;

    /// <summary>"windows:" and the boot counter Windows keeps (a new number each boot); null when it can't be read.</summary>
    public string? KernelIdentity => _kernel.Value;

    private readonly Lazy<string?> _kernel = new(() =>
    {
        if (!OperatingSystem.IsWindows()) return null;
        try
        {
            using var key = Microsoft.Win32.Registry.LocalMachine.OpenSubKey(@"SYSTEM\CurrentControlSet\Control\Session Manager\Memory Management\PrefetchParameters");
            return key?.GetValue("BootId") is int boot ? $"windows:{boot}" : null;
        }
        catch (Exception e) when (e is System.Security.SecurityException or UnauthorizedAccessException or IOException) { return null; }
    });

    public string? UserDomain => Environment.UserDomainName;
    public string Home => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    public void RestrictToOwner(string path, IReadOnlyList<string> alsoGranted) => Win32PathSystem.Instance.Restrict(path, alsoGranted);

    public bool CreateOwnerOnly(FileStreamOptions options) => false;

    private static class NativeMethods
    {
        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        public static extern Microsoft.Win32.SafeHandles.SafeFileHandle CreateFileW(string name, uint access, uint share, nint security, uint disposition, uint flags, nint template);

        [DllImport("kernel32.dll", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        public static extern bool FlushFileBuffers(Microsoft.Win32.SafeHandles.SafeFileHandle handle);
    }
}
