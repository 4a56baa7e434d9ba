using System.Management.Automation;
using Lamin.Core.Model;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>Makes an instance current, by name or by the location of its registry.</summary>
[Cmdlet(VerbsCommunications.Connect, "LaminInstance", DefaultParameterSetName = "Name", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(LaminInstance))]
public sealed class ConnectLaminInstanceCommand : LaminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Name", ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(InstanceCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = "Path")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        var service = new InstanceService(Context);
        var target = ParameterSetName == "Path" ? ResolveLocalPath(Path)! : service.Find(Name).Name; // a typo is refused before asking
        if (!ShouldProcess(target, "Make the current Lamin instance")) return;
        var instance = ParameterSetName == "Path" ? service.ConnectPath(target) : service.Connect(Name);
        if (PassThru) WriteObject(instance);
    }
}
