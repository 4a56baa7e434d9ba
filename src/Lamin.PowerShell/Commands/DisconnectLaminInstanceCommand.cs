using System.Management.Automation;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>Leaves the current instance (nothing is deleted).</summary>
[Cmdlet(VerbsCommunications.Disconnect, "LaminInstance")]
[OutputType(typeof(void))]
public sealed class DisconnectLaminInstanceCommand : LaminCmdlet
{
    protected override void Process() => new InstanceService(Context).Disconnect();
}
