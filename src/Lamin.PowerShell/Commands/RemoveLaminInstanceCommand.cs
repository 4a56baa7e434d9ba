using System.Management.Automation;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>Deletes an instance whose storage is empty: frees its markers and deletes its registry.</summary>
[Cmdlet(VerbsCommon.Remove, "LaminInstance", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveLaminInstanceCommand : LaminCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(InstanceCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void Process()
    {
        var service = new InstanceService(Context);
        var entry = service.Find(Name ?? Context.Instance.Name);
        if (!ShouldProcessUnlessForced(Force, $"{entry.Name} (registry {entry.RegistryPath})", "Remove Lamin instance")) return;
        service.Remove(entry.Name);
    }
}
