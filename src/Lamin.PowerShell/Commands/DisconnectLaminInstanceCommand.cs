namespace Lamin.PowerShell.Commands;

/// <summary>Leaves the current instance (nothing is deleted).</summary>
[Cmdlet(VerbsCommunications.Disconnect, "LaminInstance", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = HelpLinks.Base + "Disconnect-LaminInstance")]
[OutputType(typeof(void))]
public sealed class DisconnectLaminInstanceCommand : LaminCmdlet
{
    protected override void Process()
    {
        var service = new InstanceService(Context);
        var current = Context.Home.CurrentName ?? "(no current instance)";
        if (!ShouldProcess(current, "Leave the current Lamin instance (nothing is deleted)")) return;
        service.Disconnect();
    }
}
