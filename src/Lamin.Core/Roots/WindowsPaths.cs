
namespace Lamin.Core.Roots;

/// <summary>
/// One canonical form for a Windows root (SPEC §11), as pure string functions that run on every OS:
/// drive-relative roots ("\lab", "C:lab") resolved against the current location, "\\?\" and "\\.\"
/// prefixes removed, "/" turned into "\", "." and ".." taken lexically (as Win32 does), trailing dots
/// and spaces dropped (as Win32 does), the drive letter upper-cased, a mapped drive replaced by its
/// UNC share, the server name lower-cased, and 8.3 short names and the typed case below the root replaced by the names on disk. What needs the OS
/// comes from an <see cref="IWindowsPathSystem"/> (null: the pure part only).
/// Canonical forms: "C:\", "C:\a\b", "\\server\share", "\\server\share\a".
/// </summary>
public static class WindowsPaths
{
    /// <summary>
    /// The canonical form of a local Windows root typed by a user (a path or a file:// URI).
    /// <paramref name="currentDirectory"/> is PowerShell's current location (a full Windows path).
    /// </summary>
    public static string Canonicalize(string root, string currentDirectory, IWindowsPathSystem? system = null)
    {
        if (string.IsNullOrWhiteSpace(root)) throw Invalid(root, "it is empty");
        var s = root; // as given (SPEC §10 rule 16): a leading space is part of a Windows name; trailing ones Win32 drops (Normalize)
        if (FileUris.IsFileUri(s)) s = FileUris.ToWindowsPath(s);
        s = StripPrefix(s.Replace('/', '\\'));
        if (s.Any(char.IsControl)) throw Invalid(root, "it contains control characters");

        string prefix; // "C:" or "\\server\share"
        string rest;
        if (s.StartsWith(@"\\", StringComparison.Ordinal))
        {
            (prefix, rest) = SplitUnc(s, root);
        }
        else if (IsDriveLetter(s))
        {
            var drive = char.ToUpperInvariant(s[0]);
            if (s.Length >= 3 && s[2] == '\\') { prefix = $"{drive}:"; rest = s[2..]; }
            else
            {
                // "C:lab": relative to the current location on drive C.
                var baseDir = CurrentOnDrive(drive, currentDirectory, system);
                var (p, r) = SplitAbsolute(baseDir, root);
                prefix = p;
                rest = r + "\\" + s[2..];
            }
        }
        else
        {
            var (p, r) = SplitAbsolute(currentDirectory, root);
            prefix = p;
            // "\lab": the root of the current location's drive (or share); "lab": below the current location.
            rest = s.StartsWith('\\') ? s : r + "\\" + s;
        }

        var segments = Normalize(rest);
        if (prefix.Length == 2 && system?.GetMappedDriveTarget(prefix[0]) is { Length: > 0 } unc)
        {
            var (uncPrefix, uncRest) = SplitUnc(StripPrefix(unc.Replace('/', '\\')).TrimEnd('\\'), unc);
            prefix = uncPrefix;
            segments = Normalize(uncRest).Concat(segments).ToList();
        }
        var path = Join(prefix, segments);
        return system is null ? path : OnDisk(path, prefix, segments, system);
    }

    /// <summary>True for roots Windows resolves against a current location: "\lab", "C:lab", "C:", "lab".</summary>
    public static bool IsDriveRelative(string path)
    {
        var s = path.Replace('/', '\\');
        if (s.StartsWith(@"\\", StringComparison.Ordinal)) return false;
        if (IsDriveLetter(s)) return !(s.Length >= 3 && s[2] == '\\');
        return true;
    }

    /// <summary>Removes "\\?\", "\\?\UNC\", "\\.\", "\\.\UNC\" and "\??\" (the forms that skip Win32 normalization).</summary>
    public static string StripPrefix(string path)
    {
        foreach (var p in new[] { @"\\?\UNC\", @"\\.\UNC\" })
            if (path.StartsWith(p, StringComparison.OrdinalIgnoreCase)) return @"\\" + path[p.Length..];
        foreach (var p in new[] { @"\\?\", @"\\.\", @"\??\" })
            if (path.StartsWith(p, StringComparison.Ordinal)) return path[p.Length..];
        return path;
    }

    private static bool IsDriveLetter(string s) => s.Length >= 2 && s[1] == ':' && char.IsAsciiLetter(s[0]);

    private static string CurrentOnDrive(char drive, string currentDirectory, IWindowsPathSystem? system)
    {
        var cwd = StripPrefix(currentDirectory.Replace('/', '\\'));
        if (IsDriveLetter(cwd) && char.ToUpperInvariant(cwd[0]) == drive) return cwd;
        return system?.GetDriveCurrentDirectory(drive) is { Length: > 0 } d ? d : $"{drive}:\\";
    }

    /// <summary>Splits an absolute path (the current location) into its prefix and the rest.</summary>
    private static (string Prefix, string Tail) SplitAbsolute(string absolute, string typed)
    {
        var s = StripPrefix(absolute.Replace('/', '\\'));
        if (s.StartsWith(@"\\", StringComparison.Ordinal)) return SplitUnc(s, typed);
        if (IsDriveLetter(s) && (s.Length == 2 || s[2] == '\\')) return ($"{char.ToUpperInvariant(s[0])}:", s[2..]);
        throw Invalid(typed, $"the current location '{absolute}' is not a Windows path to resolve it against");
    }

    private static (string Prefix, string Tail) SplitUnc(string s, string typed)
    {
        var parts = s[2..].Split('\\');
        if (parts.Length < 2 || parts[0].Length == 0 || parts[1].Length == 0)
            throw Invalid(typed, @"a UNC root needs a server and a share: \\server\share[\folder]");
        // A server name is a DNS or NetBIOS name, which ignore case: lower-cased, so "\\NAS\x" and "\\nas\x" are one root
        // (Win32 itself keeps it as typed). The share's case is kept as typed: Win32 has no "case on disk" for it.
        var server = parts[0].ToLowerInvariant();
        var share = parts[1].TrimEnd('.', ' ');
        if (server is "." or "?" || share.Length == 0) throw Invalid(typed, @"a UNC root needs a server and a share: \\server\share[\folder]");
        return ($@"\\{server}\{share}", "\\" + string.Join('\\', parts[2..]));
    }

    /// <summary>Segments after "." / ".." (lexical, never above the prefix) and Win32's trailing dot/space trimming.</summary>
    private static List<string> Normalize(string rest)
    {
        var result = new List<string>();
        foreach (var raw in rest.Split('\\', StringSplitOptions.RemoveEmptyEntries))
        {
            if (raw == ".") continue;
            if (raw == "..") { if (result.Count > 0) result.RemoveAt(result.Count - 1); continue; }
            var seg = raw.TrimEnd('.', ' ');
            if (seg.Length == 0) continue; // "...", " ." name nothing on Win32
            result.Add(seg);
        }
        return result;
    }

    private static string Join(string prefix, IReadOnlyList<string> segments) =>
        segments.Count == 0
            ? (prefix.Length == 2 ? prefix + "\\" : prefix)
            : prefix + "\\" + string.Join('\\', segments);

    /// <summary>The longest existing part in its long names and case on disk, the rest as typed.</summary>
    private static string OnDisk(string path, string prefix, List<string> segments, IWindowsPathSystem system)
    {
        for (int n = segments.Count; n >= 0; n--)
        {
            var head = Join(prefix, segments.Take(n).ToList());
            if (system.GetLongPathName(head) is not { Length: > 0 } longHead) continue;
            longHead = StripPrefix(longHead);
            if (n == segments.Count) return TrimEnd(longHead);
            return TrimEnd(longHead) + "\\" + string.Join('\\', segments.Skip(n));
        }
        return path;
    }

    private static string TrimEnd(string p)
    {
        while (p.EndsWith('\\') && !(p.Length == 3 && p[1] == ':')) p = p[..^1];
        return p;
    }

    /// <summary>The refusal of a root relative to another drive than the current location's, whose location there is not known.</summary>
    public static LaminException DriveLocationUnknown(char driveLetter)
    {
        var d = char.ToUpperInvariant(driveLetter);
        return new LaminException(ErrorIds.InvalidRoot,
            $"A root relative to drive {d}: (such as '{d}:lab') names a folder below the current location on that drive, which PowerShell keeps " +
            $"to itself. Pass the full path instead, such as {d}:\\lab or {d}:\\<folder>\\lab, or Set-Location to drive {d}: first.", $"{d}:");
    }

    private static LaminException Invalid(string? root, string why) =>
        new(ErrorIds.InvalidRoot, $"The root '{root}' can't be used: {why}.", root);
}

/// <summary>
/// file:// roots read as URIs (SPEC §11), not by slicing: percent-escapes decoded, "localhost" or no
/// host is this machine, another host is a UNC server (Windows) and refused on Linux and macOS.
/// </summary>
public static class FileUris
{
    public static bool IsFileUri(string s) => s.StartsWith("file:", StringComparison.OrdinalIgnoreCase);

    /// <summary>"file:///C:/a%20b" → "C:\a b"; "file://server/share/x" → "\\server\share\x"; "file://localhost/C:/x" → "C:\x".</summary>
    public static string ToWindowsPath(string uri)
    {
        var (host, path) = Split(uri);
        path = path.Replace('/', '\\');
        if (host is not null) return @"\\" + host + (path.StartsWith('\\') ? path : "\\" + path);
        // "/C:/x" → "C:\x"; "/x" stays rooted (drive-relative, resolved by the caller).
        if (path.Length >= 3 && path[0] == '\\' && char.IsAsciiLetter(path[1]) && path[2] is ':' or '|')
            path = path[1] + ":" + path[3..];
        return path;
    }

    /// <summary>"file:///data/a%20b" → "/data/a b"; "file://localhost/x" → "/x"; another host → InvalidRoot.</summary>
    public static string ToPosixPath(string uri)
    {
        var (host, path) = Split(uri);
        if (host is not null)
            throw new LaminException(ErrorIds.InvalidRoot,
                $"The root '{uri}' names the host '{host}'; on this system mount the share and pass the mounted folder.", uri);
        if (path.Length == 0)
            throw new LaminException(ErrorIds.InvalidRoot, $"The root '{uri}' names no folder; pass file:///<absolute path>.", uri);
        return path;
    }

    /// <summary>(host or null for this machine, decoded path).</summary>
    private static (string? Host, string Path) Split(string uri)
    {
        if (!IsFileUri(uri)) throw new ArgumentException("Not a file: URI.", nameof(uri));
        var rest = uri[5..];
        string? host = null;
        if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            rest = rest[2..];
            int slash = rest.IndexOf('/');
            var authority = slash < 0 ? rest : rest[..slash];
            rest = slash < 0 ? "" : rest[slash..];
            // "file://C:/x" (a common mistake for file:///C:/x): the drive is the path.
            if (authority.Length == 2 && authority[1] is ':' or '|' && char.IsAsciiLetter(authority[0]))
                rest = "/" + authority + rest;
            else if (authority.Length > 0 && !authority.Equals("localhost", StringComparison.OrdinalIgnoreCase))
                host = Uri.UnescapeDataString(authority);
        }
        int q = rest.IndexOfAny(['?', '#']);
        if (q >= 0) rest = rest[..q];
        var decoded = Uri.UnescapeDataString(rest);
        if (decoded.Any(char.IsControl))
            throw new LaminException(ErrorIds.InvalidRoot, $"The root '{uri}' decodes to a path with control characters.", uri);
        return (host, decoded);
    }
}
