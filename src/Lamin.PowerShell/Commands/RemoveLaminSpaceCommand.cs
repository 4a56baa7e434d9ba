namespace Lamin.PowerShell.Commands;

/// <summary>Removes an empty space and its grants.</summary>
[Cmdlet(VerbsCommon.Remove, "LaminSpace", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, HelpUri = HelpLinks.Base + "Remove-LaminSpace")]
[OutputType(typeof(void))]
public sealed class RemoveLaminSpaceCommand : LaminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SpaceCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void Process()
    {
        var service = new SpaceService(Context);
        var space = service.Resolve(Name);
        if (!ShouldProcessUnlessForced(Force, space.Name, "Remove space")) return;
        service.Remove(space.Name);
    }
}
