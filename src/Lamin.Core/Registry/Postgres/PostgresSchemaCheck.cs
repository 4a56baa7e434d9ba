using System.Collections.Concurrent;
using Npgsql;

namespace Lamin.Core.Registry.Postgres;

/// <summary>
/// Before a registry's first session in this process: the schema `lamin` is there, the login role may use it, it is
/// not newer than this module (<see cref="PostgresSchema"/> refuses that) and is upgraded when older, and it holds its
/// instance row. Checked once per process and connection (the key holds the password and is never shown); forgotten
/// when the registry is created, copied into, dropped, or found missing, and when connecting (<see cref="PostgresRegistry.Recheck"/>).
/// </summary>
internal static class PostgresSchemaCheck
{
    private static readonly ConcurrentDictionary<string, bool> Checked = new(StringComparer.Ordinal);

    /// <summary>Checks the schema again on the next session (another machine may have upgraded or dropped it).</summary>
    internal static void Forget(PostgresConnection connection) => Checked.TryRemove(connection.Builder.ConnectionString, out _);

    /// <summary>Whether the instance row is there (the schema is: <see cref="PostgresSchema.ReadVersion"/> said so).</summary>
    internal static bool HasInstance(NpgsqlConnection c, NpgsqlTransaction? tx = null)
    {
        using var cmd = new NpgsqlCommand("SELECT count(*) FROM lamin.instance", c, tx);
        return (long)cmd.ExecuteScalar()! > 0;
    }

    /// <summary>Once per process and instance: the schema is there, not newer than this module, and upgraded when older.</summary>
    internal static void Check(PostgresConnection connection, NpgsqlConnection c)
    {
        if (Checked.ContainsKey(connection.Builder.ConnectionString)) return;
        var description = connection.Redacted;
        var version = PostgresSchema.ReadVersion(c);
        if (version is null)
        {
            // A schema lamin this role may not use: a registry the role is not admitted to (SPEC §7), not a missing one.
            using var usable = new NpgsqlCommand(
                "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'lamin') AND NOT has_schema_privilege('lamin', 'USAGE')", c);
            if ((bool)usable.ExecuteScalar()!)
                throw new LaminException(ErrorIds.AccessDenied,
                    $"Role '{connection.Username}' is not admitted to the instance in {description}. " +
                    $"An admin of the instance admits it with Grant-LaminSpaceAccess -Space all -User '{connection.Username}' -Role Read (or Write, Admin).", connection.Username);
            throw connection.Errors.NotFound();
        }
        if (version < PostgresSchema.CurrentVersion)
        {
            // Older: upgraded once, under the advisory lock, by a role that owns the registry.
            try { PostgresSchema.Ensure(c, description); }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                throw new LaminException(ErrorIds.AccessDenied,
                    $"The registry in {description} has schema version {version} and needs upgrading to {PostgresSchema.CurrentVersion}, " +
                    $"which only its owner (the instance admin) can do; role '{connection.Username}' is not. Ask the admin to connect once with this module version. Nothing was changed.",
                    connection.Username, e);
            }
        }
        else if (version > PostgresSchema.CurrentVersion) PostgresSchema.Ensure(c, description); // RegistrySchemaTooNew
        if (!HasInstance(c)) throw connection.Errors.NotFound();
        Checked[connection.Builder.ConnectionString] = true;
    }
}
