namespace Lamin.PowerShell.Commands;

/// <summary>Grants a user Read, Write or Admin on a space (replacing an earlier role).</summary>
[Cmdlet(VerbsSecurity.Grant, "LaminSpaceAccess", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = HelpLinks.Base + "Grant-LaminSpaceAccess")]
[OutputType(typeof(LaminSpaceAccess))]
public sealed class GrantLaminSpaceAccessCommand : LaminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ArgumentCompleter(typeof(SpaceCompleter))]
    [ValidateNotNullOrEmpty]
    public string Space { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string User { get; set; } = "";

    [Parameter(Mandatory = true, Position = 2, ValueFromPipelineByPropertyName = true)]
    public SpaceRole Role { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        var service = new SpaceService(Context);
        var space = service.Resolve(Space);
        if (!ShouldProcess(space.Name, $"Grant {Role} to {User}")) return;
        var grant = service.Grant(space.Name, User, Role);
        if (PassThru) WriteObject(grant);
    }
}
