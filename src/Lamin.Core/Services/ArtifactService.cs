using Lamin.Core.Artifacts;
using Lamin.Core.Errors;
using Lamin.Core.Hashing;
using Lamin.Core.Model;
using Lamin.Core.Query;
using Lamin.Core.Registry;
using Lamin.Core.Roots;
using Lamin.Core.Safety;
using Lamin.Core.Storage;

namespace Lamin.Core.Services;

/// <summary>
/// What Add-LaminArtifact was asked to do with one path. SPEC §4 "Destination keys": <paramref name="Key"/> wins;
/// else, for a path that is copied, <paramref name="KeyPrefix"/> + <paramref name="KeyName"/> (the file name as given,
/// or with -Recurse the path relative to the folder given); a path registered in place keeps its relative path (rule 19).
/// </summary>
public sealed record AddRequest(string Path, string? Key = null, string? Description = null, string? Storage = null,
    bool? KeyIsVirtual = null, bool? SkipHashLookup = null, string? KeyPrefix = null, string? KeyName = null);

/// <summary>
/// One entry below a folder given to Add-LaminArtifact -Recurse: a file to add (its path, and its path relative to the
/// folder, '/'-separated), or a folder or link left out (<see cref="Skipped"/>, for -Verbose), or a folder that could not
/// be read (<see cref="Error"/>, reported for that folder alone).
/// </summary>
public sealed record FolderEntry(string Path, string RelativePath, string? Skipped = null, LaminException? Error = null);

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
    /// <summary>
    /// The key must read this content afterwards (Set-Content on the drive, SPEC §8): an older version with the
    /// same content does not make the add a no-op, only the latest version does.
    /// </summary>
    internal bool ReadBack { get; set; }
    public long Size { get; init; }
    /// <summary>
    /// A single local file's size and modification time when it was planned, and when that was (a Stopwatch
    /// timestamp): the "before" of its read (FileChanged) when staging follows at once.
    /// </summary>
    public (long Length, DateTime Modified, long Taken)? SourceSnapshot { get; init; }
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
public sealed class StagedArtifact(IngestPlan plan, HashResult hash, long size, int? nFiles, IObjectWriter? writer, IDisposable? announcement = null) : IDisposable
{
    public IngestPlan Plan { get; } = plan;
    public HashResult Hash { get; } = hash;
    public long Size { get; } = size;
    public int? NFiles { get; } = nFiles;
    public IObjectWriter? Writer { get; } = writer;

    /// <summary>The writer's hold on its announcement in the location (issue 25): released once the item was committed or dropped.</summary>
    internal IDisposable? Announcement { get; } = announcement;

    public void Dispose()
    {
        try { Writer?.Dispose(); }
        finally { Announcement?.Dispose(); }
    }
}

/// <summary>
/// What became of one staged item in <see cref="ArtifactService.Commit"/>: the artifact registered (or the
/// existing one returned, <paramref name="Existed"/>), or the refusal that left it out of its batch.
/// </summary>
public sealed record CommitResult(StagedArtifact Item, LaminArtifact? Artifact, bool Existed, LaminException? Error);

/// <summary>Get-LaminArtifact's filters.</summary>
public sealed record ArtifactQuery(string? Identity = null, string? Key = null, string? Storage = null, string? Hash = null,
    IEnumerable<KeyValuePair<string, object?>>? Filter = null, bool Trash = false, bool AllVersions = false);

/// <summary>Artifacts in storage locations (SPEC rules 19–24): ingest, in-place registration, versions, trash, save, move.</summary>
public sealed class ArtifactService(LaminContext context)
{
    public static readonly RecordFields<LaminArtifact> Fields = new(nameof(LaminArtifact.Stem));

    /// <summary>Fields that search treats as hashes (SPEC rule 16: whole or a prefix of 8+ characters).</summary>
    public static readonly IReadOnlyCollection<string> HashFields = ["hash"];
    private readonly StorageService _storages = new(context);
    private readonly PresenceCheck _present = new();
    private static readonly GateScope RolledBack = new("Add-LaminArtifact");

    // ================================================================ reading

    /// <summary>
    /// One registry view: the storages by id, the access policy and the instance document. Built once
    /// per session, or once per cmdlet call for planning many paths (a snapshot without a session).
    /// </summary>
    public sealed class View
    {
        internal View(IRegistrySession s, LaminContext context, StorageService storages)
        {
            Session = s;
            Access = new AccessPolicy(s, context.User);
            Instance = s.InstanceDocument;
            Storages = s.Storages.FindAll().ToDictionary(x => x.Id, x => storages.Decorate(x, Access));
        }

        internal IRegistrySession? Session { get; private set; }
        internal AccessPolicy Access { get; }
        internal InstanceDocument Instance { get; }
        internal Dictionary<int, LaminStorage> Storages { get; }
        private readonly Dictionary<int, StorageRoot> _roots = new();

        /// <summary>Whether the registry hides any location from this role (planning views only; false elsewhere: LiteDB, admins).</summary>
        internal bool HidesLocations { get; set; }

        /// <summary>
        /// Local locations this planning view found present (SPEC §10 rule 3): a pipeline's plans read the marker
        /// once per location, not once per path (issue 15). Staging checks again at the moment of writing.
        /// </summary>
        internal HashSet<int> FoundPresent { get; } = [];

        /// <summary>
        /// The keys the inputs of this command took, per location (issue 26 point 2, SPEC §4): a second input mapping
        /// to one of them is DuplicateKey, never a version of the first. The value is the input that took it.
        /// </summary>
        internal Dictionary<(int StorageId, string Key), string> ClaimedKeys { get; } = new();

        /// <summary>The source folder resolved last, and its resolution (files of one folder come in a row).</summary>
        internal (string Folder, string Resolved)? LastSourceFolder { get; set; }

        /// <summary>The same view, detached from its (closed) session, for planning.</summary>
        internal View Detach() { Session = null; return this; }

        internal IRegistrySession RequireSession() => Session ?? throw new InvalidOperationException("This view has no open registry session.");

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
                a.FullName = PathOf(RootOf(st), a.StorageKey());
            }
            return a;
        }
    }

    /// <summary>The full local path or URI (without query string) of a key under a root.</summary>
    public static string PathOf(StorageRoot root, string key) =>
        root.IsLocal ? LocalStorageProvider.Instance.PathOf(root, key) : root.PathPart + "/" + key;

    public List<LaminArtifact> Get(ArtifactQuery q) => context.Registry.Read(s => Select(new View(s, context, _storages), q, null));

    /// <summary>
    /// The records of <paramref name="q"/>: from its own rows (an identity, the key or hash index, else every record), or
    /// from one <paramref name="page"/> of records in id order (<see cref="Stream"/>); the same rules for both.
    /// </summary>
    private List<LaminArtifact> Select(View view, ArtifactQuery q, List<LaminArtifact>? page)
    {
        var s = view.RequireSession();
        IEnumerable<LaminArtifact> rows;
        if (page is null && q.Identity is not null && Wildcard.HasWildcard(q.Identity))
            rows = Matching(view, q.Identity).Where(a => a.IsTrashed == q.Trash && (q.AllVersions || q.Trash || a.IsLatest)); // SPEC §4: a Get returns every match
        else if (page is null && q.Identity is not null) rows = [Resolve(view, q.Identity)];
        else
        {
            rows = page is not null ? page
                : q.Key is { } k && !k.StartsWith('*') && !k.StartsWith('?') && !k.StartsWith('[')
                ? s.ArtifactsByKeyPrefixIgnoreCase(WildcardFreePrefix(k))
                : q.Hash is not null ? s.ArtifactsByHash(q.Hash) : s.Artifacts.FindAll();
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
    }

    /// <summary>
    /// <see cref="Get(ArtifactQuery)"/> as a stream, for a listing that no index narrows (every artifact, or those of one
    /// location, with or without -Filter): a page of records in id order per read session, so memory stays flat and the
    /// first records come at once at any size (`Get-LaminArtifact -Storage x | Select-Object -First 10` read every record
    /// of the location first: 3.9 s at a million on PostgreSQL; issue 28). Each record comes once; a record added during the
    /// listing may come too. A query by identity, key or hash reads its (index-bounded) rows in one session as before.
    /// </summary>
    public IEnumerable<LaminArtifact> Stream(ArtifactQuery q, int pageSize = 1000)
    {
        if (q.Identity is not null || q.Key is not null || q.Hash is not null)
        {
            foreach (var a in Get(q)) yield return a;
            yield break;
        }
        int last = int.MinValue;
        while (true)
        {
            var (page, read, lastId) = context.Registry.Read(s =>
            {
                var rows = s.Artifacts.FindPage(last, pageSize);
                return (Select(new View(s, context, _storages), q, rows), rows.Count, rows.Count == 0 ? last : rows[^1].Id);
            });
            foreach (var a in page) yield return a;
            if (read < pageSize) yield break;
            last = lastId;
        }
    }

    /// <summary>The part of a -Key pattern before its first wildcard or escape: every match starts with it, without regard to case.</summary>
    internal static string WildcardFreePrefix(string pattern)
    {
        int i = pattern.IndexOfAny(['*', '?', '[', '`']);
        return i < 0 ? pattern : pattern[..i];
    }

    /// <summary>
    /// The artifacts the user may see whose uid or key a wildcard -Identity matches (SPEC §4), from the key or uid
    /// index when the pattern starts with plain characters.
    /// </summary>
    internal static IEnumerable<LaminArtifact> Matching(View view, string pattern)
    {
        var s = view.RequireSession();
        var m = Wildcard.Compile(pattern);
        var prefix = WildcardFreePrefix(pattern);
        var candidates = prefix.Length == 0 ? s.Artifacts.FindAll()
            : Util.Uids.IsBase62(prefix) ? s.ArtifactsByKeyPrefixIgnoreCase(prefix).Concat(s.ArtifactsByUidPrefix(prefix)).DistinctBy(a => a.Id)
            : s.ArtifactsByKeyPrefixIgnoreCase(prefix);
        return candidates.Where(a => view.Access.CanSee(a.SpaceId) && (m(a.Uid) || (a.Key is { } k && m(k))));
    }

    /// <summary>-Identity: id, uid, or a uid prefix; a prefix of up to 16 characters prefers the latest version.</summary>
    internal static LaminArtifact Resolve(View view, string identity)
    {
        var s = view.RequireSession();
        identity = identity.Trim();
        if (Wildcard.HasWildcard(identity)) return view.Decorate(ResolvePattern(view, identity));
        LaminArtifact? found = null;
        if (identity.Length is > 0 and < 12 && identity.All(char.IsAsciiDigit) && int.TryParse(identity, out var id))
            found = s.Artifacts.FindById(id);
        if (found is null && identity.Length > 0)
        {
            found = s.ArtifactByUid(identity);
            if (found is null && Util.Uids.IsBase62(identity))
            {
                var matches = s.ArtifactsByUidPrefix(identity)
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
        view.Access.Require(found.SpaceId, SpaceRole.Read, identity, $"see artifact '{identity}'");
        return view.Decorate(found);
    }

    /// <summary>
    /// A wildcard -Identity for a cmdlet that changes state: the one latest, non-trashed artifact it matches (else the one
    /// trashed artifact, for Restore); several → MultipleRecordsFound, none → RecordNotFound (SPEC §4).
    /// </summary>
    private static LaminArtifact ResolvePattern(View view, string pattern)
    {
        var all = Matching(view, pattern).Take(10_000).ToList();
        var chosen = all.Where(a => a.IsLatest && !a.IsTrashed).ToList();
        if (chosen.Count == 0) chosen = all.Where(a => a.IsTrashed).ToList();
        if (chosen.Count > 1)
            throw new LaminException(ErrorIds.MultipleRecordsFound,
                $"The pattern '{pattern}' matches several artifacts ({string.Join(", ", chosen.Take(10).Select(a => a.Key ?? a.Uid))}); name one by its uid, or list them with Get-LaminArtifact '{pattern}' and pipe the ones you mean.", pattern);
        return chosen.SingleOrDefault() ?? throw new LaminException(ErrorIds.RecordNotFound,
            $"No artifact's uid or key matches '{pattern}'. List what there is with Get-LaminArtifact -Key '*'.", pattern);
    }

    public LaminArtifact Resolve(string identity) => context.Registry.Read(s => Resolve(new View(s, context, _storages), identity));

    /// <summary>A storage given as root (as typed or normalised), id, uid or uid stub, that the user may see.</summary>
    private LaminStorage ResolveStorage(View view, string storage)
    {
        var found = StorageService.ResolveRootOrIdentity(view.Storages.Values, storage, context.CurrentDirectory);
        view.Access.Require(found.SpaceId, SpaceRole.Read, storage, $"see storage location '{storage}'");
        return found;
    }

    public List<Ranked<LaminArtifact>> Search(string? query, IReadOnlyCollection<string>? fields, int? limit, bool caseSensitive) =>
        context.Registry.Read(s =>
        {
            var view = new View(s, context, _storages);
            var rows = s.Artifacts.FindAll().Where(a => !a.IsTrashed && a.IsLatest && view.Access.CanSee(a.SpaceId)).Select(view.Decorate);
            return SearchRanker.Rank(rows, Fields, query, fields, limit, caseSensitive, HashFields);
        });

    // ================================================================ adding

    /// <summary>Reads the registry once for planning many paths (Add-LaminArtifact over a pipeline).</summary>
    public View OpenPlanningView() => context.Registry.Read(s =>
    {
        var view = new View(s, context, _storages);
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

    /// <summary>Validates one path: where it goes, under which key; reads the registry only.</summary>
    public IngestPlan Plan(AddRequest r) => Plan(OpenPlanningView(), r);

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
            if (r.Storage is not null && ResolveStorage(view, r.Storage).Id != container.Id)
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
        var target = r.Storage is not null ? ResolveStorage(view, r.Storage) : DefaultTarget(view);
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
        if (top.Split(['/', '\\']).Any(IsManagedFolderName))
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
                if (isFolder && IsManagedFolderName(entry.Name))
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
        if (pathPart.Split('/').Any(IsManagedFolderName))
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
                int i = Array.FindIndex(segments, IsManagedFolderName);
                if (i >= 0)
                {
                    var managed = PathOf(root, rel + "/" + string.Join('/', segments[..(i + 1)])) + "/";
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

    /// <summary>".lamindb" in any letter case (SPEC rule 20, §11: case-insensitive stores and file systems).</summary>
    private static bool IsManagedFolderName(string segment) => string.Equals(segment, Marker.ManagedFolder, StringComparison.OrdinalIgnoreCase);

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

        try { _present.Require(plan.Storage); } // rule 3, at the moment of writing
        catch (LaminException e) when (e.ErrorId == ErrorIds.StorageNotPresent
            && context.Registry.Read(s => s.Storages.FindById(plan.Storage.Id)) is { } current
            && Fence(plan.Storage, current, $"'{plan.SourcePath}' was not copied; add it again", plan.SourcePath) is { } moved)
        {
            throw moved; // its marker left with the relocation (rule 14): say so rather than "not present"
        }
        // Issue 25: announced in the location before the first byte goes there, so orphan clearing keeps it until it is committed.
        var announcement = WriterAnnouncements.Enter(plan.Root, "Add-LaminArtifact", context.User);
        IObjectWriter? writer = null;
        try
        {
            writer = StorageProviders.For(plan.Root).CreateWriter(plan.Root, plan.IsFolder, plan.ProposedKey, cancel);
            if (!plan.IsFolder)
            {
                // The plan's lstat stands for "before" only when staging follows at once (not after a -Confirm prompt,
                // during which the file may be edited: that is no change *while it was read*).
                var planned = plan.SourceSnapshot is { } p && System.Diagnostics.Stopwatch.GetElapsedTime(p.Taken) < PlanSnapshotAge
                    ? (p.Length, p.Modified) : ((long, DateTime)?)null;
                var hash = CopyOne(plan.SourcePath, writer, "", progress, cancel, planned);
                return new StagedArtifact(plan, hash, plan.Size, null, writer, announcement);
            }
            var memberHashes = new List<string>(plan.Members.Count);
            foreach (var m in plan.Members)
            {
                var rel = Path.GetRelativePath(plan.SourcePath, m.FullName).Replace('\\', '/');
                memberHashes.Add(CopyOne(m.FullName, writer, rel, progress, cancel).Hash);
            }
            return new StagedArtifact(plan, LaminHash.HashFolder(memberHashes), plan.Size, plan.Members.Count, writer, announcement);
        }
        catch
        {
            try { writer?.Dispose(); }
            finally { announcement.Dispose(); }
            throw;
        }
    }

    /// <summary>How long a plan's lstat of its source stands for the state before the read.</summary>
    private static readonly TimeSpan PlanSnapshotAge = TimeSpan.FromSeconds(1);

    private static HashResult CopyOne(string source, IObjectWriter writer, string member, ITransferProgress? progress, CancellationToken cancel,
        (long Length, DateTime Modified)? planned = null)
    {
        // The snapshot taken when it was planned, else one now: a change from then on is FileChanged.
        var before = planned ?? Snapshot(source);
        using var src = DataCopier.OpenSource(source, before.Length);
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
    /// <para>
    /// SPEC §10 rule 8: an item refused on its own (a locked previous version, access revoked, its
    /// location removed or no longer writable, its destination taken) is left out before anything of
    /// it is written; its copy is removed and the others are registered as if it had not been there.
    /// A failure of the transaction itself (a registry error) rolls back the whole batch, and every
    /// object published for it is removed again (all or nothing).
    /// </para>
    /// </summary>
    public List<CommitResult> Commit(IReadOnlyList<StagedArtifact> staged, Action<string> warn)
    {
        // One command's items: repeated outcomes summarised as Add-LaminArtifact does (issue 26 point 4), here for one
        // call (Set-Content on the drive writes one item: its warning is the item's own message).
        var notices = new IngestNotices();
        var results = CommitReporting(staged, notices.Add);
        foreach (var w in notices.Warnings()) warn(w);
        return results;
    }

    /// <summary>As <see cref="Commit(IReadOnlyList{StagedArtifact}, Action{string})"/>, each warned outcome handed to <paramref name="notice"/> (called on the committing thread).</summary>
    public List<CommitResult> CommitReporting(IReadOnlyList<StagedArtifact> staged, Action<IngestNotice> notice)
    {
        var published = new List<(StorageRoot Root, string Key)>();
        Util.TestHooks.Pause("add-artifact-commit"); // tests delete an upload, or clear orphans, here (issue 25)
        var gone = VerifyWritten(staged);
        try
        {
            return context.Registry.Write(s =>
            {
                var view = new View(s, context, _storages);
                var batch = new BatchLookups(s, staged);
                var results = new List<CommitResult>(staged.Count);
                foreach (var item in staged)
                {
                    if (gone.TryGetValue(item, out var missing))
                    {
                        item.Dispose(); // never registered; what is left of its upload goes (only while it is the version it wrote)
                        results.Add(new CommitResult(item, null, false, missing));
                        continue;
                    }
                    try
                    {
                        var (artifact, existed) = CommitOne(view, batch, item, notice, published);
                        results.Add(new CommitResult(item, artifact, existed, null));
                    }
                    catch (ItemRefused refused)
                    {
                        item.Dispose(); // its temporary (or the object uploaded at its proposed key) goes now
                        results.Add(new CommitResult(item, null, false, refused.Error));
                    }
                }
                batch.Flush();
                // SPEC §10 rule 10: the data of this batch on stable storage before its transaction commits.
                Durable.Barrier([], staged.Where(i => i.Writer is not null && i.Plan.Root.IsLocal).Select(i => i.Plan.Root.Root).Distinct().ToList());
                // The records emitted are the state this transaction commits: a later item of the batch
                // may have superseded an earlier one (two paths with one key: v1 is no longer latest). One read for all.
                var now = s.Artifacts.FindByIds(results.Where(r => r.Artifact is not null).Select(r => r.Artifact!.Id).ToList()).ToDictionary(a => a.Id);
                return results.Select(r => r.Artifact is null ? r
                    : r with { Artifact = view.Decorate(now.GetValueOrDefault(r.Artifact.Id) ?? r.Artifact) }).ToList();
            });
        }
        catch (Exception failure) when (!RegistryFailure.MayHaveCommitted(failure))
        {
            // Only objects this batch created at keys that were free (never a replaced one): nothing else is touched.
            // (A commit cut off with an unknown outcome keeps them: its records may be there. If they are not,
            // the objects are orphans, which Clear-LaminStorage -Orphaned finds.)
            foreach (var (root, key) in published)
                try { Gate.Delete(Gate.OwnObject(root, key, null, RolledBack)); } catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException) { }
            throw;
        }
    }

    /// <summary>
    /// Issue 25: before the registry transaction, each uploaded object is re-checked (one HEAD each, concurrently: the
    /// transaction is not held open for them): an object gone (PathNotFound) or replaced (FileChanged) refuses its item,
    /// which is then never registered; the others go on. Between this check and the commit, the writer's announcement
    /// keeps orphan clearing away from them. Local staging checks at its rename.
    /// </summary>
    private static Dictionary<StagedArtifact, LaminException> VerifyWritten(IReadOnlyList<StagedArtifact> staged)
    {
        var gone = new System.Collections.Concurrent.ConcurrentDictionary<StagedArtifact, LaminException>();
        var cloud = staged.Where(i => i.Writer is not null && !i.Plan.Root.IsLocal).ToList();
        Parallel.ForEach(cloud, new ParallelOptions { MaxDegreeOfParallelism = 16 }, item =>
        {
            try { item.Writer!.Verify(); }
            catch (LaminException e) when (e.ErrorId != ErrorIds.OperationCanceled)
            {
                gone[item] = new LaminException(e.ErrorId,
                    $"{e.Message} '{item.Plan.SourcePath}' was not registered; the other items of the batch were. Add it again.", item.Plan.SourcePath, e);
            }
        });
        return new Dictionary<StagedArtifact, LaminException>(gone);
    }

    /// <summary>
    /// SPEC §10 rule 14: StorageMoved when the location a writer staged into (<paramref name="staged"/>, as it read it
    /// then) has another root or generation in the registry now (<paramref name="now"/>, read in the committing
    /// transaction); null when it is the same. <paramref name="outcome"/> says what became of the write.
    /// </summary>
    internal static LaminException? Fence(LaminStorage staged, LaminStorage now, string outcome, object? target) =>
        now.Generation == staged.Generation && now.Root == staged.Root ? null
            : new LaminException(ErrorIds.StorageMoved,
                $"The storage location {now.Uid} was moved by Move-LaminStorage from {staged.Root} to {now.Root} (generation {staged.Generation} → {now.Generation}) " +
                $"while this command wrote into it: {outcome}.", target);

    /// <summary>A refusal of one item before anything of it was written: the batch goes on without it.</summary>
    private sealed class ItemRefused(LaminException error) : Exception(error.Message, error)
    {
        public LaminException Error { get; } = error;
    }

    private static ItemRefused Refuse(string id, string message, object? target) => new(new LaminException(id, message, target));

    /// <summary>
    /// The registry reads and writes of one batch in few round trips (a team instance's server is a network
    /// hop away): the dedupe lookups by hash and the version lookups by key are answered by one query each
    /// for the whole batch, then kept up to date with the batch's own records; the new records wait in
    /// <see cref="Pending"/> and go in together (<see cref="IRecordTable{T}.InsertMany"/>). Anything that
    /// asks the registry about the batch's records otherwise (a version's family, ObjectUsage, an update)
    /// calls <see cref="Flush"/> first, so it sees them exactly as it did when each was inserted at once.
    /// </summary>
    private sealed class BatchLookups
    {
        private readonly IRegistrySession _s;
        private readonly Dictionary<string, List<LaminArtifact>> _byHash = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<LaminArtifact>> _byKey = new(StringComparer.Ordinal);
        private readonly List<LaminArtifact> _pending = [];

        public BatchLookups(IRegistrySession s, IReadOnlyList<StagedArtifact> staged)
        {
            _s = s;
            var hashes = staged.Select(i => i.Hash.Hash).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
            foreach (var h in hashes) _byHash[h] = [];
            foreach (var a in s.ArtifactsByHashes(hashes)) if (a.Hash is not null && _byHash.TryGetValue(a.Hash, out var l)) l.Add(a);
            var keys = staged.Select(i => i.Plan.Key).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
            foreach (var k in keys) _byKey[k] = [];
            foreach (var a in s.ArtifactsByKeys(keys)) if (a.Key is not null && _byKey.TryGetValue(a.Key, out var l)) l.Add(a);
        }

        /// <summary>Artifacts with this hash, the batch's own included, in id order (as <see cref="IRegistrySession.ArtifactsByHash"/>).</summary>
        public List<LaminArtifact> ByHash(string hash) => _byHash.TryGetValue(hash, out var l) ? l : [.. _s.ArtifactsByHash(hash)];

        /// <summary>Artifacts with this key, the batch's own included (as <see cref="IRegistrySession.ArtifactsByKey"/>).</summary>
        public List<LaminArtifact> ByKey(string key) => _byKey.TryGetValue(key, out var l) ? l : [.. _s.ArtifactsByKey(key)];

        public IReadOnlyList<LaminArtifact> Pending => _pending;

        public void Add(LaminArtifact a)
        {
            _pending.Add(a);
            if (a.Hash is not null) { if (!_byHash.TryGetValue(a.Hash, out var h)) _byHash[a.Hash] = h = [.. _s.ArtifactsByHash(a.Hash)]; h.Add(a); }
            if (a.Key is not null) { if (!_byKey.TryGetValue(a.Key, out var k)) _byKey[a.Key] = k = [.. _s.ArtifactsByKey(a.Key)]; k.Add(a); }
        }

        /// <summary>Inserts the records waiting (each gets its id).</summary>
        public void Flush()
        {
            if (_pending.Count == 0) return;
            _s.Artifacts.InsertMany(_pending);
            _pending.Clear();
        }
    }

    private (LaminArtifact, bool) CommitOne(View view, BatchLookups batch, StagedArtifact item, Action<IngestNotice> notice, List<(StorageRoot, string)> published)
    {
        var s = view.RequireSession();
        var plan = item.Plan;
        // ---- checks: a refusal here has written nothing (registry or storage)
        if (!view.Storages.TryGetValue(plan.Storage.Id, out var storage))
            throw Refuse(ErrorIds.RecordNotFound, $"The storage location of '{plan.SourcePath}' was removed meanwhile; it was not registered.", plan.SourcePath);
        // SPEC §10 rule 14: committed only against the root and generation it was staged into, read here under the
        // registry's write lock (a relocation commits before or after this transaction, never inside it). Its copy
        // at the old root goes with the refusal (the writer's dispose); nothing is registered at the new root.
        if (Fence(plan.Storage, storage, $"'{plan.SourcePath}' was not registered (its copy there was removed); add it again", plan.SourcePath) is { } moved)
            throw new ItemRefused(moved);
        try { view.Access.Require(storage.SpaceId, SpaceRole.Write, plan.SourcePath, $"add '{plan.SourcePath}'"); }
        catch (LaminException e) { throw new ItemRefused(e); }
        if (!plan.InPlace && !storage.IsManaged)
            throw Refuse(ErrorIds.StorageReadOnly,
                $"{storage.Root} is no longer managed by the current instance; '{plan.SourcePath}' was not registered.", plan.SourcePath);
        var hash = item.Hash;
        var sameHash = hash.Hash is null ? [] : batch.ByHash(hash.Hash).Where(a => !a.IsTrashed).ToList();
        bool lookup = plan.InPlace ? plan.SkipHashLookup == false : plan.SkipHashLookup != true;
        if (lookup && item.Size > 0 && sameHash.FirstOrDefault(a => view.Access.CanSee(a.SpaceId)) is { } same)
        {
            notice(new(IngestOutcome.SameHash, $"returning artifact with same hash: {same.Uid} ({view.Decorate(same).FullName})", plan.SourcePath));
            item.Dispose();
            return (view.Decorate(same), true);
        }
        if (sameHash.FirstOrDefault(a => a.StorageId == storage.Id && a.Key == plan.Key && (!plan.ReadBack || a.IsLatest)) is { } sameKeyHash)
        {
            notice(new(IngestOutcome.SameKeyAndHash, $"returning artifact with same storage, key and hash: {sameKeyHash.Uid}", plan.SourcePath));
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
            // SPEC §10 rule 9: versions belong to (key, storage), as in LaminDB.
            var family = batch.ByKey(plan.Key).Where(a => a.StorageId == storage.Id).ToList();
            previous = family.Where(a => a.IsLatest && !a.IsTrashed).MaxBy(a => a.Version);
            if (previous is not null)
            {
                batch.Flush(); // the family query and the demotion below see (and may change) the batch's own records
                if (previous.IsLocked)
                    throw Refuse(ErrorIds.RecordLocked,
                        $"The artifact {previous.Uid} with key '{plan.Key}' is locked; a new version can't be added until it is unlocked " +
                        $"(Set-LaminArtifact -Identity {previous.Uid} -Unlock). '{plan.SourcePath}' was not registered.", plan.SourcePath);
                var stemFamily = Family(s, previous.Stem);
                // SPEC §11: never a uid whose object name NTFS or macOS would confuse with a version the family has ("000A"/"000a").
                artifact.Uid = VersionFileNames.NextUid(stemFamily.Select(a => a.Uid), FileSystemRules.Windows);
                artifact.Version = stemFamily.Max(a => a.Version) + 1;
            }
        }
        // ---- publishing: the copy goes to its final key (DestinationExists is refused before a byte moves)
        if (item.Writer is not null)
        {
            var finalKey = artifact.StorageKey();
            // Folder versions share one path (overwrite_versions), and a real key reused by a new version replaces the old file.
            bool replace = previous is not null && previous.StorageKey() == finalKey;
            // SPEC §10 rule 1 on the write side: a real key never lands inside (or replaces bytes of) another
            // live artifact, e.g. a registered folder that includes that path; the family's own versions are superseded by design.
            if (!finalKey.StartsWith(ArtifactKeys.AutoPrefix, StringComparison.Ordinal))
            {
                batch.Flush(); // ObjectUsage sees the batch's own records
                var own = previous is null ? [] : Family(s, previous.Stem).Select(v => v.Id).ToHashSet();
                var users = ObjectUsage.Users(s, storage, finalKey, plan.IsFolder, own);
                if (users.Count > 0)
                    throw Refuse(ErrorIds.ObjectInUse,
                        $"'{PathOf(plan.Root, finalKey)}' holds bytes of {ObjectUsage.Describe(users.Where(u => view.Access.CanSee(u.SpaceId)).ToList())}" +
                        $"; writing '{plan.SourcePath}' there would change that artifact. Choose another -Key, or add it with a virtual key. Nothing was written.", plan.SourcePath);
            }
            // SPEC §10 rule 15: a storage error while publishing this item (a sharing or access refusal, a path that can't
            // be created) refuses this item alone; only a registry failure fails the batch.
            try { item.Writer.Commit(finalKey, replace); }
            catch (LaminException e) when (e.ErrorId != ErrorIds.OperationCanceled) { throw new ItemRefused(e); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Refuse(e is UnauthorizedAccessException ? ErrorIds.StorageAccessDenied : ErrorIds.StorageIoError,
                    $"'{plan.SourcePath}' could not be published at '{PathOf(plan.Root, finalKey)}': {e.Message} It was not registered " +
                    "(its copy was removed); the other items of the batch were. Fix the cause (a file open elsewhere, permissions) and add it again.", plan.SourcePath);
            }
            if (!replace) published.Add((plan.Root, finalKey));
        }
        if (previous is not null) notice(new(IngestOutcome.NewVersion, $"creating new artifact version for key '{plan.Key}' in storage '{storage.Root}'", plan.SourcePath));
        // ---- registry writes: a failure from here on is the transaction's, not the item's
        // The previous version is demoted BEFORE the new one goes in: PostgreSQL's unique index (one latest
        // version per storage and key) checks each statement, so the other order is refused there.
        if (previous is not null)
        {
            previous.IsLatest = false;
            previous.UpdatedAt = now;
            s.Artifacts.Update(previous);
        }
        batch.Add(artifact); // inserted with the batch's others (Flush), before the transaction commits
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
    private static List<LaminArtifact> Family(IRegistrySession s, string stem) =>
        s.ArtifactsByUidPrefix(stem).Where(a => a.Uid.StartsWith(stem, StringComparison.Ordinal)).ToList();

    /// <summary>
    /// Whether a newer version of the family (trashed or not) was written at the same object, so this
    /// version's bytes are gone by design: a real key reused, or a folder version written over its predecessor
    /// (SPEC §10 rule 1: Superseded). Such a version never becomes latest again (rule 16).
    /// </summary>
    internal static bool BytesReplaced(LaminArtifact v, IEnumerable<LaminArtifact> family)
    {
        var key = v.StorageKey();
        return family.Any(x => x.StorageId == v.StorageId && x.Version > v.Version && x.StorageKey() == key);
    }

    /// <summary>
    /// The one rule for "latest" after a trash, restore, permanent removal or move (SPEC §10 rules 9 and 16):
    /// per location, the newest version of the family that is not trashed and whose bytes no newer version
    /// replaced; none when that is no version (trashing the latest version at a real key leaves the key
    /// without a latest, the older ones stay Superseded), and none when another family already holds a latest
    /// version of the key in that location (exactly one latest per (key, location); the LiteDB index and
    /// PostgreSQL's artifact_latest_key enforce it too).
    /// </summary>
    private static void RecomputeLatest(IRegistrySession s, string stem)
    {
        var family = Family(s, stem);
        var latest = new HashSet<int>();
        foreach (var place in family.GroupBy(a => a.StorageId))
        {
            var chosen = place.Where(a => !a.IsTrashed && !BytesReplaced(a, place)).MaxBy(a => a.Version);
            if (chosen is null || (chosen.Key is not null && OtherLatest(s, chosen) is not null)) continue;
            latest.Add(chosen.Id);
        }
        // Demotions first, then the promotion: one latest version per key at every statement (PostgreSQL's unique index).
        foreach (var a in family.OrderBy(a => latest.Contains(a.Id)))
        {
            bool should = latest.Contains(a.Id);
            if (a.IsLatest != should) { a.IsLatest = should; s.Artifacts.Update(a); }
        }
    }

    /// <summary>The latest, non-trashed version of another family at the same key in the same location, if any.</summary>
    private static LaminArtifact? OtherLatest(IRegistrySession s, LaminArtifact a) =>
        a.Key is null ? null
            : s.ArtifactsByKey(a.Key).FirstOrDefault(x => x.StorageId == a.StorageId && x.IsLatest && !x.IsTrashed && !x.Uid.StartsWith(a.Stem, StringComparison.Ordinal));

    /// <summary>
    /// Whether -Permanent deletes the object with the record: always for an object Lamin stored under
    /// .lamindb/, else only with -DeleteFile (an in-place file, also one registered under a virtual key, is kept).
    /// </summary>
    public static bool PermanentDeletesObject(LaminArtifact a, bool deleteFile) =>
        deleteFile || a.StorageKey().StartsWith(ArtifactKeys.AutoPrefix, StringComparison.Ordinal);

    /// <summary>SPEC rule 23: trash, or with <paramref name="permanent"/> delete the record and its managed object.</summary>
    public void Remove(string identity, bool permanent, bool deleteFile, Action<string>? warn = null)
    {
        long? recordedSize = null;
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
                return (Gate.Permit?)null;
            }
            var storage = view.Storages[a.StorageId];
            var key = a.StorageKey();
            // SPEC §10 rule 16: older versions of this key whose bytes this version replaced at the same place (a real key
            // reused, a folder version overwritten) still point there; without this record nothing says their bytes are
            // gone, and one of them would become latest with this version's bytes. Refused: they go first, or this is trashed.
            var replaced = Family(s, a.Stem)
                .Where(v => v.Id != a.Id && v.StorageId == a.StorageId && v.Version < a.Version && v.Hash != a.Hash && v.StorageKey() == key)
                .ToList();
            if (replaced.Count > 0)
                throw new LaminException(ErrorIds.ObjectInUse,
                    $"Cannot remove {a.Uid} permanently: its bytes at {PathOf(view.RootOf(storage), key)} replaced those of older version(s) {ObjectUsage.Describe(replaced)}, " +
                    $"whose records point there. Nothing was changed. Remove those versions first (Remove-LaminArtifact <uid> -Permanent), or move this one to the trash (Remove-LaminArtifact {a.Uid}).", identity);
            bool underManaged = PermanentDeletesObject(a, deleteFile: false);
            if (deleteFile && !underManaged && !storage.IsManaged)
                throw new LaminException(ErrorIds.StorageReadOnly,
                    $"Cannot delete the file of {a.Uid}: {storage.Root} is not managed by the current instance. Remove the record without -DeleteFile.", identity);
            bool deleteObject = storage.IsManaged && (underManaged || deleteFile);
            if (deleteObject)
            {
                // Versions sharing the very same object (folder versions at .lamindb/<stem>, a real key
                // reused by a new version): the object is theirs now and stays; only the record goes.
                var users = ObjectUsage.Users(s, storage, key, a.NFiles is not null, except: [a.Id]);
                if (users.Any(u => u.Stem == a.Stem && u.StorageKey() == key)) deleteObject = false;
            }
            if (deleteObject && storage.Type == "local" && !StorageService.IsPresentHere(storage))
            {
                // Not on this machine (another host, or gone): whatever sits at this path here is not its data.
                if (deleteFile) StorageService.RequirePresentHere(storage, identity);
                deleteObject = false;
            }
            Gate.Permit? permit = null;
            if (deleteObject)
            {
                var root = view.RootOf(storage);
                ArtifactKeys.RequireUsable(a); // rule 13: a crafted key never becomes a path to delete
                if (root.IsLocal)
                {
                    var path = LocalPaths.ResolveUnder(root.Root, key); // rule 6: refused before the record goes
                    // Rule 2 at delete time too: a .lamindb/ that appeared inside a folder artifact (a location
                    // registered there later, or a registry from before the rule) is never deleted with it.
                    if (a.NFiles is not null && Directory.Exists(path) && new FileInfo(path).LinkTarget is null) LocalStorageProvider.FilesBelow(path);
                }
                // SPEC §10 rules 1 and 12: the gate, before the record goes (every location holding the path, hidden rows too).
                permit = Gate.Check(s, root, key, a.NFiles is not null, new GateScope("Remove-LaminArtifact") { Retiring = [a.Id] });
                recordedSize = a.NFiles is null ? a.Size : null;
            }
            s.Artifacts.Delete(a.Id);
            RecomputeLatest(s, a.Stem);
            return permit;
        });
        // After the commit: a crash here leaves an unregistered object (found by a check), never a record without its file.
        if (toDelete is null) return;
        try
        {
            // Issue 25: a file goes only while it still is the artifact's (its recorded size), and only as read now
            // (locally its time and inode, S3 If-Match, GCS ifGenerationMatch): one another client wrote is kept.
            if (recordedSize is { } size && StorageProviders.For(toDelete.Root).Version(toDelete.Root, toDelete.Key) is { } now)
            {
                if (now.Size != size)
                    throw new LaminException(ErrorIds.FileChanged,
                        $"Remove-LaminArtifact kept '{PathOf(toDelete.Root, toDelete.Key)}': it holds {now.Size} bytes, the artifact {size}, so another client wrote it since. " +
                        "The record is removed; check what the file holds and remove it yourself if it is not wanted.", PathOf(toDelete.Root, toDelete.Key));
                toDelete = toDelete.Expecting(now);
            }
            Gate.Delete(toDelete); // a file deletes its object alone, a folder its members
        }
        catch (LaminException e) when (e.ErrorId == ErrorIds.FileChanged && warn is not null) { warn(e.Message); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The record is gone already: say so, never "nothing was changed".
            var where = PathOf(toDelete.Root, toDelete.Key);
            throw new LaminException(ErrorIds.StorageIoError,
                $"The artifact '{identity}' was removed from the registry, but its data at {where} could not be deleted: {e.Message} " +
                "Delete it by hand once the cause is fixed (Clear-LaminStorage -Orphaned finds it when it is under .lamindb/).", where, e);
        }
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
        if (a.IsTrashed && a.Key is not null)
        {
            // SPEC §10 rule 16: the key got another family while this one was in the trash; two latest versions of
            // one key would compete (the drive would write the next version into either).
            var live = s.ArtifactsByKey(a.Key)
                .Where(x => x.StorageId == a.StorageId && !x.IsTrashed && !x.Uid.StartsWith(a.Stem, StringComparison.Ordinal))
                .OrderByDescending(x => x.IsLatest).ThenByDescending(x => x.Version).ToList();
            if (live.Count > 0)
                throw new LaminException(ErrorIds.DestinationExists,
                    $"Cannot restore {a.Uid}: the key '{a.Key}' in {view.Storages[a.StorageId].Root} has since got another artifact, {live[0].Uid}" +
                    $"{(live[0].IsLatest ? " (its latest version)" : "")}, and a key has one latest version. Nothing was changed. " +
                    $"Trash that one first (Remove-LaminArtifact {live[0].Uid}), or save this version elsewhere with Save-LaminArtifact {a.Uid}.", identity);
        }
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
                || (OperatingSystem.IsWindows() && segment.IndexOfAny(['<', '>', ':', '"', '|', '?', '*', '\\']) >= 0))
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

    /// <summary>
    /// Moves an artifact, with its whole version family in the source location (trashed versions too,
    /// SPEC §10 rule 9), to another managed location in its space: copy every object (verifying size
    /// and hash), switch every record in one transaction, then remove each source object that no other
    /// live artifact includes (rule 1: otherwise it is kept, with a warning naming who holds it).
    /// A failure at any step leaves the family whole and readable where it was, and removes only what
    /// this move wrote at the target.
    /// </summary>
    public LaminArtifact Move(string identity, string targetStorage, Action<string> warn, ITransferProgress? progress, CancellationToken cancel)
    {
        var (a, source, target, family) = context.Registry.Read(s =>
        {
            var view = new View(s, context, _storages);
            var art = ResolveForChange(view, identity);
            var src = view.Storages[art.StorageId];
            var dst = ResolveStorage(view, targetStorage);
            if (dst.Id == src.Id || dst.Root == src.Root)
                throw new LaminException(ErrorIds.InvalidArgument, $"{art.Uid} is already in {dst.Root}. Cannot move to the same path.", targetStorage);
            if (!src.IsManaged)
                throw new LaminException(ErrorIds.StorageReadOnly, $"Cannot move an artifact in a storage location that is not managed by the current instance ({src.Root}).", identity);
            if (!dst.IsManaged)
                throw new LaminException(ErrorIds.StorageReadOnly, $"Cannot move an artifact to a storage location that is not managed by the current instance ({dst.Root}).", targetStorage);
            if (dst.SpaceId != art.SpaceId)
                throw new LaminException(ErrorIds.NotInSpace,
                    $"Cannot change the storage of an artifact to a storage location that is not in the same space ('{dst.Space}' vs '{art.Space}').", targetStorage);
            view.Access.Require(dst.SpaceId, SpaceRole.Write, targetStorage, $"add artifacts to {dst.Root}");
            // SPEC §10 rule 3: a local root registered here but not present on this machine is another machine's folder.
            if (src.Type == "local" && !StorageService.IsPresentHere(src))
                throw new LaminException(ErrorIds.StorageNotPresent,
                    $"The storage location {src.Root} is not present on this machine (its marker is missing or holds another uid); run the move where it is present.", identity);
            if (dst.Type == "local" && !StorageService.IsPresentHere(dst))
                throw new LaminException(ErrorIds.StorageNotPresent,
                    $"The storage location {dst.Root} is not present on this machine (its marker is missing or holds another uid); nothing was moved.", targetStorage);
            var fam = Family(s, art.Stem).Where(v => v.StorageId == src.Id).OrderBy(v => v.Version).ToList();
            foreach (var v in fam)
            {
                ArtifactKeys.RequireUsable(v); // rule 13: a crafted key is never copied to or deleted from
                view.Access.Require(v.SpaceId, SpaceRole.Write, identity, $"change artifact {v.Uid}");
                if (v.IsLocked)
                    throw new LaminException(ErrorIds.RecordLocked,
                        $"Version {v.Uid} of {art.Uid} is locked, and all versions of a key move together; unlock it first with Set-LaminArtifact -Identity {v.Uid} -Unlock. Nothing was moved.", identity);
            }
            CheckMoveTarget(view, fam, dst, targetStorage);
            return (view.Decorate(art), src, dst, fam);
        });
        var srcRoot = StorageRoot.Parse(source.Root, "/");
        var dstRoot = StorageRoot.Parse(target.Root, "/");
        var srcProvider = StorageProviders.For(srcRoot);
        var dstProvider = StorageProviders.For(dstRoot);
        var ids = family.Select(v => v.Id).ToHashSet();
        // One object per storage key: folder versions share .lamindb/<stem> and a real key reused by a new
        // version holds the newest bytes, so each object is checked against the newest version that uses it.
        var objects = family.GroupBy(v => v.StorageKey()).Select(g => g.MaxBy(v => v.Version)!).ToList();
        if (family.Count > 1)
            warn($"moving all {family.Count} versions of {a.Stem} (key '{a.Key}') together: versions of a key belong to one location");
        // SPEC §11: every object key (and folder member) storable at the target and no two one file there, before anything is copied.
        LocationRules.RequireStorable(dstRoot, objects.SelectMany(o => o.NFiles is null ? [o.StorageKey()] : srcProvider.List(srcRoot, o.StorageKey()).Select(m => m.Key)));
        foreach (var o in objects)
        {
            var key = o.StorageKey();
            if (dstProvider.Stat(dstRoot, key) is not null)
                throw new LaminException(ErrorIds.DestinationExists,
                    $"'{PathOf(dstRoot, key)}' already exists in {target.Root}; nothing was moved or overwritten.", targetStorage);
        }

        var written = new List<string>(); // keys this move created at the target: the only ones it may remove there
        // Issue 25: each source file as it is before the copy reads it; its delete below happens only while it still is.
        var versions = objects.Where(o => o.NFiles is null).ToDictionary(o => o.StorageKey(), o => srcProvider.Version(srcRoot, o.StorageKey()), StringComparer.Ordinal);
        var writers = new List<IObjectWriter>();
        // A folder's members as the copy read them (its delete below takes each only while it still is).
        var memberVersions = new Dictionary<string, ObjectVersion>(StringComparer.Ordinal);
        LaminArtifact moved;
        // Issue 25: announced at the target before the first copy, until the records switched: orphan clearing keeps the copies.
        using var announcement = WriterAnnouncements.Enter(dstRoot, "Move-LaminArtifact", context.User);
        try
        {
            foreach (var o in objects) { writers.Add(CopyForMove(o, srcProvider, srcRoot, dstProvider, dstRoot, source, progress, cancel, memberVersions)); written.Add(o.StorageKey()); }
            if (dstRoot.IsLocal) Durable.Barrier([], [dstRoot.Root]); // rule 10: the copies durable before the switch
            Util.TestHooks.Pause("move-artifact-commit"); // tests relocate a location here (rule 14)
            // Issue 25: each copy still there as written (one HEAD each) before the records point to it; else nothing moves.
            try
            {
                foreach (var w in writers) w.Verify();
                foreach (var o in objects.Where(o => dstRoot.IsLocal && dstProvider.Stat(dstRoot, o.StorageKey()) is null))
                    throw new LaminException(ErrorIds.PathNotFound, $"The copy '{PathOf(dstRoot, o.StorageKey())}' is gone before the move's commit (deleted by another command or by hand).", PathOf(dstRoot, o.StorageKey()));
            }
            catch (LaminException e) when (e.ErrorId is ErrorIds.PathNotFound or ErrorIds.FileChanged)
            {
                throw new LaminException(e.ErrorId, $"{e.Message} Nothing moved: {a.Uid} stays in {source.Root}; run Move-LaminArtifact again.", e.Target, e);
            }
            moved = context.Registry.Write(s =>
            {
                var view = new View(s, context, _storages);
                var current = Family(s, a.Stem).Where(v => v.StorageId == source.Id).ToList();
                foreach (var v in family)
                {
                    var now = current.FirstOrDefault(c => c.Id == v.Id)
                        ?? throw new LaminException(ErrorIds.FileChanged, $"Version {v.Uid} was removed or moved meanwhile; the copies were discarded and nothing moved.", a.Uid);
                    if (now.Hash != v.Hash || now.IsLocked)
                        throw new LaminException(ErrorIds.FileChanged, $"Version {v.Uid} changed meanwhile; the copies were discarded and nothing moved.", a.Uid);
                }
                if (current.Count != family.Count)
                    throw new LaminException(ErrorIds.FileChanged, $"A version of {a.Stem} was added meanwhile; the copies were discarded and nothing moved. Run the move again.", a.Uid);
                if (!view.Storages.TryGetValue(target.Id, out var dst))
                    throw new LaminException(ErrorIds.RecordNotFound, $"The target location was removed meanwhile; the copies were discarded and nothing moved.", targetStorage);
                // SPEC §10 rule 14: the records switch only to the root and generation the copies went into, and only from
                // the root and generation they were read from; else the copies go and the source stays (nothing deleted).
                if (Fence(target, dst, $"the copies of {a.Uid} at {target.Root} were discarded and nothing moved; run Move-LaminArtifact again", identity) is { } targetMoved)
                    throw targetMoved;
                if (view.Storages.TryGetValue(source.Id, out var srcNow)
                    && Fence(source, srcNow, $"{a.Uid} was copied from {source.Root}; the copies were discarded and nothing moved; run Move-LaminArtifact again", identity) is { } sourceMoved)
                    throw sourceMoved;
                CheckMoveTarget(view, current, dst, targetStorage);
                var stamp = Util.Clock.UtcNow;
                foreach (var v in current)
                {
                    v.StorageId = target.Id;
                    v.StorageUid = target.Uid;
                    v.UpdatedAt = stamp;
                    s.Artifacts.Update(v);
                }
                RecomputeLatest(s, a.Stem); // exactly one latest version of the family
                return view.Decorate(s.Artifacts.FindById(a.Id));
            });
        }
        catch
        {
            DiscardMoveCopies(written, objects, dstRoot);
            throw;
        }
        finally
        {
            foreach (var w in writers) w.Dispose(); // committed: nothing to undo; the copies above are removed through the gate
        }


        // SPEC §10 rules 1 and 12: a source object another live artifact includes (a folder around it, files registered
        // inside it, a nested location's) stays; the gate says which, with the family's own records retiring.
        var sourceScope = new GateScope("Move-LaminArtifact") { Retiring = ids };
        var permits = context.Registry.Read(s =>
        {
            var access = new AccessPolicy(s, context.User);
            return objects.ToDictionary(o => o.StorageKey(), o =>
            {
                var users = Describe(access, ObjectUsage.Users(s, source, o.StorageKey(), o.NFiles is not null, ids));
                if (users is not null) return (Permit: (Gate.Permit?)null, Why: $"{users} include(s) those bytes");
                var permit = Gate.TryCheck(s, srcRoot, o.StorageKey(), o.NFiles is not null, sourceScope, out var refusal);
                return (Permit: permit, Why: refusal?.Message);
            });
        });
        foreach (var o in objects)
        {
            var key = o.StorageKey();
            if (permits[key].Permit is not { } permit) warn($"the source {PathOf(srcRoot, key)} is kept: {permits[key].Why}");
            else
            {
                if (o.NFiles is null && versions.GetValueOrDefault(key) is not { } version)
                {
                    warn($"the source {PathOf(srcRoot, key)} is kept: it was not there when the move read it, so it is not what the move copied");
                    continue;
                }
                if (o.NFiles is not null)
                {
                    DeleteFolderAsCopied(a, srcRoot, permit, memberVersions, warn);
                    continue;
                }
                // A file goes only while it is what the copy read (issue 25: S3 If-Match, GCS ifGenerationMatch, local re-check).
                try { Gate.Delete(permit.Expecting(versions[key])); }
                catch (LaminException e) when (e.ErrorId == ErrorIds.FileChanged)
                {
                    warn($"{ErrorIds.FileChanged}: {a.Uid} was moved, but {e.Message}");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    warn($"{a.Uid} was moved, but the source {PathOf(srcRoot, key)} could not be deleted: {e.Message} It is no longer registered; delete it by hand.");
                }
            }
        }
        return moved;
    }

    /// <summary>
    /// The target must not hold the family's key in another family (versions belong to (key, storage):
    /// two families would compete for "latest"), nor bytes of a live artifact where the objects would land.
    /// </summary>
    private static void CheckMoveTarget(View view, IReadOnlyCollection<LaminArtifact> family, LaminStorage dst, string targetStorage)
    {
        var s = view.RequireSession();
        var ids = family.Select(v => v.Id).ToHashSet();
        foreach (var key in family.Select(v => v.Key).OfType<string>().Distinct())
        {
            var other = s.ArtifactsByKey(key).Where(x => x.StorageId == dst.Id && !ids.Contains(x.Id)).ToList();
            if (other.Count > 0)
                throw new LaminException(ErrorIds.DestinationExists,
                    $"{dst.Root} already holds the key '{key}' ({Describe(view.Access, other)}), another version family; versions of a key belong to one location. " +
                    "Remove or move that family first, or choose another location. Nothing was moved.", targetStorage);
        }
        foreach (var o in family.GroupBy(v => v.StorageKey()).Select(g => g.MaxBy(v => v.Version)!))
        {
            var users = ObjectUsage.Users(s, dst, o.StorageKey(), o.NFiles is not null, ids);
            if (users.Count > 0)
                throw new LaminException(ErrorIds.DestinationExists,
                    $"'{o.StorageKey()}' in {dst.Root} would overlap the data of {Describe(view.Access, users)}; nothing was moved.", targetStorage);
        }
    }

    /// <summary>Artifacts for a message: the ones the user may see by uid and key, the others only counted.</summary>
    private static string? Describe(AccessPolicy access, IReadOnlyCollection<LaminArtifact> users)
    {
        if (users.Count == 0) return null;
        var visible = users.Where(u => access.CanSee(u.SpaceId)).ToList();
        int hidden = users.Count - visible.Count;
        var text = visible.Count > 0 ? ObjectUsage.Describe(visible) : "";
        if (hidden > 0) text += (text.Length > 0 ? " and " : "") + $"{hidden} artifact(s) in a space you can't see";
        return text;
    }

    /// <summary>A refused or failed Move-LaminArtifact removes the copies it made at the target (objects it created at free keys).</summary>
    private static void DiscardMoveCopies(IEnumerable<string> written, IReadOnlyList<LaminArtifact> objects, StorageRoot dstRoot)
    {
        var moveScope = new GateScope("Move-LaminArtifact");
        foreach (var key in written)
            try { Gate.Delete(Gate.OwnObject(dstRoot, key, objects.First(o => o.StorageKey() == key).NFiles is not null, moveScope)); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException) { }
    }

    /// <summary>Copies one object (file or folder) of a moving family to the same key at the target and verifies it; returns its committed writer (the caller verifies it again before the switch, then disposes it).</summary>
    /// <summary>
    /// Issue 25: a moved folder's source members go one by one, each only while it is what the copy read (a member
    /// rewritten since is kept, with a FileChanged warning; a file added since is not a member and stays); then its
    /// emptied folders (locally).
    /// </summary>
    private static void DeleteFolderAsCopied(LaminArtifact a, StorageRoot srcRoot, Gate.Permit folder, IReadOnlyDictionary<string, ObjectVersion> memberVersions, Action<string> warn)
    {
        var members = memberVersions.Where(m => m.Key.StartsWith(folder.Key + "/", StringComparison.Ordinal)).ToList();
        foreach (var (memberKey, version) in members)
        {
            try { Gate.Delete(folder.Member(memberKey).Expecting(version)); }
            catch (LaminException e) when (e.ErrorId == ErrorIds.FileChanged) { warn($"{ErrorIds.FileChanged}: {a.Uid} was moved, but {e.Message}"); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                warn($"{a.Uid} was moved, but the source {PathOf(srcRoot, memberKey)} could not be deleted: {e.Message} It is no longer registered; delete it by hand.");
            }
        }
        if (!srcRoot.IsLocal) return;
        // Emptied folders, deepest first, up to the folder itself (a folder that still holds anything stays).
        var folders = new HashSet<string>(StringComparer.Ordinal) { folder.Key };
        foreach (var (memberKey, _) in members)
            for (var k = memberKey[..memberKey.LastIndexOf('/')]; k.Length > folder.Key.Length; k = k[..k.LastIndexOf('/')]) folders.Add(k);
        foreach (var k in folders.OrderByDescending(k => k.Length)) Gate.DeleteEmptyFolder(LocalPaths.ResolveUnder(srcRoot.Root, k));
    }

    private static IObjectWriter CopyForMove(LaminArtifact o, IStorageProvider srcProvider, StorageRoot srcRoot, IStorageProvider dstProvider, StorageRoot dstRoot,
        LaminStorage source, ITransferProgress? progress, CancellationToken cancel, IDictionary<string, ObjectVersion> memberVersions)
    {
        var key = o.StorageKey();
        bool folder = o.NFiles is not null;
        var writer = dstProvider.CreateWriter(dstRoot, folder, key, cancel);
        try
        {
        var memberHashes = new List<HashResult>();
        long bytes = 0;
        // A file key is that object alone (S3 may also hold objects below it); a folder is what lies below it.
        var members = srcProvider.List(srcRoot, key).Where(m => folder ? m.Key.StartsWith(key + "/", StringComparison.Ordinal) : m.Key == key);
        // Two roots of one store (one S3 endpoint, GCS): the store copies, no byte passes through here (issue 15).
        var serverSide = writer is IServerSideCopy copier && copier.CanCopyFrom(srcRoot) ? copier : null;
        HashResult? expected = !folder && o.Hash is not null && o.HashType is LaminHash.Md5 or LaminHash.Sha1FirstLast ? new HashResult(o.Hash, o.HashType!) : null;
        foreach (var m in members)
        {
            var member = folder ? m.Key[(key.Length + 1)..] : "";
            // Issue 25: a member as it is before the copy reads it (the folder's hash check below proves what was read).
            if (folder && srcProvider.Version(srcRoot, m.Key) is { } version) memberVersions[m.Key] = version;
            progress?.FileStarted(m.Key, m.Size);
            if (serverSide is not null)
            {
                cancel.ThrowIfCancellationRequested();
                memberHashes.Add(serverSide.CopyMemberFrom(member, srcRoot, m.Key, m.Size, expected));
                progress?.Bytes(m.Size);
            }
            else
            {
                using var src = srcProvider.OpenRead(srcRoot, m.Key);
                using var dst = writer.OpenMember(member, m.Size);
                memberHashes.Add(DataCopier.CopyAndHash(src, m.Size, dst, m.Key, progress, cancel));
            }
            progress?.FileDone();
            bytes += m.Size;
        }
        HashResult? hash = folder ? LaminHash.HashFolder(memberHashes.Select(h => h.Hash)) : memberHashes.Count == 1 ? memberHashes[0] : null;
        // Sizes always; hashes where the algorithm is the recorded one (an ETag md5 or md5-<n> of a large
        // in-place object is not what a copy computes).
        if (hash is null || bytes != o.Size || (o.Hash is not null && o.HashType == hash.Value.HashType && hash.Value.Hash != o.Hash))
            throw new LaminException(ErrorIds.HashMismatch,
                $"The copy of {o.Uid} does not match its record (size {bytes} vs {o.Size}, hash {hash?.Hash} vs {o.Hash}); nothing moved, the artifact stays in {source.Root}.", o.Uid);
        writer.Commit(key, replace: false);
        return writer;
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }
}
