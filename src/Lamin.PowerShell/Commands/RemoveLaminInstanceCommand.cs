namespace Lamin.PowerShell.Commands;

/// <summary>Deletes an instance whose storage is empty: frees its markers and deletes its registry.</summary>
[Cmdlet(VerbsCommon.Remove, "LaminInstance", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, HelpUri = HelpLinks.Base + "Remove-LaminInstance")]
[OutputType(typeof(void))]
public sealed class RemoveLaminInstanceCommand : LaminCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(InstanceCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>On a team instance (PostgreSQL): also drop the schema `lamin` from the database (instance admin only).</summary>
    [Parameter]
    public SwitchParameter DropRegistry { get; set; }

    protected override void Process()
    {
        var service = new InstanceService(Context);
        var entry = service.Find(Name ?? Context.Instance.Name);
        var what = entry.IsPostgres
            ? DropRegistry ? $"{entry.Name} (drop the registry schema 'lamin' in {entry.Database})" : $"{entry.Name} (forget it on this machine; the registry in {entry.Database} stays)"
            : $"{entry.Name} (registry {entry.RegistryPath})";
        if (!ShouldProcessUnlessForced(Force, what, "Remove Lamin instance")) return;
        service.Remove(entry.Name, DropRegistry);
    }
}
