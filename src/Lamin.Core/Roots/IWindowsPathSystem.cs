using System.Runtime.InteropServices;

namespace Lamin.Core.Roots;

/// <summary>
/// What only Windows itself can answer about a path (SPEC §11): long names and case on disk (8.3 short
/// names expanded), the UNC target of a mapped drive, the per-drive current location, sharing
/// violations and owner-only ACLs. The path rules (<see cref="WindowsPaths"/>) take it as an input, so
/// tests drive them with a fake on every OS. <see cref="Win32PathSystem"/> is the real one; it runs only
/// on Windows and is unverified until run there.
/// </summary>
public interface IWindowsPathSystem
{
    /// <summary>
    /// The long form of an existing path: every 8.3 short name expanded and every segment in its case on
    /// disk ("C:\PROGRA~1\lab" → "C:\Program Files\Lab"). Null when the path does not exist.
    /// </summary>
    string? GetLongPathName(string path);

    /// <summary>The UNC root a mapped network drive letter stands for ('Z' → "\\server\share"); null when it is not one.</summary>
    string? GetMappedDriveTarget(char driveLetter);

    /// <summary>
    /// The current location on another drive ("C:lab" resolves against it); null when there is none (the drive root is
    /// used). May refuse (InvalidRoot) when it can't be known.
    /// </summary>
    string? GetDriveCurrentDirectory(char driveLetter);

    /// <summary>True for an error another process causes for a moment (sharing or lock violation: antivirus, indexer, backup).</summary>
    bool IsSharingViolation(Exception e);

    /// <summary>Makes a settings or registry file readable and writable by its owner only (an owner-only ACL, as 0600 on Unix).</summary>
    void RestrictToOwner(string path);

    /// <summary>A canonical root with its symbolic links and junctions followed (a double that has none: as it is).</summary>
    string ResolveLinks(string canonical) => canonical;
}

/// <summary>
/// The real <see cref="IWindowsPathSystem"/>: Win32 calls. Every member throws
/// <see cref="PlatformNotSupportedException"/> off Windows, except <see cref="IsSharingViolation"/>
/// (it only reads the error code). Not verified on Windows yet (no Windows machine was available).
/// </summary>
public sealed class Win32PathSystem : IWindowsPathSystem
{
    public static Win32PathSystem Instance { get; } = new();

    private const int ErrorSharingViolation = 32;
    private const int ErrorLockViolation = 33;
    private const int ErrorAccessDenied = 5;

    public string? GetLongPathName(string path)
    {
        RequireWindows();
        // .NET's enumeration matches long names only (never an 8.3 name), so the short names are expanded first
        // by GetLongPathNameW; walking the segments then gives the case on disk. The root ("C:", "\\server\share")
        // stays as typed: Win32 does not canonicalise a server's or share's case.
        var buffer = new char[32768];
        int n = NativeMethods.GetLongPathNameW(path, buffer, buffer.Length);
        if (n > 0 && n < buffer.Length) path = new string(buffer, 0, n);
        var root = Path.GetPathRoot(path);
        if (string.IsNullOrEmpty(root) || !Directory.Exists(root)) return null;
        var current = root;
        foreach (var segment in path[root.Length..].Split(['\\', '/'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment.IndexOfAny(['*', '?']) >= 0) return null;
            var found = new DirectoryInfo(current).EnumerateFileSystemInfos(segment).FirstOrDefault();
            if (found is null) return null;
            current = Path.Combine(current, found.Name);
        }
        return current;
    }

    public string? GetMappedDriveTarget(char driveLetter)
    {
        RequireWindows();
        var buffer = new char[1024];
        int length = buffer.Length;
        int rc = NativeMethods.WNetGetConnectionW($"{char.ToUpperInvariant(driveLetter)}:", buffer, ref length);
        if (rc != 0) return null;
        int end = Array.IndexOf(buffer, '\0');
        return new string(buffer, 0, end < 0 ? buffer.Length : end);
    }

    /// <summary>
    /// Refused: PowerShell keeps its own location per drive and sets no "=C:" variable (cmd.exe's), so the process
    /// can't know it, and the drive's root would be a guess (issue 27). The location on the current drive is the one
    /// PowerShell passes in (<see cref="WindowsPaths.Canonicalize"/> resolves "C:lab" against it without asking here).
    /// </summary>
    public string? GetDriveCurrentDirectory(char driveLetter) => throw WindowsPaths.DriveLocationUnknown(driveLetter);

    public string ResolveLinks(string canonical) => LocalPaths.TrimTrailingSeparator(LocalPaths.ResolveLinks(canonical));

    public bool IsSharingViolation(Exception e) =>
        e is IOException && (e.HResult & 0xFFFF) is ErrorSharingViolation or ErrorLockViolation;

    public void RestrictToOwner(string path) => Restrict(path, Util.OwnerOnlyFiles.WindowsAlsoGranted);

    /// <summary>An ACL of its own (inheritance cut): full control for the owner and for each SID of <paramref name="alsoGranted"/>.</summary>
    public void Restrict(string path, IReadOnlyList<string> alsoGranted)
    {
        RequireWindows();
#pragma warning disable CA1416 // guarded by RequireWindows
        var owner = System.Security.Principal.WindowsIdentity.GetCurrent().User!;
        var security = new System.Security.AccessControl.FileSecurity();
        security.SetOwner(owner);
        security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
        foreach (var sid in alsoGranted.Select(s => new System.Security.Principal.SecurityIdentifier(s)).Prepend(owner).Distinct())
            security.AddAccessRule(new System.Security.AccessControl.FileSystemAccessRule(sid,
                System.Security.AccessControl.FileSystemRights.FullControl, System.Security.AccessControl.AccessControlType.Allow));
        new FileInfo(path).SetAccessControl(security);
#pragma warning restore CA1416
    }

    /// <summary>Access denied that Windows reports while a file is pending delete or scanned (retry briefly).</summary>
    public static bool IsTransientAccessDenied(Exception e) =>
        e is UnauthorizedAccessException || (e is IOException && (e.HResult & 0xFFFF) == ErrorAccessDenied);

    private static void RequireWindows()
    {
        if (!OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("Win32PathSystem answers only on Windows; tests use a fake IWindowsPathSystem.");
    }

    private static class NativeMethods
    {
        [DllImport("mpr.dll", CharSet = CharSet.Unicode)]
        public static extern int WNetGetConnectionW(string localName, [Out] char[] remoteName, ref int length);

        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        public static extern int GetLongPathNameW(string shortPath, [Out] char[] longPath, int length);
    }
}
