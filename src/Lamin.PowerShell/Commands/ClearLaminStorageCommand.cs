using System.Management.Automation;
using Lamin.Core.Errors;
using Lamin.Core.Model;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>Removes orphans: objects under .lamindb/ that no artifact accounts for, each named with its reason.</summary>
[Cmdlet(VerbsCommon.Clear, "LaminStorage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(LaminOrphan))]
public sealed class ClearLaminStorageCommand : LaminCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Uid")]
    [ArgumentCompleter(typeof(StorageCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Identity { get; set; }

    [Parameter(Mandatory = true)]
    public SwitchParameter Orphaned { get; set; }

    [Parameter]
    public TimeSpan? OlderThan { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        if (!Orphaned)
            throw new LaminException(ErrorIds.InvalidArgument, "Clear-LaminStorage only removes orphans: pass -Orphaned.", null);
        var service = new AuditService(Context);
        var chosen = new List<LaminOrphan>();
        foreach (var o in service.FindOrphans(Identity, OlderThan))
            if (ShouldProcess($"{o.Path} ({o.Size} bytes): {o.Reason}", "Delete orphaned object"))
                chosen.Add(o);
        if (chosen.Count == 0) return;
        service.RemoveOrphans(chosen);
        if (PassThru) WriteObject(chosen, enumerateCollection: true);
    }
}
