using Lamin.Core.Util;

namespace Lamin.Core.Roots;

/// <summary>
/// Picks the <see cref="FileSystemRules"/> of one folder by asking its file system (SPEC §11: the rules
/// are chosen per location, not per OS): it creates a temporary file with a lower-case name in the
/// folder and checks whether the upper-case name finds it. An SMB share mounted on Linux or a
/// case-sensitive APFS volume gets its own answer this way. A folder that can't be written falls back
/// to <see cref="FileSystemRules.ForCurrentOs"/>.
/// </summary>
public static class FileSystemProbe
{
    /// <summary>The temporary's name starts like every other temporary of the module, so orphan clearing knows it.</summary>
    public const string TempPrefix = ".lamin-tmp-";

    /// <summary>The rules of <paramref name="existingFolder"/>'s file system (on this OS).</summary>
    public static FileSystemRules Probe(string existingFolder) =>
        IsCaseInsensitive(existingFolder) is { } insensitive ? Choose(LocalPlatform.Current.IsWindows, insensitive) : FileSystemRules.ForCurrentOs();

    /// <summary>The rules for a file system on Windows or not, that ignores case or not.</summary>
    public static FileSystemRules Choose(bool windows, bool caseInsensitive) => (windows, caseInsensitive) switch
    {
        (true, true) => FileSystemRules.Windows,
        (true, false) => FileSystemRules.WindowsCaseSensitive,
        (false, true) => FileSystemRules.CaseInsensitivePosix,
        (false, false) => FileSystemRules.Posix,
    };

    /// <summary>True when the folder's file system ignores case, false when it keeps it apart, null when it can't be probed (not writable, missing).</summary>
    public static bool? IsCaseInsensitive(string existingFolder)
    {
        if (!Directory.Exists(existingFolder)) return null;
        var name = ProcessIdentity.Current().TemporaryName(TempPrefix + "case-").ToLowerInvariant();
        var lower = Path.Combine(existingFolder, name);
        var upper = Path.Combine(existingFolder, name.ToUpperInvariant());
        try
        {
            using (new FileStream(lower, FileMode.CreateNew, FileAccess.Write, FileShare.None)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        try
        {
            return File.Exists(upper);
        }
        finally
        {
            try { Gate.DeleteOwnTemporary(lower); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }
}
