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

    /// <summary>
    /// A team instance's connection as settings keep it (no password), with its password from the
    /// credential given earlier in this process, else PGPASSWORD or the passfile.
    /// </summary>
    public static PostgresConnection Connect(string database) =>
        PostgresConnection.Parse(database, PostgresCredentials.Find(database));
}
