using System.Management.Automation;
using Lamin.Core.Errors;
using Lamin.Core.Model;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>
/// Adds files and folders as artifacts: registered in place when under a registered root, otherwise
/// copied into the target storage. Reads the registry once per call, copies and hashes each path in
/// one pass, and registers in batches (one transaction per batch).
/// </summary>
[Cmdlet(VerbsCommon.Add, "LaminArtifact", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = "Path",
    HelpUri = HelpLinks.Base + "Add-LaminArtifact")]
[OutputType(typeof(LaminArtifact))]
public sealed class AddLaminArtifactCommand : LaminCmdlet, IDisposable
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Path", ValueFromPipeline = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = "LiteralPath", ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    [Parameter]
    [ArgumentCompleter(typeof(KeyCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Key { get; set; }

    /// <summary>SPEC §4 "Destination keys": without -Key, the key is this prefix + the file name (as Write-S3Object -KeyPrefix).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? KeyPrefix { get; set; }

    /// <summary>
    /// SPEC §8: a lamin: drive path, lamin:\&lt;uid&gt;\&lt;key&gt; or lamin:\&lt;uid&gt;\&lt;folder&gt;\ (a trailing separator, or an existing
    /// key folder, appends the file name): the location and the key in one path. -Key still wins.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    [Parameter]
    public string? Description { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(StorageCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Storage { get; set; }

    [Parameter]
    public bool KeyIsVirtual { get; set; } = true;

    [Parameter]
    public SwitchParameter SkipHashLookup { get; set; }

    /// <summary>
    /// SPEC §4 (issue 26 point 2): a folder's files become artifacts of their own, keyed -KeyPrefix (or the -Destination
    /// folder, or nothing) + the path relative to the folder given; under a registered root each is registered in place.
    /// </summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    private ArtifactService? _service;
    private ArtifactService.View? _view;
    // Batches of staged items, each committed in one transaction on a thread of its own (the core's IngestPipeline).
    private IngestPipeline? _pipeline;

    private OuterProgress? _outer;

    protected override void Process()
    {
        if (_service is null)
        {
            // Issue 25: one description for every item, refused before anything is copied (the same rule on both engines).
            try { Lamin.Core.Registry.RegistryText.Check("-Description", Description); }
            catch (LaminException e) { Terminate(e); }
            if (Recurse && Key is not null)
                Terminate(new LaminException(ErrorIds.InvalidArgument,
                    "-Key names one artifact, and -Recurse adds each file below a folder as an artifact of its own: drop -Key, and pass -KeyPrefix <prefix/> or -Destination lamin:\\<uid>\\<folder>\\ instead.", Key));
        }
        _service ??= new ArtifactService(Context);
        _pipeline ??= new IngestPipeline(_service, n => WriteVerbose(n.Detail), WriteResult);
        if (Destination is not null && _destination is null)
        {
            if (Storage is not null) Terminate(new LaminException(ErrorIds.InvalidArgument, "-Destination names the location already; drop -Storage.", Storage));
            try { _destination = ResolveDestination(Destination); }
            catch (LaminException e) { Terminate(e); }
        }
        _view ??= _service.OpenPlanningView();
        // One refused path is reported (non-terminating, SPEC §4) and the others go on.
        var paths = new List<string>();
        ForEachValue(ParameterSetName == "LiteralPath" ? LiteralPath : Path, p => paths.AddRange(ResolvePaths(p)));
        // The outer bar: files and bytes over the whole pipeline; a total (and time left) only for one call's own paths.
        _outer ??= new OuterProgress(this, "Adding artifacts", "path(s)", null);
        // With -Recurse the number of files is not known before the folders are walked (never listed in advance).
        if (!MyInvocation.ExpectingInput && !Recurse) _outer.Total = paths.Count;
        ForEachValue(paths, path =>
        {
            if (!Recurse || !Directory.Exists(path) || IsUrl(path)) { AddOne(path, null); return; }
            // SPEC §4: each file below the folder on its own, streamed from the walk into the same plan/stage/commit as any path.
            ForEachValue(ArtifactService.FilesToAdd(path), entry =>
            {
                if (entry.Error is not null) throw entry.Error;
                if (entry.Skipped is not null) { WriteVerbose($"Skipped '{entry.Path}': {entry.Skipped}."); return; }
                try { AddOne(entry.Path, entry.RelativePath); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new LaminException(e is UnauthorizedAccessException ? ErrorIds.StorageAccessDenied : ErrorIds.StorageIoError,
                        $"'{entry.Path}' could not be read ({e.Message}); it was not added, the other files were.", entry.Path, e);
                }
            });
        });
    }

    /// <summary>
    /// Plans, checks and stages one path (a -Path value, or with -Recurse a file below a folder, <paramref name="relative"/>
    /// its path relative to that folder); the batch commits it.
    /// </summary>
    private void AddOne(string path, string? relative)
    {
        // SPEC §4 "Destination keys": -Key wins; else the -Destination key or folder + the name; else -KeyPrefix + the
        // name (the file name, or with -Recurse the relative path; for a copy only: in place the key is the relative path
        // to the root); else no key, and the file name becomes the description when none is given, so every copy stays
        // findable by name. -Recurse without -KeyPrefix or -Destination keys each file by its relative path alone.
        // The description is known before planning: one plan per copied path (issue 15: planning twice
        // cost a third of a small file's ingest); a path registered in place (no description) is planned again.
        var name = relative ?? FileNameOf(path);
        var key = Key ?? DestinationKey(name);
        var prefix = key is null && _destination is null ? KeyPrefix ?? (relative is null ? null : "") : null;
        var request = new AddRequest(path, key, Description, _destination?.Storage ?? Storage,
            MyInvocation.BoundParameters.ContainsKey(nameof(KeyIsVirtual)) ? KeyIsVirtual : null,
            MyInvocation.BoundParameters.ContainsKey(nameof(SkipHashLookup)) ? SkipHashLookup.IsPresent : null,
            prefix, name);
        bool named = key is null && prefix is null && Description is null && name.Length > 0 && !IsUrl(path);
        var plan = _service!.Plan(_view!, named ? request with { Description = name } : request);
        if (named && plan.InPlace) plan = _service.Plan(_view!, request);
        // Two inputs of this command never share a key (DuplicateKey, SPEC §4), refused before anything of it is read.
        ArtifactService.ClaimKey(_view!, plan);
        var action = plan.InPlace ? $"Register in place in {plan.Storage.Root}" : $"Copy into {plan.Storage.Root}";
        if (!ShouldProcess(plan.SourcePath, action)) return;
        var progress = new ProgressReporter(this, $"Adding {plan.SourcePath}", plan.Size, Math.Max(1, plan.Members.Count), _outer);
        try
        {
            _pipeline!.Add(_service.Stage(plan, progress, Cancellation));
        }
        finally
        {
            progress.Complete();
        }
        _outer!.ItemDone(plan.Size, plan.SourcePath);
        _pipeline!.CommitIfDue();
    }

    protected override void End()
    {
        _pipeline?.Complete();
        _outer?.Complete();
        // Issue 26 point 4 (SPEC §5 rule 22 still warns): one warning per kind of outcome for the whole command.
        foreach (var w in _pipeline?.Warnings() ?? []) WriteWarning(w);
    }

    /// <summary>A record only for what its transaction committed; a refused item is reported with its own error id (SPEC §10 rule 8).</summary>
    private void WriteResult(CommitResult r)
    {
        if (r.Error is null) { WriteObject(r.Artifact); return; }
        var e = new LaminException(r.Error.ErrorId, r.Error.Message, r.Item.Plan.SourcePath, r.Error);
        WriteError(ToErrorRecord(e)); // non-terminating (SPEC §4): the others are registered
    }

    private (string Storage, string Key, bool IsFolder)? _destination;

    /// <summary>The key -Destination gives one path: the key itself, or the folder + the name (file name, or with -Recurse the relative path).</summary>
    private string? DestinationKey(string name) => _destination is not { } d ? null
        : !d.IsFolder ? d.Key
        : (d.Key.Length == 0 ? "" : d.Key + "/") + name;

    /// <summary>-Destination as (location uid, key or folder, is a folder), through PowerShell's provider paths (SPEC §4, §8).</summary>
    private (string, string, bool) ResolveDestination(string destination)
    {
        string providerPath;
        ProviderInfo provider;
        try { providerPath = SessionState.Path.GetUnresolvedProviderPathFromPSPath(destination, out provider, out _); }
        catch (Exception e) when (e is System.Management.Automation.DriveNotFoundException or ProviderNotFoundException or NotSupportedException)
        {
            throw new LaminException(ErrorIds.InvalidPath, $"-Destination '{destination}' is not a path on the lamin: drive: {e.Message}", destination, e);
        }
        if (provider.Name != Drive.LaminProvider.ProviderName)
            throw new LaminException(ErrorIds.InvalidPath,
                $"-Destination '{destination}' is a path on PowerShell's {provider.Name} provider; pass a lamin: drive path, lamin:\\<uid>\\<key> or lamin:\\<uid>\\<folder>\\.", destination);
        var (uid, key) = Drive.LaminProvider.Parse(providerPath);
        if (uid is null)
            throw new LaminException(ErrorIds.InvalidPath, $"-Destination '{destination}' names no storage location; pass lamin:\\<uid>\\<key> or lamin:\\<uid>\\<folder>\\.", destination);
        var storage = new DriveService(Context).Storage(uid)
            ?? throw new LaminException(ErrorIds.RecordNotFound, $"-Destination '{destination}': no storage location with uid '{uid}' in this instance.", destination);
        // With -Recurse the destination is the folder the files go into (their relative paths below it).
        bool folder = Recurse || key.Length == 0 || destination.EndsWith('/') || destination.EndsWith('\\');
        if (!folder && new DriveService(Context).List(uid, key).Item(key) is { IsFolder: true, Artifact: null }) folder = true;
        return (storage.Uid, key, folder);
    }

    /// <summary>One -Path (wildcards expanded) or -LiteralPath value as file-system paths; URLs as they are (SPEC §4).</summary>
    private List<string> ResolvePaths(string p)
    {
        if (IsUrl(p)) return [p]; // s3://, gs://: resolved by the core
        if (ParameterSetName == "LiteralPath") return [ResolveLocalPath(p)!];
        try
        {
            var resolved = GetResolvedProviderPathFromPSPath(p, out var provider).ToList();
            if (provider.Name != "FileSystem")
                throw new LaminException(ErrorIds.InvalidPath,
                    $"'{p}' is a path on PowerShell's {provider.Name} provider, not a file-system path; add files or folders from a FileSystem drive, or s3:// and gs:// objects.", p);
            return resolved;
        }
        catch (ItemNotFoundException)
        {
            throw new LaminException(ErrorIds.PathNotFound, $"Path '{p}' does not exist.", p);
        }
        catch (System.Management.Automation.DriveNotFoundException e)
        {
            throw new LaminException(ErrorIds.InvalidPath, $"'{p}' names the drive '{e.ItemName}', which does not exist; pass a file-system path.", p, e);
        }
    }

    /// <summary>The last segment of a local path or object URI (a trailing separator ignored; no query string).</summary>
    private static string FileNameOf(string path)
    {
        var p = path;
        var q = p.IndexOf('?');
        if (IsUrl(p) && q >= 0) p = p[..q];
        p = p.TrimEnd('/', '\\');
        var i = p.LastIndexOfAny(['/', '\\']);
        return i >= 0 ? p[(i + 1)..] : p;
    }

    /// <summary>Stopped (Ctrl+C) or failed before the end: drop the temporaries of staged, uncommitted data.</summary>
    public void Dispose() => _pipeline?.Dispose();
}
