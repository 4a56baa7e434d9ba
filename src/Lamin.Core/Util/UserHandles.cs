
namespace Lamin.Core.Util;

/// <summary>
/// The user handle (SPEC §11, issue 10 item 8; one form since issue 27): "DOMAIN\user" for a domain account on
/// Windows, so a local Administrator on any machine is not the domain administrator who created an instance; the
/// plain user name for a local account, on Windows as on Linux and macOS, so a registry moved between systems (or
/// opened from WSL) keeps its admin. Handles recorded before in the form "COMPUTER\user" of a local account still
/// match the plain name on that computer (and in WSL beside it, which has its name). LAMIN_USER still overrides it.
/// </summary>
public static class UserHandles
{
    /// <summary>The handle from the OS's answers (pure, for tests under Windows rules on any OS).</summary>
    public static string FromOs(string userName, string? domainName, bool isWindows) =>
        isWindows && !string.IsNullOrWhiteSpace(domainName) && !userName.Contains('\\')
            ? $"{domainName}\\{userName}"
            : userName;

    /// <summary>LAMIN_USER, else the OS user ("DOMAIN\user" for a Windows domain account, the user name otherwise).</summary>
    public static string Current() =>
        Environment.GetEnvironmentVariable("LAMIN_USER") is { Length: > 0 } u && u.Trim().Length > 0
            ? u.Trim()
            : FromPlatform(LocalPlatform.Current);

    /// <summary>The handle of the user <paramref name="platform"/> runs as.</summary>
    public static string FromPlatform(ILocalPlatform platform) =>
        string.Equals(platform.UserDomain, platform.HostName, StringComparison.OrdinalIgnoreCase)
            ? platform.UserName // a local account: its "domain" is this computer
            : FromOs(platform.UserName, platform.UserDomain, platform.IsWindows);

    /// <summary>
    /// Whether two handles are one user: case-insensitive, and a handle with a domain never equals one without, except
    /// "THIS-COMPUTER\user" (a local account as handles were recorded before issue 27) and "user".
    /// </summary>
    public static bool Same(string? a, string? b) =>
        string.Equals(a, b, StringComparison.OrdinalIgnoreCase)
        || a is not null && b is not null && string.Equals(Normal(a), Normal(b), StringComparison.OrdinalIgnoreCase);

    /// <summary>"THIS-COMPUTER\user" as "user"; anything else as it is.</summary>
    private static string Normal(string handle)
    {
        int slash = handle.IndexOf('\\');
        return slash > 0 && string.Equals(handle[..slash], LocalPlatform.Current.HostName, StringComparison.OrdinalIgnoreCase) ? handle[(slash + 1)..] : handle;
    }
}

/// <summary>
/// Settings and LiteDB registry files readable by their owner only (SPEC §11): mode 0600 on Unix, an
/// owner-only ACL on Windows (through <see cref="IWindowsPathSystem"/>). Artifacts are never passed here:
/// they keep the location's permissions so teammates can read them. Never throws for an I/O refusal.
/// </summary>
public static class OwnerOnlyFiles
{
    /// <summary>NT AUTHORITY\SYSTEM (backup agents, the volume shadow copy service run as it).</summary>
    public const string LocalSystemSid = "S-1-5-18";

    /// <summary>BUILTIN\Administrators.</summary>
    public const string AdministratorsSid = "S-1-5-32-544";

    /// <summary>
    /// Who besides the owner may read and write an owner-only file on Windows: SYSTEM and Administrators, as on a
    /// user's own profile folder (issue 27: an ACL of the owner alone made backup agents skip the registry).
    /// </summary>
    public static IReadOnlyList<string> WindowsAlsoGranted { get; } = [LocalSystemSid, AdministratorsSid];

    public static void Restrict(string path, IWindowsPathSystem? windows = null)
    {
        try
        {
            if (windows is not null) windows.RestrictToOwner(path);
            else LocalPlatform.Current.RestrictToOwner(path, LocalPlatform.Current.IsWindows ? WindowsAlsoGranted : []);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        catch (System.Security.SecurityException) { }
        catch (InvalidOperationException) { } // an ACL the file system can't hold (FAT, some SMB shares): the file stays as created
        catch (PlatformNotSupportedException) { }
    }
}
