namespace Lamin.PowerShell.Commands;

/// <summary>
/// Copies artifacts' files or folders to a local destination, verifying their hashes. Artifacts from
/// the pipeline are resolved in one registry read and downloaded up to four at a time.
/// </summary>
[Cmdlet(VerbsData.Save, "LaminArtifact", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = "Identity", HelpUri = HelpLinks.Base + "Save-LaminArtifact")]
[OutputType(typeof(FileInfo), typeof(DirectoryInfo))]
public sealed class SaveLaminArtifactCommand : LaminCmdlet
{
    private const int Parallel = 4;

    /// <summary>Piped artifacts are saved in groups of this many (one registry read, parallel downloads), then let go: memory stays flat along any pipeline.</summary>
    private const int BatchSize = 256;

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Identity")]
    [ValidateNotNullOrEmpty]
    public string[] Identity { get; set; } = [];

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public PSObject[]? InputObject { get; set; }

    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    private readonly List<string> _identities = [];
    /// <summary>Artifacts reached through a piped key folder of the lamin: drive, with the folder they keep their place in.</summary>
    private readonly Dictionary<string, string> _folderOf = new(StringComparer.Ordinal);

    protected override void Process()
    {
        // Piped artifacts are saved a batch at a time (one registry read, parallel downloads), never held to the end.
        Dispatch(InputObject, InputObject is null ? Identity : null, (_, value) => _identities.Add(value),
            (folder, a) => { _identities.Add(a.Uid); _folderOf[a.Uid] = folder; }, RecordKind.Artifact, RecordKind.KeyFolder);
        if (_identities.Count >= BatchSize) SaveBatch();
    }

    protected override void End() => SaveBatch();

    private void SaveBatch()
    {
        if (_identities.Count == 0) return;
        var batch = _identities.ToList();
        _identities.Clear();
        Save(batch);
        // A later batch of the same pipeline goes into the same folder, even if it holds one artifact.
        _batchSaved = true;
        _folderOf.Clear();
    }

    private bool _batchSaved;

    private void Save(IReadOnlyList<string> identities)
    {
        var service = new ArtifactService(Context);
        var dest = ResolveLocalPath(Destination);
        List<LaminArtifact> resolved;
        try { resolved = service.ResolveMany(identities); }
        catch (LaminException e) when (!TerminatingIds.Contains(e.ErrorId))
        {
            // One value is refused: report it (and any other) on its own, save the rest (SPEC §4).
            resolved = [];
            ForEachValue(identities, i => resolved.Add(service.Resolve(i)));
        }
        // Several artifacts, or the members of a piped key folder, can only go into a folder.
        dest = ArtifactService.SaveDestinationFolder(dest, resolved.Count > 1 || _folderOf.Count > 0 || _batchSaved);
        // A member of a piped key folder goes below the destination folder, at its place in the folder.
        var destinations = new Dictionary<string, string?>(StringComparer.Ordinal);
        var placed = new List<LaminArtifact>();
        ForEachValue(resolved, a =>
        {
            destinations[a.Uid] = _folderOf.TryGetValue(a.Uid, out var folder) ? service.FolderMemberDestination(dest, folder, a) : dest;
            placed.Add(a);
        });
        string? DestOf(LaminArtifact a) => destinations[a.Uid];
        var artifacts = placed
            .Where(a => ShouldProcess($"{a.Uid} ({a.FullName})", $"Save to {service.SaveTarget(a, DestOf(a))}"))
            .ToList();
        if (artifacts.Count == 1)
        {
            var progress = new ProgressReporter(this, $"Saving {artifacts[0].Uid}", artifacts[0].Size, artifacts[0].NFiles ?? 1);
            try { Emit(service.Save(artifacts[0], DestOf(artifacts[0]), Force, progress, Cancellation)); }
            finally { progress.Complete(); }
            return;
        }
        // Several: a bounded number of downloads at a time; results in input order, progress from this thread.
        var results = new string?[artifacts.Count];
        var errors = new LaminException?[artifacts.Count];
        var work = System.Threading.Tasks.Parallel.ForEachAsync(Enumerable.Range(0, artifacts.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Parallel, CancellationToken = Cancellation },
            (i, _) =>
            {
                try { results[i] = service.Save(artifacts[i], DestOf(artifacts[i]), Force, null, Cancellation); }
                catch (LaminException e) { errors[i] = e; }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    errors[i] = new LaminException(ErrorIds.StorageIoError, $"{e.Message} Nothing else was changed for {artifacts[i].Uid}; fix the cause and retry.", artifacts[i].Uid, e);
                }
                return ValueTask.CompletedTask;
            });
        var total = artifacts.Count;
        while (!work.Wait(250))
            WriteProgress(new ProgressRecord(1, "Saving artifacts", $"{results.Count(r => r is not null)} of {total}")
            { PercentComplete = results.Count(r => r is not null) * 100 / total });
        work.GetAwaiter().GetResult();
        WriteProgress(new ProgressRecord(1, "Saving artifacts", "done") { RecordType = ProgressRecordType.Completed });
        for (int i = 0; i < total; i++)
        {
            if (errors[i] is { } e) WriteError(ToErrorRecord(e));
            else Emit(results[i]!);
        }
    }

    /// <summary>
    /// Writes what was saved as Get-Item gives it (the FileSystem provider's item, with PSPath, PSParentPath and, on
    /// Unix, UnixStat), so it renders in FileSystem's own view with its mode and size, not as a bare FileInfo with blank columns.
    /// </summary>
    private void Emit(string written)
    {
        // Provider-qualified: a path such as /data/x would otherwise be read on the current drive (lamin: after cd lamin:\).
        foreach (var item in InvokeProvider.Item.Get([@"Microsoft.PowerShell.Core\FileSystem::" + written], force: true, literalPath: true)) WriteObject(item);
    }
}
