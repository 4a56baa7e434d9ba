using Lamin.Core.Registry.Postgres;

namespace Lamin.PowerShell.Commands;

/// <summary>Copies the current LiteDB instance into a new team instance on PostgreSQL and retires the source.</summary>
[Cmdlet(VerbsCommon.Copy, "LaminInstance", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, HelpUri = HelpLinks.Base + "Copy-LaminInstance")]
[OutputType(typeof(LaminInstance))]
public sealed class CopyLaminInstanceCommand : LaminCmdlet
{
    /// <summary>The PostgreSQL database to copy into (an empty one), as a URL or an Npgsql keyword string.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    /// <summary>The role and password for -Destination: kept in memory for this process, never written anywhere.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    protected override void Process()
    {
        var service = new InstanceService(Context);
        var (database, scope) = PostgresCredentials.Use(Destination, Credential?.GetNetworkCredential(), Warn);
        using (scope)
        {
            var counts = service.CopyTo(database, dryRun: true, progress: null); // refusals and counts, nothing written
            var name = Context.Instance.Name;
            if (!ShouldProcess($"{name}: {counts.Storages} storage location(s), {counts.Artifacts} artifact(s), {counts.Spaces} space(s), {counts.Grants} grant(s) " +
                               $"into {database.Redacted}; the LiteDB registry {Context.Instance.RegistryPath} is then kept read-only", "Copy Lamin instance")) return;
            var record = new ProgressRecord(1, $"Copying the instance '{name}' to {database.Redacted}", "starting");
            try
            {
                service.CopyTo(database, dryRun: false, (what, done, total) =>
                {
                    record.StatusDescription = $"{what}: {done} of {total}";
                    record.PercentComplete = total == 0 ? 100 : (int)Math.Min(100, done * 100 / total);
                    WriteProgress(record);
                });
            }
            finally
            {
                record.RecordType = ProgressRecordType.Completed;
                WriteProgress(record);
            }
            WriteObject(service.Describe(Context.Instance, isCurrent: true));
        }
    }
}
