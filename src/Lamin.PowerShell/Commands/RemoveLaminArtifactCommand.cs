using System.Management.Automation;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>Moves an artifact to the trash, or deletes it permanently.</summary>
[Cmdlet(VerbsCommon.Remove, "LaminArtifact", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveLaminArtifactCommand : LaminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Uid")]
    [ValidateNotNullOrEmpty]
    public string Identity { get; set; } = "";

    [Parameter]
    public SwitchParameter Permanent { get; set; }

    [Parameter]
    public SwitchParameter DeleteFile { get; set; }

    protected override void Process()
    {
        var service = new ArtifactService(Context);
        var a = service.Resolve(Identity);
        var what = !Permanent ? "Move to trash"
            : DeleteFile || a.KeyIsVirtual ? "Delete record and data permanently" : "Delete record permanently (the file is kept)";
        if (!ShouldProcess($"{a.Uid} ({a.Key ?? a.Path})", what)) return;
        service.Remove(a.Uid, Permanent, DeleteFile);
    }
}
