using Lamin.Core.Registry.Postgres;
using Lamin.Core.Settings;

namespace Lamin.Core.Registry;

/// <summary>The registry of a known instance, on the engine its settings entry names.</summary>
public static class RegistryFactory
{
    public static IRegistry Open(InstanceEntry entry)
    {
        Util.CoreTrace.Write($"registry: opening {(entry.IsPostgres ? "PostgreSQL " + entry.Database : "LiteDB " + entry.RegistryPath)} (instance '{entry.Name}')");
        return entry.IsPostgres ? new PostgresRegistry(Connect(entry.Database!)) : new LaminRegistry(entry.RegistryPath);
    }

    /// <summary>A team instance's registry (what only PostgreSQL has: Remove-LaminInstance -DropRegistry).</summary>
    public static PostgresRegistry OpenTeam(InstanceEntry entry) =>
        entry.IsPostgres ? new PostgresRegistry(Connect(entry.Database!))
            : throw new InvalidOperationException($"'{entry.Name}' is not a team instance");

    /// <summary>
    /// A new registry for a new instance (New-LaminInstance): a team instance's schema in <paramref name="database"/>,
    /// else a registry file at <paramref name="registryPath"/>. <see cref="IRegistry.DiscardNew"/> takes it back.
    /// </summary>
    public static IRegistry Create(PostgresConnection? database, string registryPath, Model.InstanceDocument instance, Model.LaminSpace all) =>
        database is not null ? PostgresRegistry.Create(database, instance, all) : LaminRegistry.Create(registryPath, instance, all);

    /// <summary>
    /// A team instance's connection as settings keep it (no password), with its password from the
    /// credential given earlier in this process, else PGPASSWORD or the passfile.
    /// </summary>
    public static PostgresConnection Connect(string database) =>
        PostgresConnection.Parse(database, PostgresCredentials.Find(database));
}
