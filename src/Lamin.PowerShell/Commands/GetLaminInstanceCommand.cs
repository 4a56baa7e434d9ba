namespace Lamin.PowerShell.Commands;

/// <summary>Lists the instances known in this settings folder.</summary>
[Cmdlet(VerbsCommon.Get, "LaminInstance", HelpUri = HelpLinks.Base + "Get-LaminInstance")]
[OutputType(typeof(LaminInstance))]
public sealed class GetLaminInstanceCommand : LaminCmdlet
{
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(InstanceCompleter))]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    protected override void Process()
    {
        var service = new InstanceService(Context);
        if (Name is null) { WriteObject(service.List(null, Warn), enumerateCollection: true); return; }
        ForEachValue(Name, name =>
        {
            var found = service.List(name, Warn).ToList();
            // As Get-Process: a name without wildcards that matches nothing is a (non-terminating) not-found error.
            if (found.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name)) service.Find(name);
            WriteObject(found, enumerateCollection: true);
        });
    }
}
