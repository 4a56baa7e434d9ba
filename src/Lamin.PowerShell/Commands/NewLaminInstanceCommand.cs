using System.Management.Automation;
using Lamin.Core.Model;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>Creates an instance: a registry plus its default storage location, and connects to it.</summary>
[Cmdlet(VerbsCommon.New, "LaminInstance", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(LaminInstance))]
public sealed class NewLaminInstanceCommand : LaminCmdlet
{
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    [Parameter(Mandatory = true)]
    [ValidateNotNull]
    public string Storage { get; set; } = "";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public new string? Host { get; set; }

    protected override void Process()
    {
        var service = new InstanceService(Context);
        var plan = service.Plan(Name, ResolveLocalPath(Storage), Host);
        if (!ShouldProcess($"{plan.Name} (registry {plan.RegistryPath})", "Create Lamin instance")) return;
        WriteObject(service.Create(plan, Warn));
    }
}
