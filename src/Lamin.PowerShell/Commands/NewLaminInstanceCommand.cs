using Lamin.Core.Registry.Postgres;

namespace Lamin.PowerShell.Commands;

/// <summary>Creates an instance: a registry plus its default storage location, and connects to it.</summary>
[Cmdlet(VerbsCommon.New, "LaminInstance", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = HelpLinks.Base + "New-LaminInstance")]
[OutputType(typeof(LaminInstance))]
public sealed class NewLaminInstanceCommand : LaminCmdlet
{
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    [Parameter(Mandatory = true)]
    [ValidateNotNull]
    public string Storage { get; set; } = "";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public new string? Host { get; set; }

    /// <summary>A team instance (SPEC §7): the PostgreSQL database that holds the registry, as a URL or an Npgsql keyword string.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Database { get; set; }

    /// <summary>The role and password for -Database: kept in memory for this process, never written anywhere.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    protected override void Process()
    {
        if (Credential is not null && Database is null)
            Terminate(new Lamin.Core.Errors.LaminException(Lamin.Core.Errors.ErrorIds.InvalidArgument, "-Credential goes with -Database (a team instance on PostgreSQL).", null));
        var service = new InstanceService(Context);
        var (database, scope) = Database is null ? (null, null) : PostgresCredentials.Use(Database, Credential?.GetNetworkCredential(), Warn);
        using (scope)
        {
            var plan = service.Plan(Name, ResolveLocalPath(Storage), Host, database);
            if (!ShouldProcess($"{plan.Name} (registry {plan.RegistryDescription})", "Create Lamin instance")) return;
            WriteObject(service.Create(plan, Warn));
        }
    }
}
