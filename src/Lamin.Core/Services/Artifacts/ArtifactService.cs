using Lamin.Core.Query;

namespace Lamin.Core.Services;

/// <summary>
/// Artifacts in storage locations (SPEC rules 19–24): the one entry point the cmdlets and the drive call. Each job lives in
/// its own class under Services/Artifacts: <see cref="ArtifactQueries"/> (Get, Stream, -Identity, Search), ingest in three
/// steps (<see cref="IngestPlanner"/>, <see cref="IngestStager"/>, <see cref="IngestCommit"/>, batched by
/// <see cref="IngestPipeline"/>), <see cref="VersionFamilies"/> (one latest version per key), <see cref="ArtifactLifecycle"/>
/// (remove, update, restore) and the transfers (<see cref="ArtifactSave"/>, <see cref="ArtifactMove"/>).
/// </summary>
public sealed partial class ArtifactService
{
    public static readonly RecordFields<LaminArtifact> Fields = new(nameof(LaminArtifact.Stem));

    /// <summary>Fields that search treats as hashes (SPEC rule 16: whole or a prefix of 8+ characters).</summary>
    public static readonly IReadOnlyCollection<string> HashFields = ["hash"];

    private readonly ArtifactQueries _queries;
    private readonly IngestPlanner _planner;
    private readonly IngestStager _stager;
    private readonly IngestCommit _commit;
    private readonly ArtifactLifecycle _lifecycle;
    private readonly ArtifactSave _save;
    private readonly ArtifactMove _move;

    public ArtifactService(LaminContext context)
    {
        var storages = new StorageService(context);
        _queries = new ArtifactQueries(context, storages);
        _planner = new IngestPlanner(context, storages);
        _stager = new IngestStager(context);
        _commit = new IngestCommit(context, storages);
        _lifecycle = new ArtifactLifecycle(context, storages);
        _save = new ArtifactSave(context);
        _move = new ArtifactMove(context, storages);
    }

    /// <summary>The full local path or URI (without query string) of a key under a root.</summary>
    public static string PathOf(StorageRoot root, string key) =>
        root.IsLocal ? LocalStorageProvider.Instance.PathOf(root, key) : root.PathPart + "/" + key;

    // ================================================================ reading

    public List<LaminArtifact> Get(ArtifactQuery q) => _queries.Get(q);

    /// <inheritdoc cref="ArtifactQueries.Stream"/>
    public IEnumerable<LaminArtifact> Stream(ArtifactQuery q, int pageSize = 1000) => _queries.Stream(q, pageSize);

    /// <inheritdoc cref="ArtifactQueries.Resolve(View, string)"/>
    internal static LaminArtifact Resolve(View view, string identity) => ArtifactQueries.Resolve(view, identity);

    public LaminArtifact Resolve(string identity) => _queries.Resolve(identity);

    /// <summary>Several artifacts resolved in one registry read (Save-LaminArtifact over a pipeline).</summary>
    public List<LaminArtifact> ResolveMany(IEnumerable<string> identities) => _queries.ResolveMany(identities);

    public List<Ranked<LaminArtifact>> Search(string? query, IReadOnlyCollection<string>? fields, int? limit, bool caseSensitive) =>
        _queries.Search(query, fields, limit, caseSensitive);

    // ================================================================ adding

    /// <summary>Reads the registry once for planning many paths (Add-LaminArtifact over a pipeline).</summary>
    public View OpenPlanningView() => _planner.OpenPlanningView();

    /// <summary>Validates one path: where it goes, under which key; reads the registry only.</summary>
    public IngestPlan Plan(AddRequest r) => _planner.Plan(_planner.OpenPlanningView(), r);

    public IngestPlan Plan(View view, AddRequest r) => _planner.Plan(view, r);

    /// <inheritdoc cref="IngestPlanner.ClaimKey"/>
    public static void ClaimKey(View view, IngestPlan plan) => IngestPlanner.ClaimKey(view, plan);

    /// <inheritdoc cref="IngestPlanner.FilesToAdd"/>
    public static IEnumerable<FolderEntry> FilesToAdd(string folder) => IngestPlanner.FilesToAdd(folder);

    /// <inheritdoc cref="IngestPlanner.FolderMembers"/>
    public static List<FileInfo> FolderMembers(string folder) => IngestPlanner.FolderMembers(folder);

    /// <summary>Reads the data once: hashes in place, or copies under a temporary name while hashing.</summary>
    public StagedArtifact Stage(IngestPlan plan, ITransferProgress? progress, CancellationToken cancel) => _stager.Stage(plan, progress, cancel);

    /// <inheritdoc cref="IngestCommit.Commit"/>
    public List<CommitResult> Commit(IReadOnlyList<StagedArtifact> staged, Action<string> warn) => _commit.Commit(staged, warn);

    /// <inheritdoc cref="IngestCommit.CommitReporting"/>
    public List<CommitResult> CommitReporting(IReadOnlyList<StagedArtifact> staged, Action<IngestNotice> notice) => _commit.CommitReporting(staged, notice);

    // ================================================================ changing

    /// <inheritdoc cref="ArtifactLifecycle.PermanentDeletesObject"/>
    public static bool PermanentDeletesObject(LaminArtifact a, bool deleteFile) => ArtifactLifecycle.PermanentDeletesObject(a, deleteFile);

    /// <summary>SPEC rule 23: trash, or with <paramref name="permanent"/> delete the record and its managed object.</summary>
    public void Remove(string identity, bool permanent, bool deleteFile, Action<string>? warn = null) => _lifecycle.Remove(identity, permanent, deleteFile, warn);

    /// <summary>Changes an artifact's description or lock (a locked artifact refuses every other change with RecordLocked).</summary>
    public LaminArtifact Update(string identity, string? description, bool descriptionSet, bool? locked) => _lifecycle.Update(identity, description, descriptionSet, locked);

    public LaminArtifact Restore(string identity) => _lifecycle.Restore(identity);

    // ================================================================ transfers

    /// <summary>Copies an artifact's data to a local destination, verifying the hash on the way; returns the path written.</summary>
    public string Save(string identity, string? destination, bool force, ITransferProgress? progress, CancellationToken cancel) =>
        _save.Save(_queries.Resolve(identity), destination, force, progress, cancel);

    /// <summary>Copies an artifact's data to a local destination, verifying the hash on the way; returns the path written.</summary>
    public string Save(LaminArtifact a, string? destination, bool force, ITransferProgress? progress, CancellationToken cancel) =>
        _save.Save(a, destination, force, progress, cancel);

    /// <inheritdoc cref="ArtifactSave.SaveDestinationFolder"/>
    public static string? SaveDestinationFolder(string? destination, bool several) => ArtifactSave.SaveDestinationFolder(destination, several);

    /// <inheritdoc cref="ArtifactSave.FolderMemberDestination"/>
    public string FolderMemberDestination(string? destination, string folderKey, LaminArtifact a) => _save.FolderMemberDestination(destination, folderKey, a);

    /// <summary>Where Save writes an artifact for a destination (a file path, a folder, or the current folder).</summary>
    public string SaveTarget(LaminArtifact a, string? destination) => _save.SaveTarget(a, destination);

    /// <inheritdoc cref="ArtifactMove.Move"/>
    public LaminArtifact Move(string identity, string targetStorage, Action<string> warn, ITransferProgress? progress, CancellationToken cancel) =>
        _move.Move(identity, targetStorage, warn, progress, cancel);
}
