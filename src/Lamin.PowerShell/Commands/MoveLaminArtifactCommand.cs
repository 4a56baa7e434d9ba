using System.Management.Automation;
using Lamin.Core.Model;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>Moves an artifact's data to another managed storage location in its space.</summary>
[Cmdlet(VerbsCommon.Move, "LaminArtifact", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(LaminArtifact))]
public sealed class MoveLaminArtifactCommand : LaminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Uid")]
    [ValidateNotNullOrEmpty]
    public string Identity { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1)]
    [ArgumentCompleter(typeof(StorageCompleter))]
    [ValidateNotNullOrEmpty]
    public string Storage { get; set; } = "";

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        var service = new ArtifactService(Context);
        var a = service.Resolve(Identity);
        if (!ShouldProcess($"{a.Uid} ({a.Path})", $"Move to {Storage}")) return;
        var progress = new ProgressReporter(this, $"Moving {a.Uid}", a.Size, a.NFiles ?? 1);
        LaminArtifact moved;
        try { moved = service.Move(a.Uid, Storage, Warn, progress, Cancellation); }
        finally { progress.Complete(); }
        if (PassThru) WriteObject(moved);
    }
}
