using Lamin.Core.Artifacts;
using Lamin.Core.Errors;
using Lamin.Core.Hashing;
using Lamin.Core.Model;
using Lamin.Core.Query;
using Lamin.Core.Registry;
using Lamin.Core.Roots;
using Lamin.Core.Storage;

namespace Lamin.Core.Services;

/// <summary>What Add-LaminArtifact was asked to do with one path.</summary>
public sealed record AddRequest(string Path, string? Key = null, string? Description = null, string? Storage = null,
    bool? KeyIsVirtual = null, bool? SkipHashLookup = null);

/// <summary>A validated ingest: where the data goes and under which key. Nothing has been read or written yet.</summary>
public sealed class IngestPlan
{
    public required string SourcePath { get; init; }
    public required bool IsFolder { get; init; }
    public required LaminStorage Storage { get; init; }
    public required StorageRoot Root { get; init; }
    public required bool InPlace { get; init; }
    public string? Key { get; init; }
    public bool KeyIsVirtual { get; init; }
    public string? RealKey { get; init; }
    public required string Suffix { get; init; }
    public string? Description { get; init; }
    public bool? SkipHashLookup { get; init; }
    public long Size { get; init; }
    public IReadOnlyList<FileInfo> Members { get; init; } = [];

    /// <summary>For a cloud path registered in place: its objects with their metadata hashes.</summary>
    public IReadOnlyList<(StoredObject Object, HashResult? Hash)>? CloudObjects { get; init; }

    /// <summary>The object's key relative to the root when it is registered in place.</summary>
    public string? InPlaceKey => InPlace ? RealKey ?? Key : null;

    /// <summary>The uid a new artifact gets unless it becomes a new version of a known key.</summary>
    public string ProposedUid { get; init; } = ArtifactVersions.NewUid();

    /// <summary>
    /// Where the copy most likely ends up, so cloud writers can upload there directly: the auto key of
    /// the proposed uid (fresh, so nothing can be overwritten; a new version of a known key gets another
    /// uid and is copied there at commit). Never a real key, which may hold data that must not be clobbered.
    /// </summary>
    public string? ProposedKey => InPlace || !KeyIsVirtual ? null : ArtifactKeys.AutoKey(ProposedUid, Suffix, IsFolder);
}

/// <summary>Data read (and, unless in place, copied under a temporary name) and hashed; ready to register.</summary>
public sealed class StagedArtifact(IngestPlan plan, HashResult hash, long size, int? nFiles, IObjectWriter? writer) : IDisposable
{
    public IngestPlan Plan { get; } = plan;
    public HashResult Hash { get; } = hash;
    public long Size { get; } = size;
    public int? NFiles { get; } = nFiles;
    public IObjectWriter? Writer { get; } = writer;
    public void Dispose() => Writer?.Dispose();
}

/// <summary>Get-LaminArtifact's filters.</summary>
public sealed record ArtifactQuery(string? Identity = null, string? Key = null, string? Storage = null, string? Hash = null,
    IEnumerable<KeyValuePair<string, object?>>? Filter = null, bool Trash = false, bool AllVersions = false);

/// <summary>Artifacts in storage locations (SPEC rules 19–24): ingest, in-place registration, versions, trash, save, move.</summary>
public sealed class ArtifactService(LaminContext context)
{
    public static readonly RecordFields<LaminArtifact> Fields = new(nameof(LaminArtifact.Stem));
    private readonly StorageService _storages = new(context);

    // ================================================================ reading

    /// <summary>
    /// One registry view: the storages by id, the access policy and the instance document. Built once
    /// per session, or once per cmdlet call for planning many paths (a snapshot without a session).
    /// </summary>
    public sealed class View
    {
        internal View(RegistrySession s, LaminContext context, StorageService storages)
        {
            Session = s;
            Access = new AccessPolicy(s, context.User);
            Instance = s.InstanceDocument;
            Storages = s.Storages.FindAll().ToDictionary(x => x.Id, x => storages.Decorate(x, Access));
        }

        internal RegistrySession? Session { get; private set; }
        internal AccessPolicy Access { get; }
        internal InstanceDocument Instance { get; }
        internal Dictionary<int, LaminStorage> Storages { get; }
        private readonly Dictionary<int, StorageRoot> _roots = new();

        /// <summary>The same view, detached from its (closed) session, for planning.</summary>
        internal View Detach() { Session = null; return this; }

        internal RegistrySession RequireSession() => Session ?? throw new InvalidOperationException("This view has no open registry session.");

        internal StorageRoot RootOf(LaminStorage st)
        {
            if (!_roots.TryGetValue(st.Id, out var root)) _roots[st.Id] = root = StorageRoot.Parse(st.Root, "/");
            return root;
        }

        public LaminArtifact Decorate(LaminArtifact a)
        {
            a.Space = Access.SpaceName(a.SpaceId);
            if (Storages.TryGetValue(a.StorageId, out var st))
            {
                a.Storage = st.Root;
                a.Path = PathOf(RootOf(st), a.StorageKey());
            }
            return a;
        }
    }

    /// <summary>The full local path or URI (without query string) of a key under a root.</summary>
    public static string PathOf(StorageRoot root, string key) =>
        root.IsLocal ? LocalStorageProvider.Instance.PathOf(root, key) : root.PathPart + "/" + key;

    public List<LaminArtifact> Get(ArtifactQuery q) => context.Registry.Read(s =>
    {
        var view = new View(s, context, _storages);
        IEnumerable<LaminArtifact> rows;
        if (q.Identity is not null) rows = [Resolve(view, q.Identity)];
        else
        {
            rows = q.Key is { } k && !k.StartsWith('*') && !k.StartsWith('?') && !k.StartsWith('[')
                ? FindByKeyPrefix(s, LiteralPrefix(k))
                : q.Hash is not null ? s.Artifacts.Find(x => x.Hash == q.Hash) : s.Artifacts.FindAll();
            rows = rows.Where(a => view.Access.CanSee(a.SpaceId) && a.IsTrashed == q.Trash && (q.AllVersions || q.Trash || a.IsLatest));
        }
        var conditions = new List<Func<LaminArtifact, bool>>();
        if (q.Key is not null) { var m = Wildcard.Compile(q.Key); conditions.Add(a => m(a.Key)); }
        if (q.Hash is not null) conditions.Add(a => a.Hash == q.Hash);
        if (q.Storage is not null)
        {
            var storage = ResolveStorage(view, q.Storage);
            conditions.Add(a => a.StorageId == storage.Id);
        }
        if (q.Filter is not null) { var f = new RecordFilter<LaminArtifact>(Fields, q.Filter); conditions.Add(a => f.Matches(view.Decorate(a))); }
        return rows.Where(a => conditions.TrueForAll(c => c(a))).Select(view.Decorate).ToList();
    });

    /// <summary>
    /// Key-prefix lookup through the key index. (A lambda, not LiteDB's Query.StartsWith(field, ...):
    /// measured here, the Query.* helpers scan the whole collection while the lambda uses the index.)
    /// </summary>
    private static IEnumerable<LaminArtifact> FindByKeyPrefix(RegistrySession s, string prefix) =>
        s.Artifacts.Find(a => a.Key!.StartsWith(prefix));

    private static string LiteralPrefix(string pattern)
    {
        int i = pattern.IndexOfAny(['*', '?', '[', '`']);
        return i < 0 ? pattern : pattern[..i];
    }

    /// <summary>-Identity: id, uid, or a uid prefix; a prefix of up to 16 characters prefers the latest version.</summary>
    internal static LaminArtifact Resolve(View view, string identity)
    {
        var s = view.RequireSession();
        identity = identity.Trim();
        LaminArtifact? found = null;
        if (identity.Length is > 0 and < 12 && identity.All(char.IsAsciiDigit) && int.TryParse(identity, out var id))
            found = s.Artifacts.FindById(id);
        if (found is null && identity.Length > 0)
        {
            found = s.Artifacts.FindOne(x => x.Uid == identity);
            if (found is null && Util.Uids.IsBase62(identity))
            {
                var matches = s.Artifacts.Find(x => x.Uid.StartsWith(identity))
                    .Where(x => x.Uid.StartsWith(identity, StringComparison.Ordinal)).Take(1000).ToList(); // LiteDB's LIKE ignores case
                if (matches.Count > 1 && identity.Length <= ArtifactVersions.StemLength)
                {
                    var latest = matches.Where(m => m.IsLatest).ToList();
                    if (latest.Count > 0) matches = latest;
                }
                if (matches.Count > 1)
                    throw new LaminException(ErrorIds.MultipleRecordsFound,
                        $"The uid stub '{identity}' matches several artifacts ({string.Join(", ", matches.Take(10).Select(m => m.Uid))}); pass more characters.", identity);
                found = matches.SingleOrDefault();
            }
        }
        if (found is null)
            throw new LaminException(ErrorIds.RecordNotFound,
                $"No record found with uid '{identity}'. Did you forget a keyword as in Get-LaminArtifact -Key '{identity}'?", identity);
        view.Access.Require(found.SpaceId, SpaceRole.Read, identity, $"see artifact {found.Uid}");
        return view.Decorate(found);
    }

    public LaminArtifact Resolve(string identity) => context.Registry.Read(s => Resolve(new View(s, context, _storages), identity));

    /// <summary>A storage given as root (as typed or normalised), id, uid or uid stub, that the user may see.</summary>
    private LaminStorage ResolveStorage(View view, string storage)
    {
        var found = StorageService.ResolveRootOrIdentity(view.Storages.Values, storage, context.CurrentDirectory);
        view.Access.Require(found.SpaceId, SpaceRole.Read, storage, $"see storage location {found.Root}");
        return found;
    }

    public List<Ranked<LaminArtifact>> Search(string? query, IReadOnlyCollection<string>? fields, int? limit, bool caseSensitive) =>
        context.Registry.Read(s =>
        {
            var view = new View(s, context, _storages);
            var rows = s.Artifacts.FindAll().Where(a => !a.IsTrashed && a.IsLatest && view.Access.CanSee(a.SpaceId)).Select(view.Decorate);
            return SearchRanker.Rank(rows, Fields, query, fields, limit, caseSensitive);
        });

    // ================================================================ adding

    /// <summary>Reads the registry once for planning many paths (Add-LaminArtifact over a pipeline).</summary>
    public View OpenPlanningView() => context.Registry.Read(s => new View(s, context, _storages).Detach());

    /// <summary>Validates one path: where it goes, under which key; reads the registry only.</summary>
    public IngestPlan Plan(AddRequest r) => Plan(OpenPlanningView(), r);

    public IngestPlan Plan(View view, AddRequest r)
    {
        if (StorageRoot.DetectType(r.Path) is "s3" or "gs") return PlanCloud(view, r);
        var path = LocalPaths.ResolveLinks(Path.GetFullPath(LocalPaths.ExpandHome(r.Path), context.CurrentDirectory));
        path = LocalPaths.TrimTrailingSeparator(path);
        bool isFolder = Directory.Exists(path);
        if (!isFolder && !File.Exists(path))
            throw new LaminException(ErrorIds.PathNotFound, $"Path '{r.Path}' does not exist.", r.Path);
        if (path.Split(['/', '\\']).Any(Marker.IsManagedFolderName))
            throw new LaminException(ErrorIds.InvalidPath,
                $"Do not pass path inside the `.lamindb/` directory: '{path}' is managed by Lamin; use Get-LaminArtifact to find what it holds.", r.Path);
        var members = isFolder ? FolderMembers(path) : [];
        long size = isFolder ? members.Sum(m => m.Length) : new FileInfo(path).Length;
        var suffix = Suffixes.Canonical(path);

        var container = view.Storages.Values
            .Where(x => x.Type == "local" && LocalPaths.IsUnder(path, x.Root))
            .OrderByDescending(x => StorageService.IsPresentHere(x))
            .ThenByDescending(x => x.Root.Length)
            .FirstOrDefault();
        if (r.Key is not null) ArtifactKeys.Validate(r.Key);
        if (r.Key is not null) ArtifactKeys.CheckSuffix(r.Key, path);

        if (container is not null)
        {
            if (r.Storage is not null && ResolveStorage(view, r.Storage).Id != container.Id)
                throw new LaminException(ErrorIds.InvalidArgument,
                    $"'{path}' is inside the storage location {container.Root}, where it is registered in place; drop -Storage, or move it afterwards with Move-LaminArtifact.", r.Storage);
            if (path.Length == container.Root.Length)
                throw new LaminException(ErrorIds.InvalidPath, $"'{path}' is the root of a storage location; add the files or folders inside it.", r.Path);
            var rel = path[(container.Root.Length + 1)..].Replace('\\', '/');
            ArtifactKeys.Validate(rel);
            view.Access.Require(container.SpaceId, SpaceRole.Write, r.Path, $"register artifacts in {container.Root}");
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

        var target = r.Storage is not null ? ResolveStorage(view, r.Storage) : DefaultTarget(view);
        if (!target.IsManaged)
            throw new LaminException(ErrorIds.StorageReadOnly,
                $"Cannot create an artifact in a storage location that is not managed by the current instance: {target.Root}" +
                (target.InstanceUid is null ? " is read-only." : $" is written by instance {target.InstanceUid}."), r.Storage ?? target.Root);
        view.Access.Require(target.SpaceId, SpaceRole.Write, r.Path, $"add artifacts to {target.Root}");
        if (r.KeyIsVirtual == false && r.Key is null)
            throw new LaminException(ErrorIds.InvalidArgument, "-KeyIsVirtual $false stores the data at <root>/<key>: pass -Key as well.", r.Path);
        StorageService.RequirePresentHere(target, r.Storage ?? target.Root); // SPEC §10 rule 3
        if (r.KeyIsVirtual == false && target.Type == "local")
            LocalPaths.ResolveUnder(target.Root, r.Key!); // rule 6: refused before anything is read or copied
        return new IngestPlan
        {
            SourcePath = path, IsFolder = isFolder, Storage = target, Root = view.RootOf(target), InPlace = false,
            Key = r.Key, KeyIsVirtual = r.Key is null || r.KeyIsVirtual != false, Suffix = suffix, Description = r.Description,
            SkipHashLookup = r.SkipHashLookup, Size = size, Members = members,
        };
    }

    /// <summary>
    /// A cloud object or prefix: registered in place in the (deepest) registered location that contains
    /// it, with size and hash from metadata; never copied. Outside every location → UnknownStorageLocation.
    /// </summary>
    private IngestPlan PlanCloud(View view, AddRequest r)
    {
        var pathPart = r.Path.Split('?')[0];
        if (pathPart.Split('/').Contains(Marker.ManagedFolder))
            throw new LaminException(ErrorIds.InvalidPath,
                $"'{pathPart}' is inside a managed .lamindb/ folder; find its artifact with Get-LaminArtifact instead.", r.Path);
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
        view.Access.Require(container.Storage.SpaceId, SpaceRole.Write, r.Path, $"register artifacts in {container.Storage.Root}");
        if (r.Key is not null) { ArtifactKeys.Validate(r.Key); ArtifactKeys.CheckSuffix(r.Key, rel); }
        var objects = StorageProviders.For(root).ListHashed(root, rel);
        if (objects.Count == 0)
            throw new LaminException(ErrorIds.PathNotFound, $"Path '{target.PathPart}' does not exist.", r.Path);
        bool isFolder = !(objects.Count == 1 && objects[0].Object.Key == rel);
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
            ?? throw new LaminException(ErrorIds.RecordNotFound, "The instance's default storage is not registered; choose one with Set-LaminSetting -Storage <root>.");
    }

    /// <summary>
    /// Regular files of a folder (symlinks are not followed), sorted by relative path. A folder with a
    /// managed folder .lamindb/ anywhere below it (another location's marker and objects, or an instance's
    /// registry) is refused with InvalidPath naming it (SPEC §10 rule 2): as an artifact it could be
    /// moved or deleted as a whole.
    /// </summary>
    public static List<FileInfo> FolderMembers(string folder) => LocalStorageProvider.FilesBelow(folder);

    /// <summary>Reads the data once: hashes in place, or copies under a temporary name while hashing.</summary>
    public StagedArtifact Stage(IngestPlan plan, ITransferProgress? progress, CancellationToken cancel)
    {
        if (plan.CloudObjects is { } objects)
        {
            // Size and hash from object metadata: nothing is downloaded (SPEC §6).
            if (!plan.IsFolder) return new StagedArtifact(plan, objects[0].Hash ?? default, plan.Size, null, null);
            var memberHashes = objects.Select(o => o.Hash?.Hash).ToList();
            var folderHash = memberHashes.Any(h => h is null) ? default : LaminHash.HashFolder(memberHashes!);
            return new StagedArtifact(plan, folderHash, plan.Size, objects.Count, null);
        }
        if (plan.InPlace)
        {
            if (!plan.IsFolder)
            {
                var before = Snapshot(plan.SourcePath);
                var h = DataCopier.HashFile(plan.SourcePath, progress, cancel);
                EnsureUnchanged(plan.SourcePath, before);
                return new StagedArtifact(plan, h, before.Length, null, null);
            }
            var hashes = plan.Members.Select(m => DataCopier.HashFile(m.FullName, progress, cancel).Hash).ToList();
            return new StagedArtifact(plan, LaminHash.HashFolder(hashes), plan.Size, plan.Members.Count, null);
        }

        StorageService.RequirePresentHere(plan.Storage); // rule 3, at the moment of writing
        var writer = StorageProviders.For(plan.Root).CreateWriter(plan.Root, plan.IsFolder, plan.ProposedKey, cancel);
        try
        {
            if (!plan.IsFolder)
            {
                var hash = CopyOne(plan.SourcePath, writer, "", progress, cancel);
                return new StagedArtifact(plan, hash, plan.Size, null, writer);
            }
            var memberHashes = new List<string>(plan.Members.Count);
            foreach (var m in plan.Members)
            {
                var rel = Path.GetRelativePath(plan.SourcePath, m.FullName).Replace('\\', '/');
                memberHashes.Add(CopyOne(m.FullName, writer, rel, progress, cancel).Hash);
            }
            return new StagedArtifact(plan, LaminHash.HashFolder(memberHashes), plan.Size, plan.Members.Count, writer);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    private static HashResult CopyOne(string source, IObjectWriter writer, string member, ITransferProgress? progress, CancellationToken cancel)
    {
        using var src = DataCopier.OpenSource(source);
        // fstat of the open file (one stat less per file); RandomAccess works for pipes too, where Length throws.
        var before = (new FileInfo(source).Length, File.GetLastWriteTimeUtc(src.SafeFileHandle));
        progress?.FileStarted(source, before.Length);
        HashResult hash;
        using (var dst = writer.OpenMember(member, before.Length))
            hash = DataCopier.CopyAndHash(src, before.Length, dst, source, progress, cancel);
        EnsureUnchanged(source, before);
        progress?.FileDone();
        return hash;
    }

    private static (long Length, DateTime Modified) Snapshot(string path)
    {
        var f = new FileInfo(path);
        return (f.Length, f.LastWriteTimeUtc);
    }

    private static void EnsureUnchanged(string path, (long Length, DateTime Modified) before)
    {
        var now = Snapshot(path);
        if (now != before)
            throw new LaminException(ErrorIds.FileChanged,
                $"'{path}' changed while it was read (size {before.Length} → {now.Length}); nothing was registered. Add it again once it is no longer being written.", path);
    }

    /// <summary>
    /// Registers staged artifacts in one registry transaction: deduplication by hash, (storage, key,
    /// hash) uniqueness, versioning by key; each copied object is renamed to its final key before the
    /// transaction commits, so a registered artifact always has its complete file.
    /// </summary>
    public List<(LaminArtifact Artifact, bool Existed)> Commit(IReadOnlyList<StagedArtifact> staged, Action<string> warn)
    {
        var published = new List<(StorageRoot Root, string Key)>();
        try
        {
            return context.Registry.Write(s =>
            {
                var view = new View(s, context, _storages);
                var results = new List<(LaminArtifact, bool)>();
                foreach (var item in staged) results.Add(CommitOne(view, item, warn, published));
                return results;
            });
        }
        catch
        {
            foreach (var (root, key) in published)
                try { StorageProviders.For(root).Delete(root, key); } catch (IOException) { }
            throw;
        }
    }

    private (LaminArtifact, bool) CommitOne(View view, StagedArtifact item, Action<string> warn, List<(StorageRoot, string)> published)
    {
        var s = view.RequireSession();
        var plan = item.Plan;
        if (!view.Storages.TryGetValue(plan.Storage.Id, out var storage))
            throw new LaminException(ErrorIds.RecordNotFound, $"The storage location {plan.Storage.Root} was removed meanwhile; nothing was registered.", plan.Storage.Root);
        var hash = item.Hash;
        var sameHash = hash.Hash is null ? [] : s.Artifacts.Find(a => a.Hash == hash.Hash).Where(a => !a.IsTrashed).ToList();
        bool lookup = plan.InPlace ? plan.SkipHashLookup == false : plan.SkipHashLookup != true;
        if (lookup && item.Size > 0 && sameHash.FirstOrDefault(a => view.Access.CanSee(a.SpaceId)) is { } same)
        {
            warn($"returning artifact with same hash: {same.Uid} ({view.Decorate(same).Path})");
            item.Dispose();
            return (view.Decorate(same), true);
        }
        if (sameHash.FirstOrDefault(a => a.StorageId == storage.Id && a.Key == plan.Key) is { } sameKeyHash)
        {
            warn($"returning artifact with same storage, key and hash: {sameKeyHash.Uid}");
            item.Dispose();
            return (view.Decorate(sameKeyHash), true);
        }

        var now = Util.Clock.UtcNow;
        var artifact = new LaminArtifact
        {
            Uid = plan.ProposedUid, Key = plan.Key, Description = plan.Description, Suffix = plan.Suffix, Size = item.Size,
            Hash = hash.Hash, HashType = hash.HashType, NFiles = item.NFiles, StorageId = storage.Id, StorageUid = storage.Uid,
            KeyIsVirtual = plan.KeyIsVirtual, RealKey = plan.RealKey, CreatedAt = now, UpdatedAt = now, CreatedBy = context.User,
            SpaceId = storage.SpaceId,
        };
        LaminArtifact? previous = null;
        if (plan.Key is not null)
        {
            var family = s.Artifacts.Find(a => a.Key == plan.Key).Where(a => a.StorageId == storage.Id).ToList();
            previous = family.Where(a => a.IsLatest && !a.IsTrashed).MaxBy(a => a.Version);
            if (previous is not null)
            {
                if (previous.IsLocked)
                    throw new LaminException(ErrorIds.RecordLocked,
                        $"The artifact {previous.Uid} with key '{plan.Key}' is locked; a new version can't be added until it is unlocked.", plan.Key);
                var stemFamily = Family(s, previous.Stem);
                artifact.Uid = ArtifactVersions.Next(stemFamily.Select(a => a.Uid));
                artifact.Version = stemFamily.Max(a => a.Version) + 1;
                warn($"creating new artifact version for key '{plan.Key}' in storage '{storage.Root}'");
            }
        }
        if (item.Writer is not null)
        {
            var finalKey = artifact.StorageKey();
            // Folder versions share one path (overwrite_versions), and a real key reused by a new version replaces the old file.
            bool replace = previous is not null && previous.StorageKey() == finalKey;
            item.Writer.Commit(finalKey, replace);
            if (!replace) published.Add((plan.Root, finalKey));
        }
        s.Artifacts.Insert(artifact);
        if (previous is not null)
        {
            previous.IsLatest = false;
            previous.UpdatedAt = now;
            s.Artifacts.Update(previous);
        }
        return (view.Decorate(artifact), false);
    }

    // ================================================================ changing

    private LaminArtifact ResolveForChange(View view, string identity)
    {
        var a = Resolve(view, identity);
        view.Access.Require(a.SpaceId, SpaceRole.Write, identity, $"change artifact {a.Uid}");
        if (a.IsLocked)
            throw new LaminException(ErrorIds.RecordLocked, $"The artifact {a.Uid} is locked; unlock it first with Set-LaminArtifact -Identity {a.Uid} -Unlock.", identity);
        return a;
    }

    /// <summary>Every version of a stem (LiteDB's LIKE ignores case, so the prefix is checked again).</summary>
    private static List<LaminArtifact> Family(RegistrySession s, string stem) =>
        s.Artifacts.Find(a => a.Uid.StartsWith(stem)).Where(a => a.Uid.StartsWith(stem, StringComparison.Ordinal)).ToList();

    /// <summary>Makes the newest non-trashed version of a family the latest one.</summary>
    private static void RecomputeLatest(RegistrySession s, string stem)
    {
        var family = Family(s, stem);
        var latest = family.Where(a => !a.IsTrashed).MaxBy(a => a.Version);
        foreach (var a in family)
        {
            bool should = latest is not null && a.Id == latest.Id;
            if (a.IsLatest != should) { a.IsLatest = should; s.Artifacts.Update(a); }
        }
    }

    /// <summary>SPEC rule 23: trash, or with <paramref name="permanent"/> delete the record and its managed object.</summary>
    public void Remove(string identity, bool permanent, bool deleteFile)
    {
        var toDelete = context.Registry.Write(s =>
        {
            var view = new View(s, context, _storages);
            var a = ResolveForChange(view, identity);
            if (!permanent)
            {
                a.IsTrashed = true;
                a.UpdatedAt = Util.Clock.UtcNow;
                s.Artifacts.Update(a);
                RecomputeLatest(s, a.Stem);
                return ((StorageRoot, string)?)null;
            }
            var storage = view.Storages[a.StorageId];
            var key = a.StorageKey();
            bool underManaged = key.StartsWith(ArtifactKeys.AutoPrefix, StringComparison.Ordinal);
            if (deleteFile && !underManaged && !storage.IsManaged)
                throw new LaminException(ErrorIds.StorageReadOnly,
                    $"Cannot delete the file of {a.Uid}: {storage.Root} is not managed by the current instance. Remove the record without -DeleteFile.", identity);
            bool deleteObject = storage.IsManaged && (underManaged || deleteFile);
            if (deleteObject)
            {
                // SPEC §10 rule 1: who else holds bytes at this key (any record with the same root).
                var users = ObjectUsage.Users(s, storage, key, a.NFiles is not null, except: [a.Id]);
                // Versions sharing the very same object (folder versions at .lamindb/<stem>, a real key
                // reused by a new version): the object is theirs now and stays; only the record goes.
                if (users.Any(u => u.Stem == a.Stem && u.StorageKey() == key)) deleteObject = false;
                else if (users.Count > 0)
                    throw new LaminException(ErrorIds.ObjectInUse,
                        $"Cannot delete the {(a.NFiles is null ? "file" : "folder")} of {a.Uid} at {PathOf(view.RootOf(storage), key)}: " +
                        $"it holds data of {(users.Count == 1 ? "another artifact" : $"{users.Count} other artifacts")}, {ObjectUsage.Describe(users)}. " +
                        "Nothing was changed. Remove those first, or remove this record without -DeleteFile.", identity);
            }
            if (deleteObject && storage.Type == "local" && !StorageService.IsPresentHere(storage))
            {
                // Not on this machine (another host, or gone): whatever sits at this path here is not its data.
                if (deleteFile) StorageService.RequirePresentHere(storage, identity);
                deleteObject = false;
            }
            var root = deleteObject ? view.RootOf(storage) : null;
            if (root is { IsLocal: true })
            {
                var path = LocalPaths.ResolveUnder(root.Root, key); // rule 6: refused before the record goes
                // Rule 2 at delete time too: a .lamindb/ that appeared inside a folder artifact (a location
                // registered there later, or a registry from before the rule) is never deleted with it.
                if (a.NFiles is not null && Directory.Exists(path) && new FileInfo(path).LinkTarget is null) LocalStorageProvider.FilesBelow(path);
            }
            s.Artifacts.Delete(a.Id);
            RecomputeLatest(s, a.Stem);
            return root is null ? ((StorageRoot, string)?)null : (root, key);
        });
        // After the commit: a crash here leaves an unregistered object (found by a check), never a record without its file.
        if (toDelete is { } d) StorageProviders.For(d.Item1).Delete(d.Item1, d.Item2);
    }

    /// <summary>Changes an artifact's description or lock (a locked artifact refuses every other change with RecordLocked).</summary>
    public LaminArtifact Update(string identity, string? description, bool descriptionSet, bool? locked) => context.Registry.Write(s =>
    {
        var view = new View(s, context, _storages);
        var a = Resolve(view, identity);
        view.Access.Require(a.SpaceId, SpaceRole.Write, identity, $"change artifact {a.Uid}");
        bool onlyUnlocking = locked == false && !descriptionSet;
        if (a.IsLocked && !onlyUnlocking)
            throw new LaminException(ErrorIds.RecordLocked, $"The artifact {a.Uid} is locked; unlock it first with Set-LaminArtifact -Identity {a.Uid} -Unlock.", identity);
        if (descriptionSet) a.Description = description;
        if (locked is { } l) a.IsLocked = l;
        a.UpdatedAt = Util.Clock.UtcNow;
        s.Artifacts.Update(a);
        return view.Decorate(s.Artifacts.FindById(a.Id));
    });

    public LaminArtifact Restore(string identity) => context.Registry.Write(s =>
    {
        var view = new View(s, context, _storages);
        var a = ResolveForChange(view, identity);
        a.IsTrashed = false;
        a.UpdatedAt = Util.Clock.UtcNow;
        s.Artifacts.Update(a);
        RecomputeLatest(s, a.Stem);
        return view.Decorate(s.Artifacts.FindById(a.Id));
    });

    /// <summary>Copies an artifact's data to a local destination, verifying the hash on the way; returns the path written.</summary>
    public string Save(string identity, string? destination, bool force, ITransferProgress? progress, CancellationToken cancel) =>
        Save(Resolve(identity), destination, force, progress, cancel);

    /// <summary>Several artifacts resolved in one registry read (Save-LaminArtifact over a pipeline).</summary>
    public List<LaminArtifact> ResolveMany(IEnumerable<string> identities) => context.Registry.Read(s =>
    {
        var view = new View(s, context, _storages);
        return identities.Select(i => Resolve(view, i)).ToList();
    });

    /// <summary>Where Save writes an artifact for a destination (a file path, a folder, or the current folder).</summary>
    public string SaveTarget(LaminArtifact a, string? destination)
    {
        var name = a.Key is not null ? a.Key.Split('/')[^1] : a.Uid + a.Suffix;
        string target = destination is null
            ? Path.Combine(context.CurrentDirectory, name)
            : Path.GetFullPath(LocalPaths.ExpandHome(destination), context.CurrentDirectory);
        if (Directory.Exists(target) && (a.NFiles is null || destination?.EndsWith('/') == true || destination?.EndsWith('\\') == true))
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
        if ((File.Exists(target) || Directory.Exists(target)) && !force)
            throw new LaminException(ErrorIds.DestinationExists, $"'{target}' already exists; pass -Force to overwrite it.", target);
        LaminException Missing() => new(ErrorIds.PathNotFound, $"The data of {a.Uid} is missing at {a.Path}.", a.Path);

        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $".lamin-save-{Environment.ProcessId}-{Guid.NewGuid():N}");
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
                    progress?.FileStarted(a.Path, a.Size);
                    hash = DataCopier.CopyAndHash(src, a.Size, dst, a.Path, progress, cancel);
                    progress?.FileDone();
                }
            }
            else
            {
                var members = provider.List(root, key);
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
                    $"The data of {a.Uid} at {a.Path} no longer matches its recorded hash ({a.Hash}, found {hash.Hash}); nothing was written to '{target}'.", a.Uid);
            if (File.Exists(target)) File.Delete(target);
            else if (Directory.Exists(target)) Directory.Delete(target, true);
            if (a.NFiles is null) File.Move(temp, target); else Directory.Move(temp, target);
            return target;
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
            else if (Directory.Exists(temp)) Directory.Delete(temp, true);
        }
    }

    private static Stream OpenOrMissing(IStorageProvider provider, StorageRoot root, string key, Func<LaminException> missing)
    {
        try { return provider.OpenRead(root, key); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { throw missing(); }
    }

    /// <summary>
    /// Moves an artifact to another managed location in its space: copy (verifying size and hash),
    /// switch the record in one transaction, then remove the source. A failure at any step leaves the
    /// artifact whole and readable where it was.
    /// </summary>
    public LaminArtifact Move(string identity, string targetStorage, Action<string> warn, ITransferProgress? progress, CancellationToken cancel)
    {
        var (a, source, target) = context.Registry.Read(s =>
        {
            var view = new View(s, context, _storages);
            var art = ResolveForChange(view, identity);
            var src = view.Storages[art.StorageId];
            var dst = ResolveStorage(view, targetStorage);
            if (dst.Id == src.Id) throw new LaminException(ErrorIds.InvalidArgument, $"{art.Uid} is already in {dst.Root}. Cannot move to the same path.", targetStorage);
            if (!src.IsManaged)
                throw new LaminException(ErrorIds.StorageReadOnly, $"Cannot move an artifact in a storage location that is not managed by the current instance ({src.Root}).", identity);
            if (!dst.IsManaged)
                throw new LaminException(ErrorIds.StorageReadOnly, $"Cannot move an artifact to a storage location that is not managed by the current instance ({dst.Root}).", targetStorage);
            if (dst.SpaceId != art.SpaceId)
                throw new LaminException(ErrorIds.NotInSpace,
                    $"Cannot change the storage of an artifact to a storage location that is not in the same space ('{dst.Space}' vs '{art.Space}').", targetStorage);
            view.Access.Require(dst.SpaceId, SpaceRole.Write, targetStorage, $"add artifacts to {dst.Root}");
            return (art, src, dst);
        });
        var srcRoot = StorageRoot.Parse(source.Root, "/");
        var dstRoot = StorageRoot.Parse(target.Root, "/");
        var srcProvider = StorageProviders.For(srcRoot);
        var key = a.StorageKey();
        bool folder = a.NFiles is not null;
        using var writer = StorageProviders.For(dstRoot).CreateWriter(dstRoot, folder, key, cancel);
        var memberHashes = new List<HashResult>();
        long bytes = 0;
        foreach (var m in srcProvider.List(srcRoot, key))
        {
            using var src = srcProvider.OpenRead(srcRoot, m.Key);
            using var dst = writer.OpenMember(folder ? m.Key[(key.Length + 1)..] : "", m.Size);
            progress?.FileStarted(m.Key, m.Size);
            memberHashes.Add(DataCopier.CopyAndHash(src, m.Size, dst, m.Key, progress, cancel));
            progress?.FileDone();
            bytes += m.Size;
        }
        var hash = folder ? LaminHash.HashFolder(memberHashes.Select(h => h.Hash)) : memberHashes.Single();
        // Sizes always; hashes where the algorithm is the recorded one (an ETag md5 or md5-<n> of a large
        // in-place object is not what a copy computes).
        if (bytes != a.Size || (a.Hash is not null && a.HashType == hash.HashType && hash.Hash != a.Hash))
            throw new LaminException(ErrorIds.HashMismatch,
                $"The copy of {a.Uid} does not match its record (size {bytes} vs {a.Size}, hash {hash.Hash} vs {a.Hash}); the artifact stays in {source.Root}.", a.Uid);
        writer.Commit(key, replace: false);
        LaminArtifact moved;
        try
        {
            moved = context.Registry.Write(s =>
            {
                var view = new View(s, context, _storages);
                var current = s.Artifacts.FindById(a.Id)
                    ?? throw new LaminException(ErrorIds.RecordNotFound, $"{a.Uid} was removed meanwhile; the copy was discarded.", a.Uid);
                if (current.StorageId != source.Id || current.Hash != a.Hash)
                    throw new LaminException(ErrorIds.FileChanged, $"{a.Uid} changed meanwhile; the copy was discarded and nothing moved.", a.Uid);
                current.StorageId = target.Id;
                current.StorageUid = target.Uid;
                current.UpdatedAt = Util.Clock.UtcNow;
                s.Artifacts.Update(current);
                return view.Decorate(current);
            });
        }
        catch
        {
            StorageProviders.For(dstRoot).Delete(dstRoot, key);
            throw;
        }
        bool shared = context.Registry.Read(s => s.Artifacts.Find(x => x.StorageId == source.Id).Any(x => x.StorageKey() == key));
        if (!shared) srcProvider.Delete(srcRoot, key);
        else warn($"the source {a.Path} is kept: other versions of {a.Stem} still use it");
        return moved;
    }
}
