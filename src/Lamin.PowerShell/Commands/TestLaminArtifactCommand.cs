using System.Management.Automation;
using Lamin.Core.Model;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>
/// Checks artifacts against what is stored, rclone-check style: one object per artifact and per stray
/// object under .lamindb/, with Status Match, Differ, Missing, Unregistered or Error and the reason.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "LaminArtifact", DefaultParameterSetName = "Storage")]
[OutputType(typeof(LaminArtifactCheck))]
public sealed class TestLaminArtifactCommand : LaminCmdlet
{
    [Parameter(Position = 0, ParameterSetName = "Storage", ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(StorageCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Storage { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = "Identity", ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public string? Identity { get; set; }

    [Parameter]
    public SwitchParameter Hash { get; set; }

    protected override void Process()
    {
        var checks = new AuditService(Context).TestArtifacts(Storage, Identity, Hash, null, Cancellation);
        WriteObject(checks, enumerateCollection: true);
    }
}
