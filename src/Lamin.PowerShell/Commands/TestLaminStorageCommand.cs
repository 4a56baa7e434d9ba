using System.Management.Automation;
using Lamin.Core.Model;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>Checks storage locations without changing them: reachable, writable, marker, region, latency.</summary>
[Cmdlet(VerbsDiagnostic.Test, "LaminStorage")]
[OutputType(typeof(LaminStorageHealth), typeof(bool))]
public sealed class TestLaminStorageCommand : LaminCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Uid")]
    [ArgumentCompleter(typeof(StorageCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Identity { get; set; }

    [Parameter]
    public SwitchParameter Quiet { get; set; }

    private bool _allHealthy = true;

    protected override void Process()
    {
        foreach (var h in new AuditService(Context).TestStorage(Identity))
        {
            _allHealthy &= h.Healthy;
            if (!Quiet) WriteObject(h);
        }
    }

    protected override void End()
    {
        if (Quiet) WriteObject(_allHealthy);
    }
}
