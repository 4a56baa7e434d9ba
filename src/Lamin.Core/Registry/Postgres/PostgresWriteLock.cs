using System.Data;
using Npgsql;

namespace Lamin.Core.Registry.Postgres;

/// <summary>
/// The registry's write lock: a transaction-level advisory lock every write transaction takes first, so writers
/// on every machine take turns the way LiteDB's lock file makes local writers take turns. PostgreSQL releases it
/// at commit, at rollback, or when a machine's connection dies.
/// </summary>
internal static class PostgresWriteLock
{
    /// <summary>The advisory lock key: the ASCII bytes of "lamin.wr".</summary>
    public const long Key = 0x6C616D696E2E7772;

    /// <summary>A write transaction holding the instance's write lock: writers on every machine take turns;
    /// the server releases the lock at commit, rollback or a dropped connection. <paramref name="xid"/>: the
    /// transaction's id (same round trip), to learn after a lost connection whether its commit happened.</summary>
    internal static NpgsqlTransaction Begin(NpgsqlConnection connection, out long xid)
    {
        var tx = connection.BeginTransaction(IsolationLevel.ReadCommitted);
        using var lockCmd = new NpgsqlCommand("SELECT txid_current() FROM (SELECT pg_advisory_xact_lock(@key)) AS l", connection, tx);
        lockCmd.Parameters.AddWithValue("key", Key);
        // Writers on other machines may hold the lock for a while (a big batch): wait as long as a LiteDB writer
        // waits for its lock file (LAMIN_REGISTRY_TIMEOUT, 60 s by default), not the 30 s of a command.
        var wait = RegistryLock.DefaultTimeout;
        lockCmd.CommandTimeout = Math.Max(connection.CommandTimeout, (int)Math.Ceiling(wait.TotalSeconds));
        try { xid = Convert.ToInt64(lockCmd.ExecuteScalar()); }
        catch (NpgsqlException e) when (e.InnerException is TimeoutException && connection.State == ConnectionState.Open)
        {
            throw new LaminException(ErrorIds.RegistryBusy,
                $"Another writer has held the registry's write lock for more than {lockCmd.CommandTimeout} s; nothing was written. " +
                "Try again when it is done, or wait longer with LAMIN_REGISTRY_TIMEOUT=<seconds>.", null, e);
        }
        return tx;
    }

    internal static NpgsqlTransaction Begin(NpgsqlConnection connection) => Begin(connection, out _);
}
