namespace Lamin.PowerShell.Commands;

/// <summary>Lists the spaces the current user can see; a name without wildcards that matches none is a not-found error.</summary>
[Cmdlet(VerbsCommon.Get, "LaminSpace", HelpUri = HelpLinks.Base + "Get-LaminSpace")]
[OutputType(typeof(LaminSpace))]
public sealed class GetLaminSpaceCommand : LaminCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SpaceCompleter))]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    protected override void Process()
    {
        var service = new SpaceService(Context);
        if (Name is null) { WriteObject(service.Get(null), enumerateCollection: true); return; }
        ForEachValue(Name, name => WriteObject(service.Get(name), enumerateCollection: true));
    }
}
