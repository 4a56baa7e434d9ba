namespace Lamin.PowerShell.Commands;

/// <summary>Takes a user's grant on a space away.</summary>
[Cmdlet(VerbsSecurity.Revoke, "LaminSpaceAccess", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = HelpLinks.Base + "Revoke-LaminSpaceAccess")]
[OutputType(typeof(void))]
public sealed class RevokeLaminSpaceAccessCommand : LaminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ArgumentCompleter(typeof(SpaceCompleter))]
    [ValidateNotNullOrEmpty]
    public string Space { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string User { get; set; } = "";

    protected override void Process()
    {
        var service = new SpaceService(Context);
        var space = service.Resolve(Space);
        if (!ShouldProcess(space.Name, $"Revoke access of {User}")) return;
        if (!service.Revoke(space.Name, User))
            WriteWarning($"User '{User}' had no grant on space '{space.Name}'.");
    }
}
