namespace Lamin.Core.Roots;

/// <summary>The one place that turns a user's local path into an absolute, symlink-resolved path.</summary>
public static class LocalPaths
{
    public static string Home =>
        Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } h && !OperatingSystem.IsWindows()
            ? h
            : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    public static string ExpandHome(string path)
    {
        if (path == "~") return Home;
        if (path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal))
            return Path.Combine(Home, path[2..]);
        return path;
    }

    /// <summary>Absolute (against <paramref name="currentDirectory"/>), symlinks resolved, no trailing separator.</summary>
    public static string Resolve(string path, string currentDirectory)
    {
        var expanded = ExpandHome(path);
        var full = Path.GetFullPath(expanded, currentDirectory);
        return TrimTrailingSeparator(ResolveLinks(full));
    }

    public static string TrimTrailingSeparator(string p)
    {
        var root = Path.GetPathRoot(p) ?? "";
        while (p.Length > root.Length && (p.EndsWith('/') || p.EndsWith('\\'))) p = p[..^1];
        return p;
    }

    /// <summary>Resolves every symlink along an absolute path; the part that does not exist yet is appended as it is.</summary>
    public static string ResolveLinks(string full)
    {
        for (int hops = 0; hops < 64; hops++)
        {
            var root = Path.GetPathRoot(full)!;
            var parts = full[root.Length..].Split(['/', '\\'], StringSplitOptions.RemoveEmptyEntries);
            var current = root;
            string? restart = null;
            for (int i = 0; i < parts.Length; i++)
            {
                var next = Path.Combine(current, parts[i]);
                FileSystemInfo info = new FileInfo(next);
                if (!info.Exists && !Directory.Exists(next) && info.LinkTarget is null)
                    return Path.Combine([next, .. parts[(i + 1)..]]);
                if (info.LinkTarget is { } target)
                {
                    var abs = Path.GetFullPath(target, current);
                    restart = Path.GetFullPath(Path.Combine([abs, .. parts[(i + 1)..]]));
                    break;
                }
                current = next;
            }
            if (restart is null) return current;
            full = restart;
        }
        throw new IOException($"Too many levels of symbolic links in '{full}'.");
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="root"/> or below it (both already resolved).</summary>
    public static bool IsUnder(string path, string root)
    {
        var cmp = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (string.Equals(path, root, cmp)) return true;
        var withSep = root.EndsWith('/') || root.EndsWith('\\') ? root : root + Path.DirectorySeparatorChar;
        return path.StartsWith(withSep, cmp) || (Path.DirectorySeparatorChar == '\\' && path.StartsWith(root + "/", cmp));
    }
}
