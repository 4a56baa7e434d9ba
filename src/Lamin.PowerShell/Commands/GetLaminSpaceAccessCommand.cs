namespace Lamin.PowerShell.Commands;

/// <summary>Lists the grants (space, user, role) on the spaces the current user can see.</summary>
[Cmdlet(VerbsCommon.Get, "LaminSpaceAccess", HelpUri = HelpLinks.Base + "Get-LaminSpaceAccess")]
[OutputType(typeof(LaminSpaceAccess))]
public sealed class GetLaminSpaceAccessCommand : LaminCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ArgumentCompleter(typeof(SpaceCompleter))]
    [SupportsWildcards]
    public string? Space { get; set; }

    [Parameter]
    [SupportsWildcards]
    public string? User { get; set; }

    protected override void Process() => WriteObject(new SpaceService(Context).GetAccess(Space, User), enumerateCollection: true);
}
