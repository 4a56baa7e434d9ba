using System.Collections.Concurrent;

namespace Lamin.Core.Roots;

/// <summary>
/// The <see cref="FileSystemRules"/> of one storage location (SPEC §11: chosen per location): S3 and GCS
/// keys are case-sensitive and store any character (<see cref="FileSystemRules.Posix"/>); a local root
/// is probed once per process (in its .lamindb/ folder when there is one, so nothing appears beside the
/// user's files), falling back to the OS's rules when it can't be written (that answer is not kept, so
/// a folder created later is probed then). The services ask here, and only here, which rules apply;
/// tests pick the rules of a root explicitly with <see cref="Assume"/>.
/// </summary>
public static class LocationRules
{
    // Keyed by roots, compared as the platform compares paths ("C:\Lab" and "c:\lab" are one root on Windows).
    private static readonly PathKeyed<FileSystemRules> Cache = new();
    private static readonly PathKeyed<FileSystemRules> Assumed = new();

    public static FileSystemRules For(StorageRoot root) => root.IsLocal ? ForLocal(root.Root) : FileSystemRules.Posix;

    /// <summary>The rules of a registered location by its type and root (as the registry stores them).</summary>
    public static FileSystemRules For(string type, string root) => type == "local" ? ForLocal(root) : FileSystemRules.Posix;

    public static FileSystemRules ForLocal(string localRoot)
    {
        if (Assumed.Current.TryGetValue(localRoot, out var assumed)) return assumed;
        var cache = Cache.Current;
        if (cache.TryGetValue(localRoot, out var known)) return known;
        // Within a command (ProbeMemo), every answer is kept, a missing or unreachable root's too (issue 27).
        return ProbeMemo.Current is { } memo ? memo.Rules.GetOrAdd(localRoot, r => Probe(r, cache)) : Probe(localRoot, cache);
    }

    private static FileSystemRules Probe(string localRoot, System.Collections.Concurrent.ConcurrentDictionary<string, FileSystemRules> cache)
    {
        var platform = LocalPlatform.Current;
        var managed = Path.Combine(localRoot, Marker.ManagedFolder);
        if (!platform.FolderExists(localRoot))
        {
            // A destination not created yet: its nearest existing folder answers, for now (not kept).
            var parent = Path.GetDirectoryName(localRoot);
            while (parent is not null && !platform.FolderExists(parent)) parent = Path.GetDirectoryName(parent);
            return parent is not null && FileSystemProbe.IsCaseInsensitive(parent) is { } parentInsensitive
                ? FileSystemProbe.Choose(platform.IsWindows, parentInsensitive)
                : FileSystemRules.ForCurrentOs();
        }
        var folder = Directory.Exists(managed) ? managed : localRoot;
        if (FileSystemProbe.IsCaseInsensitive(folder) is not { } insensitive) return FileSystemRules.ForCurrentOs();
        return cache.GetOrAdd(localRoot, FileSystemProbe.Choose(platform.IsWindows, insensitive));
    }

    /// <summary>
    /// Treats the local root <paramref name="localRoot"/> as a file system with <paramref name="rules"/> until disposed: how tests run the
    /// services under the Windows rules on Linux (SPEC §11). Other roots are not affected.
    /// </summary>
    public static IDisposable Assume(string localRoot, FileSystemRules rules)
    {
        var assumed = Assumed.Current;
        assumed[localRoot] = rules;
        return new Undo(() => assumed.TryRemove(localRoot, out _));
    }

    /// <summary>
    /// True when <paramref name="path"/> is the local root <paramref name="localRoot"/> or below it, compared as
    /// the root's file system compares names (case-insensitive on NTFS and macOS). Only roots the path starts
    /// with in some letter case are probed.
    /// </summary>
    public static bool Contains(string localRoot, string path)
    {
        var trimmed = localRoot.TrimEnd('/', '\\');
        if (!path.StartsWith(trimmed, StringComparison.OrdinalIgnoreCase)) return false;
        return ForLocal(localRoot).IsUnder(path, localRoot);
    }

    /// <summary>
    /// <paramref name="path"/> (absolute) with every existing segment below the deepest of <paramref name="localRoots"/>
    /// that contains it in its case on disk, when that root's file system ignores case (SPEC §11: in-place keys
    /// are stored in their on-disk case, so "raw\x.csv" and "Raw\x.csv" are one key for one file); the root part
    /// as registered. Unchanged below a case-sensitive root or outside every root.
    /// </summary>
    public static string InCaseOnDisk(string path, IEnumerable<string> localRoots)
    {
        var root = localRoots.Where(r => Contains(r, path)).OrderByDescending(r => r.Length).FirstOrDefault();
        if (root is null) return path;
        var rules = ForLocal(root);
        if (rules.CaseSensitive || rules.RelativeKey(path, root) is not { Length: > 0 } rel) return path;
        var segments = rel.Split('/');
        var current = root;
        for (int i = 0; i < segments.Length; i++)
        {
            if (NameOnDisk(current, segments[i], rules) is not { } name)
                return segments[i..].Aggregate(current, Path.Combine);
            current = Path.Combine(current, name);
        }
        return current;
    }

    /// <summary>The name of the entry of <paramref name="folder"/> that <paramref name="segment"/> opens under <paramref name="rules"/> (the exact one first), or null.</summary>
    internal static string? NameOnDisk(string folder, string segment, FileSystemRules rules)
    {
        bool wildcard = segment.IndexOfAny(['*', '?']) >= 0;
        var options = new EnumerationOptions
        {
            MatchCasing = MatchCasing.CaseInsensitive, MatchType = MatchType.Simple, AttributesToSkip = 0, IgnoreInaccessible = true,
        };
        string? found = null;
        try
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(folder, wildcard ? "*" : segment, options))
            {
                var name = Path.GetFileName(entry);
                if (name == segment) return name;
                if (found is null && rules.Equals(name, segment)) found = name;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { }
        return found;
    }

    /// <summary>
    /// SPEC §11 portability: refuses (KeyNotPortable) a key the file system of <paramref name="destination"/>
    /// cannot store as it is ('&lt; &gt; : " | ? *', a trailing dot or space, a device name on Windows), before
    /// anything is copied. <paramref name="what"/> says where the key comes from ("the key", "the member").
    /// </summary>
    public static void RequirePortable(StorageRoot destination, string key, string what = "The key") =>
        RequirePortable(For(destination), destination.PathPart, key, what);

    public static void RequirePortable(FileSystemRules rules, string where, string key, string what = "The key")
    {
        if (rules.CheckPortableKey(key) is not { } why) return;
        throw new LaminException(ErrorIds.KeyNotPortable,
            $"{what} '{key}' can't be stored in {where} ({rules.Name} file system): {why}. Nothing was copied. " +
            "Use a key without that name, or a destination whose file system can store it (S3, GCS, a Linux folder).", key);
    }

    /// <summary>
    /// SPEC §11 (§10 rule 11): refuses (KeyCollision) keys that the file system of <paramref name="destination"/>
    /// cannot tell apart ("Data/x.csv" and "data/x.csv" on NTFS or macOS), which would become one file there.
    /// </summary>
    public static void RequireDistinct(StorageRoot destination, IEnumerable<string> keys) =>
        RequireDistinct(For(destination), destination.PathPart, keys);

    public static void RequireDistinct(FileSystemRules rules, string where, IEnumerable<string> keys)
    {
        var groups = rules.FindCollisions(keys);
        if (groups.Count == 0) return;
        var shown = string.Join("; ", groups.Take(5).Select(g => string.Join(", ", g.Select(k => $"'{k}'"))))
                    + (groups.Count > 5 ? $"; and {groups.Count - 5} more group(s)" : "");
        throw new LaminException(ErrorIds.KeyCollision,
            $"{groups.Count} group(s) of keys would be one file in {where}, whose file system ({rules.Name}) does not tell them apart: {shown}. " +
            "Nothing was copied. Choose a destination whose file system keeps them apart (S3, GCS or a case-sensitive folder), or keep only one of each group there.",
            groups[0][0]);
    }

    /// <summary>
    /// Both checks of a write of many keys into <paramref name="destination"/> (a relocation, a folder's members):
    /// every key storable there (KeyNotPortable), no two keys one file there (KeyCollision).
    /// </summary>
    public static void RequireStorable(StorageRoot destination, IEnumerable<string> keys, string what = "The key")
    {
        var rules = For(destination);
        var list = keys.Distinct(StringComparer.Ordinal).ToList();
        foreach (var key in list) RequirePortable(rules, destination.PathPart, key, what);
        RequireDistinct(rules, destination.PathPart, list);
    }

    /// <summary>
    /// The checks of one new artifact written into <paramref name="target"/> (Add-LaminArtifact with a copy): its real
    /// key, when it has one, and its folder's member paths (relative, either separator) each storable there, no two
    /// members one file there.
    /// </summary>
    public static void RequireWritable(StorageRoot target, string? realKey, IEnumerable<string> memberPaths)
    {
        var rules = For(target);
        if (realKey is not null) RequirePortable(rules, target.PathPart, realKey);
        var members = memberPaths.Select(m => m.Replace('\\', '/')).ToList();
        foreach (var m in members) RequirePortable(rules, target.PathPart, m, "The member");
        RequireDistinct(rules, target.PathPart, members);
    }

    /// <summary>
    /// The checks of Save-LaminArtifact to the local path <paramref name="target"/>: its file name, and the member paths
    /// of a folder (null for a file), storable by the file system of the folder it goes to.
    /// </summary>
    public static void RequireSavable(string target, IEnumerable<string>? memberPaths)
    {
        var parent = Path.GetDirectoryName(target) ?? target;
        var rules = ForLocal(parent);
        RequirePortable(rules, parent, Path.GetFileName(target), "The file name");
        if (memberPaths is null) return;
        var members = memberPaths.ToList();
        foreach (var m in members) RequirePortable(rules, target, m, "The member");
        RequireDistinct(rules, target, members);
    }

    private sealed class Undo(Action undo) : IDisposable
    {
        private Action? _undo = undo;
        public void Dispose() { Interlocked.Exchange(ref _undo, null)?.Invoke(); }
    }
}
