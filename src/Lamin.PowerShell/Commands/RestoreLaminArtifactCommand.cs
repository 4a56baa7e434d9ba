namespace Lamin.PowerShell.Commands;

/// <summary>Takes artifacts out of the trash.</summary>
[Cmdlet(VerbsData.Restore, "LaminArtifact", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = "Identity", HelpUri = HelpLinks.Base + "Restore-LaminArtifact")]
[OutputType(typeof(LaminArtifact))]
public sealed class RestoreLaminArtifactCommand : ArtifactCommandBase
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Identity")]
    [ValidateNotNullOrEmpty]
    public string[] Identity { get; set; } = [];

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public PSObject[]? InputObject { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        ForEachArtifact(InputObject, Identity, (service, a) =>
        {
            if (!ShouldProcess(Target(a), "Restore from trash")) return;
            var restored = service.Restore(a.Uid);
            WriteVerbose($"Restored {a.Uid} from the trash" + (restored.IsLatest ? "; it is the latest version of its key again." : "."));
            if (PassThru) WriteObject(restored);
        }, RecordKind.Artifact);
    }
}
