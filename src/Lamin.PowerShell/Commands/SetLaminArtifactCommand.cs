using System.Management.Automation;
using Lamin.Core.Model;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>Changes an artifact's description, or locks it against every change (beyond SPEC §4: locking needs a cmdlet).</summary>
[Cmdlet(VerbsCommon.Set, "LaminArtifact", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Default")]
[OutputType(typeof(LaminArtifact))]
public sealed class SetLaminArtifactCommand : SetCommandBase
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Uid")]
    [ValidateNotNullOrEmpty]
    public string Identity { get; set; } = "";

    protected override void Process()
    {
        var service = new ArtifactService(Context);
        var a = service.Resolve(Identity);
        if (!ShouldProcess($"{a.Uid} ({a.Key ?? a.Path})", "Set artifact")) return;
        var updated = service.Update(a.Uid, Description, DescriptionSet, LockChange);
        if (PassThru) WriteObject(updated);
    }
}
