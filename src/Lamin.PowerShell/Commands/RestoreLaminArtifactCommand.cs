using System.Management.Automation;
using Lamin.Core.Model;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>Takes an artifact out of the trash.</summary>
[Cmdlet(VerbsData.Restore, "LaminArtifact", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(LaminArtifact))]
public sealed class RestoreLaminArtifactCommand : LaminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Uid")]
    [ValidateNotNullOrEmpty]
    public string Identity { get; set; } = "";

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        var service = new ArtifactService(Context);
        var a = service.Resolve(Identity);
        if (!ShouldProcess($"{a.Uid} ({a.Key ?? a.Path})", "Restore from trash")) return;
        var restored = service.Restore(a.Uid);
        if (PassThru) WriteObject(restored);
    }
}
