using Lamin.Core.Registry.Postgres;

namespace Lamin.PowerShell.Commands;

/// <summary>Makes an instance current, by name or by the location of its registry.</summary>
[Cmdlet(VerbsCommunications.Connect, "LaminInstance", DefaultParameterSetName = "Name", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = HelpLinks.Base + "Connect-LaminInstance")]
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

    /// <summary>A team instance (SPEC §7): the PostgreSQL database that holds its registry, as a URL or an Npgsql keyword string.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Database")]
    [ValidateNotNullOrEmpty]
    public string Database { get; set; } = "";

    /// <summary>The role and password for -Database: kept in memory for this process, never written anywhere.</summary>
    [Parameter(ParameterSetName = "Database")]
    [Credential]
    public PSCredential? Credential { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        var service = new InstanceService(Context);
        if (ParameterSetName == "Database")
        {
            var (database, scope) = PostgresCredentials.Use(Database, Credential?.GetNetworkCredential(), Warn);
            using (scope)
            {
                if (!ShouldProcess(database.Redacted, "Make the current Lamin instance")) return;
                var connected = service.ConnectDatabase(database);
                if (PassThru) WriteObject(connected);
            }
            return;
        }
        var target = ParameterSetName == "Path" ? ResolveLocalPath(Path)! : service.Find(Name).Name; // a typo is refused before asking
        if (!ShouldProcess(target, "Make the current Lamin instance")) return;
        var instance = ParameterSetName == "Path" ? service.ConnectPath(target) : service.Connect(Name);
        WriteVerbose($"'{instance.Name}' is now the current instance (registry {instance.RegistryPath}), kept in the settings folder {Context.Home.Path}.");
        if (PassThru) WriteObject(instance);
    }
}
