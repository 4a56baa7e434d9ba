
namespace Lamin.Core.Artifacts;

/// <summary>Key rules (SPEC rule 20) and where an artifact's object lives (LaminDB 4.1).</summary>
public static class ArtifactKeys
{
    public const int MaxLength = 1024;

    /// <summary>The longest file or folder name most file systems take (ext4, APFS, NTFS: 255), in UTF-8 bytes.</summary>
    public const int MaxSegmentBytes = 255;
    public const string AutoPrefix = Marker.ManagedFolder + "/";

    /// <summary>Refuses keys that could escape a root or collide with the managed folder (InvalidKey).</summary>
    public static void Validate(string key)
    {
        string? why = null;
        if (key.Length == 0) why = "it is empty";
        else if (key.Length > MaxLength) why = $"it is {key.Length} characters long (at most {MaxLength})";
        else if (key.Contains('\\')) why = "backslashes are not allowed";
        else if (key.Any(c => char.IsControl(c))) why = "it contains control characters";
        else if (key.StartsWith('/')) why = "it is an absolute path; pass a path relative to the storage root";
        else if (key.Length >= 2 && key[1] == ':' && char.IsAsciiLetter(key[0])) why = "it starts with a drive letter";
        else if (key.Split('/').Any(s => s is "." or ".."))
            why = "relative path segments '.' or '..' are not allowed";
        else if (key.Split('/').Any(s => s.Length == 0)) why = "it has an empty segment ('//' or a trailing '/')";
        else if (key.Split('/').FirstOrDefault(Roots.FileSystemRules.IsManagedFolderKeySegment) is { } managed)
            why = $"it points into the managed folder {managed}/ (Lamin's own folder in every location, in any letter case; Windows also drops a trailing dot or space)";
        else if (key.Split('/').FirstOrDefault(s => System.Text.Encoding.UTF8.GetByteCount(s) > MaxSegmentBytes) is { } longSegment)
            why = $"the name '{Shorten(longSegment)}' is {System.Text.Encoding.UTF8.GetByteCount(longSegment)} bytes long in UTF-8; " +
                  $"a file or folder name can have at most {MaxSegmentBytes}";
        else if (key.Contains('%') && Uri.UnescapeDataString(key) is var decoded && decoded != key &&
                 (decoded.Contains('\\') || decoded.Split('/').Any(s => s is "." or "..")))
            why = "it hides separators or '..' behind URL encoding";
        if (why is not null)
            throw new LaminException(ErrorIds.InvalidKey, $"Invalid key '{Shorten(key)}': {why}.", key);
    }

    /// <summary>
    /// SPEC §10 rule 13: a key read from a registry (a copied or crafted file, a row written with psql) is checked
    /// with the rules a new key meets before any command turns it into a path; so are a key-less artifact's uid and
    /// suffix, which name its object. A row that breaks them is listed and reported, never used: InvalidKey naming the uid.
    /// </summary>
    public static void RequireUsable(Model.LaminArtifact a)
    {
        try
        {
            if (a.Key is not null) Validate(a.Key);
            if (a.RealKey is { } real && (real.Length == 0 || real.StartsWith('/') || real.Split('/', '\\').Any(x => x is "" or "." or "..")))
                throw new LaminException(ErrorIds.InvalidKey, $"Invalid real key '{Shorten(real)}': it must be a relative path without '.' or '..' segments.", real);
            var own = a.Uid + a.Suffix;
            if (own.Length == 0 || own is "." or ".." || own.IndexOfAny(['/', '\\', ':']) >= 0 || own.Any(char.IsControl))
                throw new LaminException(ErrorIds.InvalidKey, $"Invalid object name '{Shorten(own)}': a uid and suffix must make one plain file name.", own);
        }
        catch (LaminException e) when (e.ErrorId == ErrorIds.InvalidKey)
        {
            throw new LaminException(ErrorIds.InvalidKey,
                $"The registry's record of {a.Uid} breaks the key rules: {e.Message} Lamin lists it but never turns it into a path; " +
                $"remove the record (Remove-LaminArtifact {a.Uid} -Permanent) or fix it in the registry.", a.Uid);
        }
    }

    private static string Shorten(string s) => s.Length > 80 ? s[..77] + "..." : s;

    /// <summary>The key's suffix must equal the file's suffix (LaminDB's exact message).</summary>
    public static void CheckSuffix(string key, string path)
    {
        var pathSuffix = Suffixes.Raw(path);
        var keySuffix = Suffixes.Raw(key);
        if (!string.Equals(pathSuffix, keySuffix, StringComparison.Ordinal))
            throw new LaminException(ErrorIds.SuffixMismatch,
                $"The passed path's suffix '{pathSuffix}' must match the passed key's suffix '{keySuffix}'.", key);
    }

    /// <summary>.lamindb/&lt;uid&gt;&lt;suffix&gt;; versioned folders use the 16-character stem.</summary>
    public static string AutoKey(string uid, string suffix, bool isFolder) =>
        AutoPrefix + (isFolder ? uid[..16] : uid) + suffix;
}
