using Lamin.Core.Query;
using View = Lamin.Core.Services.ArtifactService.View;

namespace Lamin.Core.Services;

/// <summary>Add-LaminArtifact's first step (SPEC §4, rules 19-21): where each path goes and under which key; reads the registry only.</summary>
internal sealed class IngestPlanner(LaminContext context, StorageService storages)
{
    /// <summary>Reads the registry once for planning many paths (Add-LaminArtifact over a pipeline).</summary>
    public View OpenPlanningView() => context.Registry.Read(s =>
    {
        var view = new View(s, context, storages);
        view.HidesLocations = s.HidesAnyLocation();
        return view.Detach();
    });

    /// <summary>
    /// SPEC §10 rule 12 for in-place registration (issue 24): a path that a location hidden from this role holds
    /// (nested inside a visible one, or around it) is never registered through the visible one: AccessDenied, naming nothing hidden.
    /// </summary>
    private void RefuseHiddenLocation(View view, StorageRoot root, string key, bool isFolder, string shown)
    {
        if (!view.HidesLocations) return;
        var place = root.IsLocal ? Path.Combine(root.Root, key.Replace('/', Path.DirectorySeparatorChar)) : LocalPaths.TrimTrailingSeparator(root.PathPart) + "/" + key;
        bool ignoreCase = root.IsLocal && LocationRules.For(root).Comparison != StringComparison.Ordinal;
        bool hidden = view.Session is { } live
            ? live.HiddenLocationAt(root.Type, root.EndpointUrl, place, isFolder, ignoreCase)
            : context.Registry.Read(s => s.HiddenLocationAt(root.Type, root.EndpointUrl, place, isFolder, ignoreCase));
        if (hidden)
            throw new LaminException(ErrorIds.AccessDenied,
                $"'{shown}' lies in, or holds, a storage location in a space you have no access to; it can't be registered or written through another location. Ask an admin of that space for access.", shown);
    }

    /// <summary>Validates one path: where it goes, under which key; reads the registry only (or the planning view).</summary>
    public IngestPlan Plan(View view, AddRequest r)
    {
        if (StorageRoot.DetectType(r.Path) is "s3" or "gs") return PlanCloud(view, r);
        var (resolved, info) = ResolveSource(view, Path.GetFullPath(LocalPaths.ExpandHome(r.Path), context.CurrentDirectory));
        var path = LocalPaths.TrimTrailingSeparator(resolved);
        // SPEC §11: below a location whose file system ignores case, the path in its case on disk (one key per file).
        path = LocationRules.InCaseOnDisk(path, view.Storages.Values.Where(x => x.Type == "local").Select(x => x.Root));
        if (path != resolved) info = null;
        bool isFolder = info is not null ? (info.Attributes & FileAttributes.Directory) != 0 : Directory.Exists(path);
        if (!isFolder && !(info?.Exists ?? File.Exists(path)))
            throw new LaminException(ErrorIds.PathNotFound, $"Path '{r.Path}' does not exist.", r.Path);
        if (path.Split(['/', '\\']).Any(Marker.IsManagedFolderName))
            throw new LaminException(ErrorIds.InvalidPath,
                $"Do not pass path inside the `.lamindb/` directory: '{path}' is managed by Lamin; use Get-LaminArtifact to find what it holds.", r.Path);
        var members = isFolder ? FolderMembers(path) : [];
        var file = isFolder ? null : info as FileInfo ?? new FileInfo(path);
        long size = isFolder ? members.Sum(m => m.Length) : file!.Length;
        var suffix = Suffixes.Canonical(path);

        var container = view.Storages.Values
            .Where(x => x.Type == "local" && LocationRules.Contains(x.Root, path))
            .OrderByDescending(x => StorageService.IsPresentHere(x))
            .ThenByDescending(x => x.Root.Length)
            .FirstOrDefault();
        if (r.Key is not null) ArtifactKeys.Validate(r.Key);
        if (r.Key is not null) ArtifactKeys.CheckSuffix(r.Key, path);

        if (container is not null)
        {
            if (r.Storage is not null && ArtifactQueries.ResolveStorage(context, view, r.Storage).Id != container.Id)
                throw new LaminException(ErrorIds.InvalidArgument,
                    $"'{path}' is inside the storage location {container.Root}, where it is registered in place; drop -Storage, or move it afterwards with Move-LaminArtifact.", r.Storage);
            if (path.Length == container.Root.Length)
                throw new LaminException(ErrorIds.InvalidPath, $"'{path}' is the root of a storage location; add the files or folders inside it.", r.Path);
            var rel = LocationRules.ForLocal(container.Root).RelativeKey(path, container.Root)!; // a root "/" or "E:\" loses no character
            ArtifactKeys.Validate(rel);
            view.Access.Require(container.SpaceId, SpaceRole.Write, r.Path, $"register '{r.Path}' in place");
            RefuseHiddenLocation(view, view.RootOf(container), rel, isFolder, r.Path);
            string key = rel; bool virtualKey = false; string? realKey = null;
            if (r.Key is not null && r.Key != rel)
            {
                if (r.KeyIsVirtual == false)
                    throw new LaminException(ErrorIds.InvalidArgument,
                        "Passing a path in an existing storage with a virtual key and key_is_virtual=False is incompatible.", r.Key);
                key = r.Key; virtualKey = true; realKey = rel;
            }
            else if (r.KeyIsVirtual == true)
                throw new LaminException(ErrorIds.InvalidArgument,
                    "Passing a path in an existing storage without a virtual key and key_is_virtual=True is incompatible.", r.Path);
            return new IngestPlan
            {
                SourcePath = path, IsFolder = isFolder, Storage = container, Root = view.RootOf(container),
                InPlace = true, Key = key, KeyIsVirtual = virtualKey, RealKey = realKey, Suffix = suffix,
                Description = r.Description, SkipHashLookup = r.SkipHashLookup, Size = size, Members = members,
            };
        }

        // SPEC §4 "Destination keys": -KeyPrefix applies to a copy only (in place above, the key is the relative path), and
        // it names the key before the checks below: -KeyPrefix with -KeyIsVirtual $false stores at <root>/<prefix><name>.
        var copyKey = r.Key;
        if (copyKey is null && r.KeyPrefix is not null)
        {
            copyKey = r.KeyPrefix + (r.KeyName ?? Path.GetFileName(path));
            ArtifactKeys.Validate(copyKey);
            ArtifactKeys.CheckSuffix(copyKey, path);
        }
        var target = r.Storage is not null ? ArtifactQueries.ResolveStorage(context, view, r.Storage) : DefaultTarget(view);
        if (!target.IsManaged)
            throw new LaminException(ErrorIds.StorageReadOnly,
                $"Cannot create an artifact in a storage location that is not managed by the current instance: {target.Root}" +
                (target.InstanceUid is null ? " is read-only." : $" is written by {(target.InstanceUid == StorageService.UnknownInstance ? "" : "instance ")}{StorageService.OwnerText(target.InstanceUid)}."), r.Storage ?? target.Root);
        view.Access.Require(target.SpaceId, SpaceRole.Write, r.Path, r.Storage is null ? "add artifacts to the default storage location" : $"add artifacts to '{r.Storage}'");
        if (r.KeyIsVirtual == false && copyKey is null)
            throw new LaminException(ErrorIds.InvalidArgument, "-KeyIsVirtual $false stores the data at <root>/<key>: pass -Key (or -KeyPrefix, or a -Destination) as well.", r.Path);
        if (!view.FoundPresent.Contains(target.Id))
        {
            StorageService.RequirePresentHere(target, r.Storage ?? target.Root); // SPEC §10 rule 3
            view.FoundPresent.Add(target.Id);
        }
        if (r.KeyIsVirtual == false && target.Type == "local")
            LocalPaths.ResolveUnder(target.Root, copyKey!); // rule 6: refused before anything is read or copied
        // SPEC §11: a key or member name the target's file system can't store (or tell apart) is refused before anything is copied.
        LocationRules.RequireWritable(view.RootOf(target), r.KeyIsVirtual == false ? copyKey : null, isFolder ? members.Select(m => Path.GetRelativePath(path, m.FullName)) : []);
        // Rule 12: a real key never writes into a location the role can't see (nested in the target, or around the key).
        if (r.KeyIsVirtual == false) RefuseHiddenLocation(view, view.RootOf(target), copyKey!, isFolder, copyKey!);
        return new IngestPlan
        {
            SourcePath = path, IsFolder = isFolder, Storage = target, Root = view.RootOf(target), InPlace = false,
            Key = copyKey, KeyIsVirtual = copyKey is null || r.KeyIsVirtual != false, Suffix = suffix, Description = r.Description,
            SkipHashLookup = r.SkipHashLookup, Size = size, Members = members,
            SourceSnapshot = file is null ? null : (file.Length, file.LastWriteTimeUtc, System.Diagnostics.Stopwatch.GetTimestamp()),
        };
    }

    /// <summary>
    /// SPEC §4 (issue 26 point 2): two inputs of one command that map to one key in one location are refused, never made
    /// versions of each other (a version is made only for a key registered before the command). Called once per planned
    /// input, before anything of it is read or written; the same path given twice is one input (its second add returns
    /// the first's artifact, rule 22).
    /// </summary>
    public static void ClaimKey(View view, IngestPlan plan)
    {
        if (plan.Key is null) return;
        var claim = (plan.Storage.Id, plan.Key);
        if (!view.ClaimedKeys.TryGetValue(claim, out var first)) { view.ClaimedKeys[claim] = plan.SourcePath; return; }
        if (string.Equals(first, plan.SourcePath, StringComparison.Ordinal)) return;
        throw new LaminException(ErrorIds.DuplicateKey,
            $"'{plan.SourcePath}' maps to the key '{plan.Key}' in {plan.Storage.Root}, which '{first}' took earlier in this command; " +
            "two inputs of one command are never made versions of each other. To keep the folder structure, add the folder with " +
            "Add-LaminArtifact -Path <folder> -Recurse [-KeyPrefix p/]; else give the inputs distinct -KeyPrefix values (or -Key). " +
            $"Nothing of '{plan.SourcePath}' was written.", plan.SourcePath);
    }

    /// <summary>
    /// Add-LaminArtifact -Recurse (SPEC §4, issue 26 point 2): the files below <paramref name="folder"/>, streamed one folder at a
    /// time in ordinal order (never the whole listing in memory), each with its path relative to the folder, '/'-separated.
    /// As folder ingest (<see cref="FolderMembers"/>): hidden files are files like any other; symbolic links and junctions, to
    /// files or folders, are not followed (a linked folder never takes the walk out of the tree); a managed folder .lamindb/
    /// (a location's marker and objects, a registry) is left out, never added.
    /// </summary>
    public static IEnumerable<FolderEntry> FilesToAdd(string folder)
    {
        var top = LocalPaths.TrimTrailingSeparator(folder);
        if (top.Split(['/', '\\']).Any(Marker.IsManagedFolderName))
        {
            yield return new FolderEntry(top, "", Error: new LaminException(ErrorIds.InvalidPath,
                $"Do not pass path inside the `.lamindb/` directory: '{top}' is managed by Lamin; use Get-LaminArtifact to find what it holds.", top));
            yield break;
        }
        var options = new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0, IgnoreInaccessible = false };
        var pending = new Stack<(DirectoryInfo Dir, string Rel)>();
        pending.Push((new DirectoryInfo(top), ""));
        while (pending.Count > 0)
        {
            var (dir, rel) = pending.Pop();
            List<FileSystemInfo> entries;
            LaminException? failed = null;
            try { entries = dir.EnumerateFileSystemInfos("*", options).ToList(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                entries = [];
                failed = new LaminException(e is UnauthorizedAccessException ? ErrorIds.StorageAccessDenied : ErrorIds.StorageIoError,
                    $"The folder '{dir.FullName}' could not be read ({e.Message}); its files were not added, the others were. Fix the cause and add it again.", dir.FullName, e);
            }
            if (failed is not null) { yield return new FolderEntry(dir.FullName, rel, Error: failed); continue; }
            entries.Sort((a, b) => StringComparer.Ordinal.Compare(a.Name, b.Name));
            var folders = new List<(DirectoryInfo, string)>();
            foreach (var entry in entries)
            {
                var entryRel = rel.Length == 0 ? entry.Name : rel + "/" + entry.Name;
                bool isFolder = entry.Attributes.HasFlag(FileAttributes.Directory);
                if (isFolder && Marker.IsManagedFolderName(entry.Name))
                    yield return new FolderEntry(entry.FullName, entryRel, Skipped: "a managed .lamindb/ folder (a location's or a registry's own data)");
                else if (entry.Attributes.HasFlag(FileAttributes.ReparsePoint) && FileSystemRules.IsSkippedReparsePoint(entry.Attributes, entry.LinkTarget))
                    yield return new FolderEntry(entry.FullName, entryRel, Skipped: "a symbolic link or junction (not followed)");
                else if (entry is DirectoryInfo d) folders.Add((d, entryRel));
                else if (entry is FileInfo) yield return new FolderEntry(entry.FullName, entryRel);
            }
            for (int i = folders.Count - 1; i >= 0; i--) pending.Push(folders[i]);
        }
    }

    /// <summary>
    /// <paramref name="full"/> with its links resolved, and its lstat when it is no link itself. While the files of one
    /// folder come, the folder's resolution is kept (an lstat checks that the folder is still no link), so a file costs
    /// two lstats instead of a walk over every segment (issue 15); anything else (a link, a missing path, a linked or
    /// new folder) takes the walk.
    /// </summary>
    private static (string Path, FileSystemInfo? Info) ResolveSource(View view, string full)
    {
        var folder = Path.GetDirectoryName(full);
        var name = Path.GetFileName(full);
        if (folder is null || name.Length == 0 || name is "." or "..") return (LocalPaths.ResolveLinks(full), null);
        FileSystemInfo info = new FileInfo(full);
        FileAttributes a;
        try { a = info.Attributes; } // lstat
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return (LocalPaths.ResolveLinks(full), null); }
        if ((int)a == -1 || (a & FileAttributes.ReparsePoint) != 0 || !LocalPaths.IsRealFolder(folder)) return (LocalPaths.ResolveLinks(full), null);
        if (view.LastSourceFolder is not { } last || last.Folder != folder)
            view.LastSourceFolder = last = (folder, LocalPaths.ResolveLinks(folder));
        if ((a & FileAttributes.Directory) != 0) info = new DirectoryInfo(full);
        return (Path.Combine(last.Resolved, name), info);
    }

    /// <summary>
    /// A cloud object or prefix: registered in place in the (deepest) registered location that contains
    /// it, with size and hash from metadata; never copied. Outside every location → UnknownStorageLocation.
    /// </summary>
    private IngestPlan PlanCloud(View view, AddRequest r)
    {
        // A '?' in the key is a key character: only "?endpoint_url=" starts the query (SPEC rule 20).
        int query = r.Path.IndexOf(StorageRoot.EndpointQuery, StringComparison.Ordinal);
        var pathPart = query < 0 ? r.Path : r.Path[..query];
        if (pathPart.Split('/').Any(Marker.IsManagedFolderName))
            throw new LaminException(ErrorIds.InvalidPath,
                $"'{pathPart}' is inside a managed .lamindb/ folder; find its artifact with Get-LaminArtifact instead.", pathPart);
        var target = StorageRoot.Parse(r.Path, context.CurrentDirectory);
        var container = view.Storages.Values
            .Where(x => x.Type == target.Type)
            .Select(x => (Storage: x, Root: view.RootOf(x)))
            .Where(x => x.Root.Bucket == target.Bucket && x.Root.EndpointUrl == target.EndpointUrl
                        && (x.Root.Prefix is null || target.Prefix == x.Root.Prefix || (target.Prefix ?? "").StartsWith(x.Root.Prefix + "/", StringComparison.Ordinal)))
            .OrderByDescending(x => x.Root.Prefix?.Length ?? -1)
            .FirstOrDefault();
        if (container.Storage is null)
        {
            var suggestion = $"{target.Type}://{target.Bucket}" + (target.EndpointUrl is null ? "" : "?endpoint_url=" + target.EndpointUrl);
            throw new LaminException(ErrorIds.UnknownStorageLocation,
                $"Path {target.PathPart} is not contained in any known storage location. Register a location that contains it, e.g.: New-LaminStorage -Root '{suggestion}'", r.Path);
        }
        var root = container.Root;
        var rel = root.Prefix is null ? target.Prefix ?? "" : target.Prefix!.Length > root.Prefix.Length ? target.Prefix[(root.Prefix.Length + 1)..] : "";
        if (rel.Length == 0)
            throw new LaminException(ErrorIds.InvalidPath, $"'{target.PathPart}' is the root of a storage location; add the objects or prefixes inside it.", r.Path);
        view.Access.Require(container.Storage.SpaceId, SpaceRole.Write, r.Path, $"register '{r.Path}' in place");
        ArtifactKeys.Validate(rel);
        RefuseHiddenLocation(view, root, rel, isFolder: false, r.Path);
        if (r.Key is not null) { ArtifactKeys.Validate(r.Key); ArtifactKeys.CheckSuffix(r.Key, rel); }
        // An object at exactly this key is a file; otherwise the objects below "rel/" are a folder's members.
        var objects = StorageProviders.For(root).ListHashed(root, rel);
        if (objects.Count == 0)
            throw new LaminException(ErrorIds.PathNotFound, $"Path '{target.PathPart}' does not exist.", target.PathPart);
        bool isFolder = !(objects.Count == 1 && objects[0].Object.Key == rel);
        if (isFolder)
        {
            // SPEC §10 rule 2: a folder holding another location's (or a registry's) .lamindb/ is not an artifact.
            foreach (var (o, _) in objects)
            {
                var segments = o.Key[(rel.Length + 1)..].Split('/');
                int i = Array.FindIndex(segments, Marker.IsManagedFolderName);
                if (i >= 0)
                {
                    var managed = ArtifactService.PathOf(root, rel + "/" + string.Join('/', segments[..(i + 1)])) + "/";
                    throw new LaminException(ErrorIds.InvalidPath,
                        $"'{target.PathPart}' contains '{managed}', the managed folder of a storage location or registry; add the objects beside it instead.", target.PathPart);
                }
            }
            // Every member becomes a key a save or a move writes: the same rules as any key (rule 20).
            foreach (var (o, _) in objects) ArtifactKeys.Validate(o.Key);
        }
        string key = rel; bool virtualKey = false; string? realKey = null;
        if (r.Key is not null && r.Key != rel)
        {
            if (r.KeyIsVirtual == false)
                throw new LaminException(ErrorIds.InvalidArgument, "Passing a path in an existing storage with a virtual key and key_is_virtual=False is incompatible.", r.Key);
            key = r.Key; virtualKey = true; realKey = rel;
        }
        return new IngestPlan
        {
            SourcePath = target.PathPart, IsFolder = isFolder, Storage = container.Storage, Root = root, InPlace = true,
            Key = key, KeyIsVirtual = virtualKey, RealKey = realKey, Suffix = Suffixes.Canonical(rel), Description = r.Description,
            SkipHashLookup = r.SkipHashLookup, Size = objects.Sum(o => o.Object.Size), CloudObjects = objects,
        };
    }

    /// <summary>SPEC rule 8: local storage when keep-artifacts-local is on and one is present here, else the default.</summary>
    private LaminStorage DefaultTarget(View view)
    {
        var doc = view.Instance;
        if (doc.KeepArtifactsLocal && SettingsService.ChooseLocal(view.Storages.Values, context) is { } local)
            return local;
        return view.Storages.Values.FirstOrDefault(x => x.Uid == doc.DefaultStorageUid)
            ?? throw new LaminException(ErrorIds.RecordNotFound, "The instance's default storage is not registered, or lies in a space you are not granted; pass -Storage <location>, or choose a default with Set-LaminSetting -Storage <root>.");
    }

    /// <summary>
    /// Regular files of a folder (symlinks are not followed), sorted by relative path. A folder with a
    /// managed folder .lamindb/ anywhere below it (another location's marker and objects, or an instance's
    /// registry) is refused with InvalidPath naming it (SPEC §10 rule 2): as an artifact it could be
    /// moved or deleted as a whole.
    /// </summary>
    public static List<FileInfo> FolderMembers(string folder) => LocalStorageProvider.FilesBelow(folder);
}
