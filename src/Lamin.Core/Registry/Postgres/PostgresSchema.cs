using Npgsql;

namespace Lamin.Core.Registry.Postgres;

/// <summary>What <see cref="PostgresSchema.Ensure"/> did.</summary>
public enum SchemaOutcome
{
    /// <summary>This call created the schema.</summary>
    Created,
    /// <summary>This call upgraded an older schema.</summary>
    Upgraded,
    /// <summary>The schema was there at this module's version (another machine may have just created it).</summary>
    UpToDate,
}

/// <summary>
/// The `lamin` schema of a PostgreSQL registry and its versions (SPEC §7). Version 1 is Schema.sql;
/// each later version n is an embedded Upgrade-n.sql (2: access enforced by the database, row-level security; 3: keys of any accepted length indexed;
/// 4: a storage location's generation, the fencing token of relocation; 5: the gate asks about locations a role cannot see; 6: the instance row hides a default location the role cannot see; 7: role names that differ only in case are different users). Creating and upgrading run in one transaction
/// begun under an advisory lock (held until that transaction ends), so any number of machines connecting at once create or
/// upgrade it exactly once, and a failure leaves the database as it was. A schema newer than this
/// module is refused before anything is written.
/// </summary>
public static class PostgresSchema
{
    /// <summary>The schema version this module writes.</summary>
    public const int CurrentVersion = 7;

    public const string SchemaName = "lamin";

    /// <summary>The advisory lock key (per database): the ASCII bytes of "lamin.sc".</summary>
    public const long AdvisoryLockKey = 0x6C616D696E2E7363;

    /// <summary>The SQL that brings a schema at version <paramref name="version"/> - 1 to <paramref name="version"/>.</summary>
    public static string Script(int version)
    {
        var name = version == 1 ? "Schema.sql" : $"Upgrade-{version}.sql";
        using var stream = typeof(PostgresSchema).Assembly.GetManifestResourceStream("Lamin.Core.Registry.Postgres." + name)
            ?? throw new InvalidOperationException($"The module lacks its PostgreSQL script {name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The version recorded in the database, or null when it holds no Lamin registry.</summary>
    public static int? ReadVersion(NpgsqlConnection connection, NpgsqlTransaction? transaction = null)
    {
        using (var exists = new NpgsqlCommand("SELECT to_regclass('lamin.schema_version') IS NOT NULL", connection, transaction))
            if (!(bool)exists.ExecuteScalar()!) return null;
        using var cmd = new NpgsqlCommand("SELECT version FROM lamin.schema_version WHERE id = 1", connection, transaction);
        var v = cmd.ExecuteScalar();
        return v is int i ? i : null;
    }

    /// <summary>
    /// Creates the schema when the database has none, upgrades an older one, and refuses a newer one
    /// (RegistrySchemaTooNew, nothing written). <paramref name="describe"/> names the database in messages
    /// (the redacted connection).
    /// </summary>
    public static SchemaOutcome Ensure(NpgsqlConnection connection, string describe)
    {
        // Most connections find the schema current: answer them without taking the lock.
        var seen = ReadVersion(connection);
        if (seen == CurrentVersion) return SchemaOutcome.UpToDate;
        if (seen > CurrentVersion) throw TooNew(seen.Value, describe);

        // The advisory lock is taken BEFORE the transaction begins, and held for the session until the
        // transaction has ended. A transaction that begins before it waits for the lock would keep
        // PostgreSQL's catalog caches from its start: after the wait it would not see (by name) the
        // schema the machine before it just created, and would try to create it a second time.
        Exec(connection, "SELECT pg_advisory_lock(@key)", AdvisoryLockKey);
        try
        {
            using var tx = connection.BeginTransaction();
            // Under the lock: what another machine did while this one waited is visible now.
            var version = ReadVersion(connection, tx);
            if (version == CurrentVersion) { tx.Commit(); return SchemaOutcome.UpToDate; }
            if (version > CurrentVersion) { tx.Rollback(); throw TooNew(version.Value, describe); }
            if (version is null && SchemaExists(connection, tx))
            {
                tx.Rollback();
                throw new LaminException(ErrorIds.RegistryCorrupt,
                    $"The database {describe} has a schema named '{SchemaName}' that is not a Lamin registry (it has no lamin.schema_version). " +
                    "Lamin leaves it alone: use another database, or rename that schema.", describe);
            }
            for (int v = (version ?? 0) + 1; v <= CurrentVersion; v++)
            {
                // No time limit: version 3 rewrites the artifact table (about 15 s per million artifacts on a small
                // server), and a timeout would roll it back on every connect, locking everyone out for good.
                using var cmd = new NpgsqlCommand(Script(v), connection, tx) { CommandTimeout = 0 };
                cmd.ExecuteNonQuery();
            }
            using (var record = new NpgsqlCommand(
                "INSERT INTO lamin.schema_version (id, version) VALUES (1, @v) " +
                "ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, upgraded_at = now(), upgraded_by = session_user", connection, tx))
            {
                record.Parameters.AddWithValue("v", CurrentVersion);
                record.ExecuteNonQuery();
            }
            tx.Commit();
            return version is null ? SchemaOutcome.Created : SchemaOutcome.Upgraded;
        }
        finally
        {
            // A broken connection has lost the lock with its session. The pool does not reset connections it takes
            // back (PostgresConnection.CreateDataSource): one that may still hold the lock is closed, never reused.
            if (connection.State == System.Data.ConnectionState.Open)
            {
                try { Exec(connection, "SELECT pg_advisory_unlock(@key)", AdvisoryLockKey); }
                catch
                {
                    NpgsqlConnection.ClearPool(connection);
                    throw;
                }
            }
        }
    }

    private static void Exec(NpgsqlConnection connection, string sql, long key)
    {
        using var cmd = new NpgsqlCommand(sql, connection);
        cmd.Parameters.AddWithValue("key", key);
        cmd.ExecuteNonQuery();
    }

    private static bool SchemaExists(NpgsqlConnection connection, NpgsqlTransaction tx)
    {
        using var cmd = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = @n)", connection, tx);
        cmd.Parameters.AddWithValue("n", SchemaName);
        return (bool)cmd.ExecuteScalar()!;
    }

    private static LaminException TooNew(int version, string describe) =>
        new(PostgresErrorIds.RegistrySchemaTooNew,
            $"The registry in {describe} has schema version {version}; this module knows versions up to {CurrentVersion}. " +
            "Update the Lamin module (Update-Module Lamin) on this machine; nothing was written.", describe);
}
