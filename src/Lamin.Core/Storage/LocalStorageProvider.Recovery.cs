
namespace Lamin.Core.Storage;

/// <summary>Folder replaces interrupted between their two moves (issue 15): found and put back.</summary>
public sealed partial class LocalStorageProvider
{

    private static readonly PathKeyed<bool> RecoveredRoots = new();

    /// <summary>
    /// The asides (keys ".lamindb/&lt;temp&gt;-old") whose intent file is still there after an attempt to put them
    /// back (<paramref name="recover"/>): a replace in progress, or one that could not be undone yet. Never orphans.
    /// </summary>
    public static IReadOnlyList<string> PendingReplaces(StorageRoot root, bool recover)
    {
        if (recover) RecoverInterruptedReplaces(root);
        var managed = Path.Combine(root.Root, Marker.ManagedFolder);
        try
        {
            if (!Directory.Exists(managed)) return [];
            return Directory.EnumerateFiles(managed, TempPrefix + "*" + AsideSuffix + FolderReplace.IntentSuffix)
                .Select(f => Marker.ManagedFolder + "/" + Path.GetFileName(f)[..^FolderReplace.IntentSuffix.Length]).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }

    /// <summary>
    /// Puts back every previous folder version that a replace killed between its two moves left under
    /// .lamindb/&lt;temp&gt;-old (issue 15): its intent file names the key, and nothing is at that key (the
    /// new version never moved in), so the registry's version is where the registry expects it again. A
    /// replace whose writer still runs is left alone; one whose new version did move in leaves the aside to
    /// orphan clearing, as before. Returns the keys put back.
    /// </summary>
    public static IReadOnlyList<string> RecoverInterruptedReplaces(StorageRoot root)
    {
        var put = new List<string>();
        var platform = LocalPlatform.Current;
        var managed = Path.Combine(root.Root, Marker.ManagedFolder);
        IEnumerable<string> intents;
        try
        {
            if (!Directory.Exists(managed)) return put;
            intents = Directory.EnumerateFiles(managed, TempPrefix + "*" + AsideSuffix + FolderReplace.IntentSuffix).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return put; }
        foreach (var intent in intents)
        {
            var aside = intent[..^FolderReplace.IntentSuffix.Length];
            var temp = Path.GetFileName(aside)[..^AsideSuffix.Length];
            if (Util.ProcessIdentity.FromTemporaryName(temp, TempPrefix) is { } writer && writer.IsAlive()) continue; // a replace in progress
            try
            {
                if (Directory.Exists(aside))
                {
                    var key = File.ReadAllText(intent); // exactly as written: a key may end in a space (SPEC §10 rule 16)
                    var final = LocalPaths.ResolveUnder(root.Root, key); // rule 6: never outside the root
                    if (File.Exists(final) || Directory.Exists(final) || new FileInfo(final).LinkTarget is not null) { platform.DeleteFile(intent); continue; }
                    var parent = Path.GetDirectoryName(final)!;
                    var created = FirstMissing(parent);
                    Directory.CreateDirectory(parent);
                    platform.MoveFolder(aside, final);
                    Durable.SyncParents(final, created);
                    if (Durable.UseBarrier) Durable.SyncFileSystemOf(parent);
                    put.Add(key);
                }
                platform.DeleteFile(intent);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException) { } // left for the next attempt
        }
        return put;
    }
}
