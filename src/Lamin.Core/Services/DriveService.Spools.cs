
namespace Lamin.Core.Services;

/// <summary>
/// The lamin: drive's spool files (SPEC §10 rule 17): what Set-Content writes in LAMIN_HOME before it is added,
/// in a folder that names its process, and the spools of processes that are gone (Test-LaminStorage,
/// Clear-LaminStorage -Orphaned).
/// </summary>
public sealed partial class DriveService
{
    /// <summary>The folder under LAMIN_HOME that holds Set-Content's spool files.</summary>
    public const string SpoolFolderName = "spool";

    /// <summary>A spool folder's name starts with this, then its process's identity (<see cref="Util.ProcessIdentity.TemporaryName"/>).</summary>
    public const string SpoolPrefix = "spool-";

    /// <summary>
    /// A path for content written to the drive before it is added: "content" + the key's suffix (the suffix
    /// rule compares them) in a fresh folder LAMIN_HOME/spool/&lt;storage uid&gt;/spool-&lt;process&gt;-&lt;random&gt;,
    /// never a name taken from the key itself. The folder names the writing process (host, pid, start time),
    /// so a spool that a killed Set-Content left is told from one being written; this write first removes
    /// those of processes that are gone.
    /// </summary>
    public string NewSpoolFile(string storageUid, string key)
    {
        var suffix = Artifacts.Suffixes.Raw(key);
        if (suffix.Any(c => char.IsControl(c) || Path.GetInvalidFileNameChars().Contains(c) || (Roots.LocalPlatform.Current.IsWindows && "<>:\"|?*".Contains(c))))
            throw new LaminException(ErrorIds.InvalidKey, $"The suffix '{suffix}' of the key '{key}' can't be a file name on this system; choose another key.", key);
        foreach (var dead in DeadSpools(context.Home.Path)) DeleteSpoolFolder(dead.Folder);
        var folder = Path.Combine(SpoolRoot(context.Home.Path), SpoolOwnerFolder(storageUid), Util.ProcessIdentity.Current().TemporaryName(SpoolPrefix));
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, "content" + suffix);
    }

    private static string SpoolRoot(string home) => Path.Combine(home, SpoolFolderName);

    /// <summary>The location's uid as a folder name: a uid is base62 (a registry row saying otherwise never becomes a path).</summary>
    private static string SpoolOwnerFolder(string storageUid) => Util.Uids.IsBase62(storageUid) ? storageUid : "_";

    /// <summary>Removes a spool file and its folder.</summary>
    public static void DeleteSpoolFile(string path) => DeleteSpoolFolder(Path.GetDirectoryName(path)!);

    private static void DeleteSpoolFolder(string folder)
    {
        try { Safety.Gate.DeleteDriveSpool(folder, SpoolFolderName, SpoolPrefix); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>A spool folder whose process is gone: what a killed Set-Content left in LAMIN_HOME.</summary>
    /// <param name="StorageUid">The location it was written for; null for the layout before spool folders named their process.</param>
    public sealed record DeadSpool(string Folder, string? StorageUid, long Size, DateTime LastModifiedUtc, string Reason);

    /// <summary>
    /// The spool folders under <paramref name="home"/> whose writer is certainly gone (its pid ended, or now
    /// belongs to a later process); a writer on another host or one that can't be inspected counts as running.
    /// Folders of the older unnamed layout (spool/&lt;random&gt;) count as left behind once older than
    /// <see cref="AuditService.LiveTransferHorizon"/>. Never throws for a folder it can't read.
    /// </summary>
    public static List<DeadSpool> DeadSpools(string home, string? storageUid = null)
    {
        var found = new List<DeadSpool>();
        var root = new DirectoryInfo(SpoolRoot(home));
        if (!root.Exists) return found;
        try
        {
            foreach (var dir in root.EnumerateDirectories())
            {
                if (dir.LinkTarget is not null) continue; // never followed out of LAMIN_HOME
                if (dir.Name.Length == 32 && dir.Name.All(char.IsAsciiHexDigitLower))
                {
                    if (storageUid is null && Measure(dir) is { } old && DateTime.UtcNow - old.Modified >= AuditService.LiveTransferHorizon)
                        found.Add(new DeadSpool(dir.FullName, null, old.Size, old.Modified,
                            $"drive spool of a Set-Content that did not finish (written {old.Modified:u}, before spool files named their process)"));
                    continue;
                }
                if (storageUid is not null && dir.Name != storageUid) continue;
                foreach (var spool in dir.EnumerateDirectories(SpoolPrefix + "*"))
                {
                    if (spool.LinkTarget is not null) continue;
                    var owner = Util.ProcessIdentity.FromTemporaryName(spool.Name, SpoolPrefix);
                    if (owner is null || owner.IsAlive() || Measure(spool) is not { } m) continue;
                    found.Add(new DeadSpool(spool.FullName, dir.Name, m.Size, m.Modified,
                        $"drive spool of a Set-Content whose process {owner.Pid} on {owner.Host} is gone (killed before the content was added)"));
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return found;
    }

    private static (long Size, DateTime Modified)? Measure(DirectoryInfo dir)
    {
        try
        {
            var files = dir.EnumerateFiles("*", SearchOption.AllDirectories).ToList();
            var modified = files.Select(f => f.LastWriteTimeUtc).Append(dir.LastWriteTimeUtc).Max();
            return (files.Sum(f => f.Length), modified);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>Removes dead spool folders (Clear-LaminStorage -Orphaned), checking again that each one's process is gone.</summary>
    public static void RemoveDeadSpools(string home, IEnumerable<string> folders)
    {
        var dead = DeadSpools(home).Select(d => d.Folder).ToHashSet(StringComparer.Ordinal);
        foreach (var f in folders) if (dead.Contains(f)) DeleteSpoolFolder(f);
    }
}
