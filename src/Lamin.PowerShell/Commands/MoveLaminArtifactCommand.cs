namespace Lamin.PowerShell.Commands;

/// <summary>Moves artifacts' data to another managed storage location in their space.</summary>
[Cmdlet(VerbsCommon.Move, "LaminArtifact", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Identity", HelpUri = HelpLinks.Base + "Move-LaminArtifact")]
[OutputType(typeof(LaminArtifact))]
public sealed class MoveLaminArtifactCommand : ArtifactCommandBase
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Identity")]
    [ValidateNotNullOrEmpty]
    public string[] Identity { get; set; } = [];

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public PSObject[]? InputObject { get; set; }

    [Parameter(Mandatory = true, Position = 1)]
    [ArgumentCompleter(typeof(StorageCompleter))]
    [ValidateNotNullOrEmpty]
    public string Storage { get; set; } = "";

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        var storage = ResolveStorageIdentity(Storage);
        ForEachArtifact(InputObject, Identity, (service, a) =>
        {
            if (!ShouldProcess($"{a.Uid} ({a.FullName})", $"Move to {storage}")) return;
            var progress = new ProgressReporter(this, $"Moving {a.Uid}", a.Size, a.NFiles ?? 1);
            LaminArtifact moved;
            try { moved = service.Move(a.Uid, storage, Warn, progress, Cancellation); }
            finally { progress.Complete(); }
            WriteVerbose($"Moved {a.Uid} from '{a.FullName}' to '{moved.FullName}' (storage {moved.StorageUid}).");
            if (PassThru) WriteObject(moved);
        }, RecordKind.Artifact, RecordKind.KeyFolder);
    }
}
