using Lamin.Core.Hashing;
using Lamin.Core.Query;

namespace Lamin.Core.Services;

/// <summary>Save-LaminArtifact: an artifact's data copied to a local destination, verified, swapped in through the gate.</summary>
internal sealed class ArtifactSave(LaminContext context)
{
    /// <summary>
    /// A destination for several artifacts (or the members of a key folder of the lamin: drive) is a folder,
    /// existing or not: it gets a trailing separator, so each artifact goes inside it under its own name.
    /// </summary>
    public static string? SaveDestinationFolder(string? destination, bool several) =>
        several && destination is { Length: > 0 } d && !d.EndsWith('/') && !d.EndsWith(Path.DirectorySeparatorChar) ? d + Path.DirectorySeparatorChar : destination;

    /// <summary>
    /// The destination folder for an artifact saved as a member of a key folder of the lamin: drive (piped
    /// into Save-LaminArtifact): the destination (or the current folder) is a folder, and the artifact keeps
    /// its place below the folder, so `raw/sub` saves `raw/sub/c.txt` to `&lt;destination&gt;/sub/c.txt`.
    /// Ends with a separator (the file name is appended). A segment that can't be a folder name → InvalidKey.
    /// </summary>
    public string FolderMemberDestination(string? destination, string folderKey, LaminArtifact a)
    {
        ArtifactKeys.RequireUsable(a);
        var folder = folderKey.Trim('/');
        var parent = folder.Contains('/') ? folder[..(folder.LastIndexOf('/') + 1)] : "";
        var key = a.Key ?? "";
        var below = key.StartsWith(parent, StringComparison.Ordinal) ? key[parent.Length..] : key;
        var segments = below.Split('/');
        var baseFolder = destination is null ? context.CurrentDirectory : Path.GetFullPath(LocalPaths.ExpandHome(destination), context.CurrentDirectory);
        var target = baseFolder;
        foreach (var segment in segments[..^1])
        {
            if (segment.Length == 0 || segment is "." or ".." || segment.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0
                || (Roots.LocalPlatform.Current.IsWindows && segment.IndexOfAny(['<', '>', ':', '"', '|', '?', '*', '\\']) >= 0))
                throw new LaminException(ErrorIds.InvalidKey,
                    $"The key '{key}' of {a.Uid} has a segment '{segment}' that can't be a folder name here; save it with Save-LaminArtifact {a.Uid} -Destination <file>.", key);
            target = Path.Combine(target, segment);
        }
        return target + Path.DirectorySeparatorChar;
    }

    /// <summary>Where Save writes an artifact for a destination (a file path, a folder, or the current folder).</summary>
    public string SaveTarget(LaminArtifact a, string? destination)
    {
        ArtifactKeys.RequireUsable(a); // SPEC §10 rule 13: the file name comes from the key
        var name = a.Key is not null ? a.Key.Split('/')[^1] : a.Uid + a.Suffix;
        // SPEC §10 rule 16: the name as typed; Windows drops a trailing space or dot in GetFullPath, which would name another file.
        if (destination is { Length: > 0 } typed && typed.Split('/', '\\')[^1] is { Length: > 0 } last && last is not ("." or ".." or "~"))
            LocationRules.RequireSavable(Path.Combine(context.CurrentDirectory, LocalPaths.ExpandHome(typed)), null);
        string target = destination is null
            ? Path.Combine(context.CurrentDirectory, name)
            : Path.GetFullPath(LocalPaths.ExpandHome(destination), context.CurrentDirectory);
        // A destination ending in a separator names a folder, existing or not (it is created): the data goes inside it.
        var folderSyntax = destination?.EndsWith('/') == true || destination?.EndsWith('\\') == true;
        if (folderSyntax || (Directory.Exists(target) && a.NFiles is null))
            target = Path.Combine(target, name);
        return target;
    }

    /// <summary>Copies an artifact's data to a local destination, verifying the hash on the way; returns the path written.</summary>
    public string Save(LaminArtifact a, string? destination, bool force, ITransferProgress? progress, CancellationToken cancel)
    {
        var root = StorageRoot.Parse(a.Storage, "/");
        var provider = StorageProviders.For(root);
        var key = a.StorageKey();
        var target = SaveTarget(a, destination);
        if (LocalStorageProvider.EntryExists(target) && !force)
            throw new LaminException(ErrorIds.DestinationExists, $"'{target}' already exists; pass -Force to overwrite it.", target);
        CheckSaveDestination(target); // SPEC §10 rules 12-13: before anything is read or written (a new file inside a registered folder changes it too)
        LaminException Missing() => new(ErrorIds.PathNotFound, $"The data of {a.Uid} is missing at {a.FullName}.", a.FullName);
        var folderMembers = a.NFiles is null ? null : provider.List(root, key);
        // SPEC §11: nothing is written under a name the destination can't store (no alternate data stream for "run:01.csv").
        LocationRules.RequireSavable(target, folderMembers?.Where(m => m.Key.Length > key.Length).Select(m => m.Key[(key.Length + 1)..]));

        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $"{Gate.SaveTemporaryPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            HashResult hash;
            if (a.NFiles is null)
            {
                if (provider.DownloadRanged(root, key, a.Size, temp, progress, cancel))
                    hash = DataCopier.HashFile(temp, null, cancel); // from the page cache; sha1-fl reads only 100 MiB
                else
                {
                    using var src = OpenOrMissing(provider, root, key, Missing);
                    using var dst = new FileStream(temp, FileMode.CreateNew, FileAccess.Write);
                    progress?.FileStarted(a.FullName, a.Size);
                    hash = DataCopier.CopyAndHash(src, a.Size, dst, a.FullName, progress, cancel);
                    progress?.FileDone();
                }
            }
            else
            {
                var members = folderMembers!;
                if (members.Count == 0 && a.NFiles > 0) throw Missing();
                var hashes = new List<string>();
                foreach (var m in members)
                {
                    var rel = m.Key[(key.Length + 1)..];
                    var dest = Path.Combine(temp, rel.Replace('/', Path.DirectorySeparatorChar));
                    Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
                    using var src = OpenOrMissing(provider, root, m.Key, Missing);
                    using var dst = new FileStream(dest, FileMode.CreateNew, FileAccess.Write);
                    progress?.FileStarted(m.Key, m.Size);
                    hashes.Add(DataCopier.CopyAndHash(src, m.Size, dst, m.Key, progress, cancel).Hash);
                    progress?.FileDone();
                }
                Directory.CreateDirectory(temp);
                hash = LaminHash.HashFolder(hashes);
            }
            if (a.Hash is not null && a.HashType == hash.HashType && a.Hash != hash.Hash)
                throw new LaminException(ErrorIds.HashMismatch,
                    $"The data of {a.Uid} at {a.FullName} no longer matches its recorded hash ({a.Hash}, found {hash.Hash}); nothing was written to '{target}'.", a.Uid);
            // SPEC §10 rule 13: checked again now that the copy is ready (something may have appeared there meanwhile), then swapped in.
            if (LocalStorageProvider.EntryExists(target))
            {
                if (!force) throw new LaminException(ErrorIds.DestinationExists, $"'{target}' already exists; pass -Force to overwrite it.", target);
                CheckSaveDestination(target);
            }
            Gate.ReplaceLocal(temp, target, a.NFiles is not null);
            return target;
        }
        finally
        {
            try { Gate.DeleteOwnTemporary(temp); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// SPEC §10 rule 13: what -Force may replace, asked of the gate: an unregistered file or folder outside every
    /// managed folder; a storage root, a registry, a marker or a registered artifact's bytes are refused.
    /// </summary>
    private void CheckSaveDestination(string target)
    {
        bool isFolder = Directory.Exists(target) && new FileInfo(target).LinkTarget is null;
        context.Registry.Read(s => { Gate.CheckLocalDestination(s, target, isFolder, new GateScope("Save-LaminArtifact")); return 0; });
    }

    private static Stream OpenOrMissing(IStorageProvider provider, StorageRoot root, string key, Func<LaminException> missing)
    {
        try { return provider.OpenRead(root, key); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { throw missing(); }
    }
}
