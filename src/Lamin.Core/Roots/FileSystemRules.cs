using System.Text;

namespace Lamin.Core.Roots;

/// <summary>
/// What one file system can store and tell apart (SPEC §11): letter case, characters it cannot store,
/// trailing dots and spaces, device names, separators and segment length. Every comparison of keys,
/// roots, <c>.lamindb</c> and the registry's own file names, and every portability check of a key, takes
/// the rules of the location's file system as an input, so the Windows rules run (and are tested) on
/// every OS. Pick the rules with <see cref="ForCurrentOs"/>, or per folder with <see cref="FileSystemProbe"/>.
/// </summary>
public sealed class FileSystemRules
{
    /// <summary>Linux file systems (ext4, xfs, btrfs): case-sensitive, only '/' and NUL are special.</summary>
    public static readonly FileSystemRules Posix = new("posix", caseSensitive: true, windowsNames: false, normalizationInsensitive: false, ['/'], maxSegmentUtf16: null);

    /// <summary>NTFS (and ReFS, FAT, SMB shares seen from Windows) through the Win32 API.</summary>
    public static readonly FileSystemRules Windows = new("windows", caseSensitive: false, windowsNames: true, normalizationInsensitive: false, ['\\', '/'], maxSegmentUtf16: 255);

    /// <summary>macOS's default volumes (APFS/HFS+ case-insensitive): case and Unicode normalization are ignored.</summary>
    public static readonly FileSystemRules CaseInsensitivePosix = new("posix-case-insensitive", caseSensitive: false, windowsNames: false, normalizationInsensitive: true, ['/'], maxSegmentUtf16: null);

    /// <summary>NTFS folders with per-directory case sensitivity (WSL): Windows names, case kept apart.</summary>
    public static readonly FileSystemRules WindowsCaseSensitive = new("windows-case-sensitive", caseSensitive: true, windowsNames: true, normalizationInsensitive: false, ['\\', '/'], maxSegmentUtf16: 255);

    /// <summary>Characters Win32 refuses in a file name (besides the separators and control characters).</summary>
    public const string WindowsInvalidChars = "<>:\"|?*";

    /// <summary>Names Win32 opens as a device, with or without an extension, in any case.</summary>
    public static readonly IReadOnlyList<string> WindowsDeviceNames = BuildDeviceNames();

    /// <summary>Bytes in one path segment on Linux and macOS (NAME_MAX).</summary>
    public const int MaxSegmentBytes = 255;

    private readonly bool _windowsNames;
    private readonly int? _maxSegmentUtf16;

    private FileSystemRules(string name, bool caseSensitive, bool windowsNames, bool normalizationInsensitive, char[] separators, int? maxSegmentUtf16)
    {
        Name = name;
        CaseSensitive = caseSensitive;
        NormalizationInsensitive = normalizationInsensitive;
        _windowsNames = windowsNames;
        Separators = separators;
        _maxSegmentUtf16 = maxSegmentUtf16;
        Comparison = caseSensitive ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        Comparer = new PathComparer(caseSensitive, normalizationInsensitive);
    }

    public string Name { get; }
    public bool CaseSensitive { get; }

    /// <summary>True where "é" precomposed and "e" + combining accent name one file (macOS).</summary>
    public bool NormalizationInsensitive { get; }

    /// <summary>True where Win32 naming applies: invalid characters, trailing dot/space, device names.</summary>
    public bool HasWindowsNames => _windowsNames;

    /// <summary>The characters that separate path segments; the first one is the file system's own.</summary>
    public IReadOnlyList<char> Separators { get; }

    public char PreferredSeparator => Separators[0];

    /// <summary>For string APIs that take a StringComparison (StartsWith, IndexOf). Does not fold Unicode normalization: use <see cref="Comparer"/> or <see cref="Equals(string?, string?)"/> for whole names.</summary>
    public StringComparison Comparison { get; }

    /// <summary>Equality and order of names as this file system sees them (for dictionaries, sets and sorting).</summary>
    public StringComparer Comparer { get; }

    /// <summary>Only symbolic links and junctions are skipped when walking a folder; other reparse points (dedup, tiered, cloud placeholders) are files.</summary>
    public static bool IsSkippedReparsePoint(FileAttributes attributes, string? linkTarget) =>
        attributes.HasFlag(FileAttributes.ReparsePoint) && linkTarget is not null;

    public override string ToString() => Name;

    /// <summary>The rules of the OS this process runs on (macOS: its default, case-insensitive volumes).</summary>
    public static FileSystemRules ForCurrentOs() => LocalPlatform.Current.DefaultRules;

    /// <summary>The rules by name (as <see cref="Name"/> gives it), for settings and tests.</summary>
    public static FileSystemRules FromName(string name) => name.ToLowerInvariant() switch
    {
        "posix" => Posix,
        "windows" => Windows,
        "posix-case-insensitive" => CaseInsensitivePosix,
        "windows-case-sensitive" => WindowsCaseSensitive,
        _ => throw new ArgumentException($"Unknown file system rules '{name}'.", nameof(name)),
    };

    /// <summary>Whether two names (or keys, or roots) name one file here.</summary>
    public bool Equals(string? a, string? b) => Comparer.Equals(a, b);

    /// <summary>The segments of a path or key, split at every separator of this file system.</summary>
    public string[] Segments(string path) => path.Split(Separators.ToArray(), StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// What the file system makes of a name it is given: Win32 drops trailing dots and spaces, so
    /// "data." and "data " open "data". Elsewhere the name is as given.
    /// </summary>
    public string EffectiveName(string segment) =>
        _windowsNames && segment is not ("." or "..") ? segment.TrimEnd('.', ' ') : segment;

    /// <summary>
    /// A folder on disk that IS the managed folder here: ".lamindb" in any case where the file system
    /// ignores case, and "lamindb." / ".lamindb " on Windows (Win32 drops the trailing characters).
    /// On a case-sensitive Linux folder ".LaminDB" is another folder. (Keys are stricter: see
    /// <see cref="IsManagedFolderKeySegment"/>.)
    /// </summary>
    public bool IsManagedFolderName(string segment) => Equals(EffectiveName(segment), Marker.ManagedFolder);

    /// <summary>True when any segment of a path on disk is the managed folder under these rules.</summary>
    public bool ContainsManagedFolder(string path) => Segments(path).Any(IsManagedFolderName);

    /// <summary>
    /// A key segment that is ".lamindb" in any letter case (SPEC rule 20: refused on every OS, so a key
    /// stays valid wherever its location is moved), or that a Windows location would open as ".lamindb".
    /// </summary>
    public static bool IsManagedFolderKeySegment(string segment) =>
        string.Equals(segment.TrimEnd('.', ' '), Marker.ManagedFolder, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The names LiteDB and the registry use beside the registry file (the file, its lock, -log and
    /// -tmp), compared as this file system compares names: on NTFS "LAMIN.DB" is the registry.
    /// </summary>
    public bool IsRegistryCompanion(string fileName, string registryFileName = "lamin.db")
    {
        var stem = Path.GetFileNameWithoutExtension(registryFileName);
        var ext = Path.GetExtension(registryFileName);
        var name = EffectiveName(fileName);
        return Equals(name, registryFileName) || Equals(name, registryFileName + ".lock")
            || Equals(name, $"{stem}-log{ext}") || Equals(name, $"{stem}-tmp{ext}");
    }

    /// <summary>
    /// Null when every segment of <paramref name="key"/> ('/'-separated) can be stored as a file name on
    /// this file system and names that file and no other; else why not (for KeyNotPortable, SPEC §11).
    /// Checks only what this file system adds to the general key rules (ArtifactKeys.Validate).
    /// </summary>
    public string? CheckPortableKey(string key)
    {
        foreach (var segment in key.Split('/'))
        {
            if (segment.Length == 0) continue;
            var why = CheckPortableSegment(segment);
            if (why is not null) return $"the name '{segment}' {why}";
        }
        return null;
    }

    /// <summary>Null when one file or folder name can be stored here as it is; else why not.</summary>
    public string? CheckPortableSegment(string segment)
    {
        if (segment.Contains('\0')) return "contains a NUL character";
        if (_maxSegmentUtf16 is { } maxChars)
        {
            if (segment.Length > maxChars) return $"is {segment.Length} characters long (at most {maxChars} on {Name})";
        }
        else if (Encoding.UTF8.GetByteCount(segment) is var bytes && bytes > MaxSegmentBytes)
            return $"is {bytes} bytes long (at most {MaxSegmentBytes} on {Name})";
        if (!_windowsNames) return null;
        foreach (var c in segment)
        {
            if (c < 32) return $"contains the control character U+{(int)c:X4}, which Windows cannot store";
            if (WindowsInvalidChars.Contains(c))
                return c == ':'
                    ? "contains ':', which Windows cannot store in a file name (it would write into an alternate data stream)"
                    : $"contains '{c}', which Windows cannot store in a file name";
            if (c == '\\') return "contains '\\', a separator on Windows";
        }
        if (segment.EndsWith('.') || segment.EndsWith(' '))
            return "ends with a dot or a space, which Windows drops (it would name another file)";
        if (IsWindowsDeviceName(segment))
            return "is a device name on Windows (CON, PRN, AUX, NUL, COM0-9, LPT0-9, also with an extension)";
        return null;
    }

    /// <summary>CON, PRN, AUX, NUL, CONIN$, CONOUT$, COM0-9, LPT0-9 (and ¹²³), in any case, also as "nul.txt" or "nul .txt".</summary>
    public static bool IsWindowsDeviceName(string segment)
    {
        int dot = segment.IndexOf('.');
        var stem = (dot >= 0 ? segment[..dot] : segment).TrimEnd(' ');
        foreach (var d in WindowsDeviceNames)
            if (string.Equals(stem, d, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    private static List<string> BuildDeviceNames()
    {
        var names = new List<string> { "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$" };
        foreach (var p in new[] { "COM", "LPT" })
        {
            for (int i = 0; i <= 9; i++) names.Add(p + i);
            names.AddRange([p + "\u00B9", p + "\u00B2", p + "\u00B3"]);
        }
        return names;
    }

    /// <summary>
    /// Groups of keys this file system cannot tell apart: each group has at least two different keys
    /// that would be one file here (for KeyCollision, SPEC §10 rule 11). A key that names another file
    /// only through Win32's dropping of trailing dots/spaces is grouped with that file too. Groups and
    /// their members keep the input order.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<string>> FindCollisions(IEnumerable<string> keys)
    {
        var groups = new Dictionary<string, List<string>>(Comparer);
        var order = new List<List<string>>();
        foreach (var key in keys)
        {
            var effective = string.Join('/', key.Split('/').Select(EffectiveName));
            if (!groups.TryGetValue(effective, out var g))
            {
                g = [];
                groups[effective] = g;
                order.Add(g);
            }
            if (!g.Contains(key, StringComparer.Ordinal)) g.Add(key);
        }
        return order.Where(g => g.Count > 1).Select(g => (IReadOnlyList<string>)g).ToList();
    }

    /// <summary>
    /// Keys that would need one name to be a file and a folder at once here ("a" and "A/b" on NTFS;
    /// "a" and "a/b" everywhere): pairs (file key, key below it).
    /// </summary>
    public IReadOnlyList<(string File, string Below)> FindFileFolderConflicts(IEnumerable<string> keys)
    {
        var list = keys.Distinct(StringComparer.Ordinal).ToList();
        var files = new Dictionary<string, string>(Comparer);
        foreach (var k in list) files.TryAdd(k, k);
        var result = new List<(string, string)>();
        foreach (var k in list)
            for (int i = k.IndexOf('/'); i > 0; i = k.IndexOf('/', i + 1))
                if (files.TryGetValue(k[..i], out var file)) { result.Add((file, k)); break; }
        return result;
    }

    /// <summary>
    /// True when <paramref name="path"/> is <paramref name="root"/> or below it, comparing as this file
    /// system does (both absolute, already canonical). A root that ends in a separator ("/", "E:\") works.
    /// </summary>
    public bool IsUnder(string path, string root) => RelativeKey(path, root) is not null;

    /// <summary>
    /// The '/'-separated key of <paramref name="path"/> below <paramref name="root"/> ("" for the root
    /// itself), or null when it is not below it. Every character after the root's separator is kept,
    /// also for a whole-drive root "E:\" or "/" (ArtifactService's <c>path[(root.Length + 1)..]</c>
    /// drops the first one there).
    /// </summary>
    public string? RelativeKey(string path, string root)
    {
        if (NormalizationInsensitive)
        {
            path = path.Normalize(NormalizationForm.FormC);
            root = root.Normalize(NormalizationForm.FormC);
        }
        var trimmedRoot = root;
        while (trimmedRoot.Length > 0 && Separators.Contains(trimmedRoot[^1])) trimmedRoot = trimmedRoot[..^1];
        if (path.Length < trimmedRoot.Length || !Equals(path[..trimmedRoot.Length], trimmedRoot)) return null;
        var rest = path[trimmedRoot.Length..];
        if (rest.Length == 0) return "";
        if (!Separators.Contains(rest[0])) return null;
        var key = rest.TrimStart(Separators.ToArray());
        foreach (var s in Separators) if (s != '/') key = key.Replace(s, '/');
        return key.TrimEnd('/');
    }

    /// <summary>Ordinal or ordinal-ignore-case, after NFC normalization where the file system ignores it.</summary>
    private sealed class PathComparer(bool caseSensitive, bool normalize) : StringComparer
    {
        private readonly StringComparer _inner = caseSensitive ? Ordinal : OrdinalIgnoreCase;

        private string? N(string? s) => normalize && s is not null && !s.IsNormalized(NormalizationForm.FormC) ? s.Normalize(NormalizationForm.FormC) : s;

        public override int Compare(string? x, string? y) => _inner.Compare(N(x), N(y));
        public override bool Equals(string? x, string? y) => _inner.Equals(N(x), N(y));
        public override int GetHashCode(string obj) => _inner.GetHashCode(N(obj)!);
    }
}
