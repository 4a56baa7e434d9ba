using Lamin.Core.Roots;

namespace Lamin.Core.Util;

/// <summary>
/// The user handle (SPEC §11, issue 10 item 8): "DOMAIN\user" on Windows, so a local Administrator on
/// any machine is not the domain administrator who created an instance; the plain user name elsewhere.
/// LAMIN_USER still overrides it.
/// </summary>
public static class UserHandles
{
    /// <summary>The handle from the OS's answers (pure, for tests under Windows rules on any OS).</summary>
    public static string FromOs(string userName, string? domainName, bool isWindows) =>
        isWindows && !string.IsNullOrWhiteSpace(domainName) && !userName.Contains('\\')
            ? $"{domainName}\\{userName}"
            : userName;

    /// <summary>LAMIN_USER, else the OS user ("DOMAIN\user" on Windows).</summary>
    public static string Current() =>
        Environment.GetEnvironmentVariable("LAMIN_USER") is { Length: > 0 } u && u.Trim().Length > 0
            ? u.Trim()
            : FromPlatform(LocalPlatform.Current);

    /// <summary>The handle of the user <paramref name="platform"/> runs as.</summary>
    public static string FromPlatform(ILocalPlatform platform) => FromOs(platform.UserName, platform.UserDomain, platform.IsWindows);

    /// <summary>Whether two handles are one user: case-insensitive, and a handle with a domain never equals one without.</summary>
    public static bool Same(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Settings and LiteDB registry files readable by their owner only (SPEC §11): mode 0600 on Unix, an
/// owner-only ACL on Windows (through <see cref="IWindowsPathSystem"/>). Artifacts are never passed here:
/// they keep the location's permissions so teammates can read them. Never throws for an I/O refusal.
/// </summary>
public static class OwnerOnlyFiles
{
    public static void Restrict(string path, IWindowsPathSystem? windows = null)
    {
        try
        {
            if (windows is not null) windows.RestrictToOwner(path);
            else LocalPlatform.Current.RestrictToOwner(path);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        catch (System.Security.SecurityException) { }
        catch (InvalidOperationException) { } // an ACL the file system can't hold (FAT, some SMB shares): the file stays as created
        catch (PlatformNotSupportedException) { }
    }
}
