using System.Collections.Concurrent;
using System.Data;
using Npgsql;

namespace Lamin.Core.Registry.Postgres;

/// <summary>
/// The registry of a team instance in PostgreSQL (SPEC §7): the tables of the schema `lamin`, reached
/// through one <see cref="NpgsqlDataSource"/> per instance and process (the connection pool).
/// <para>
/// Every cmdlet call is one transaction. Reads run in a REPEATABLE READ snapshot. Writes begin by taking
/// the registry's transaction-level advisory lock, so writers from every machine take turns the way
/// LiteDB's lock file makes local writers take turns; the lock is released by PostgreSQL at commit, at
/// rollback, or when a machine's connection dies. The rules hold even for a writer that bypasses the
/// module, because the constraints of Schema.sql enforce them: unique uids, unique (root, host), one
/// latest version per (storage, key) — which is why a new version demotes its predecessor before it is
/// inserted.
/// </para>
/// </summary>
public sealed class PostgresRegistry : IRegistry
{
    /// <summary>The advisory lock writers take for their transaction: the ASCII bytes of "lamin.wr" (<see cref="PostgresWriteLock"/>).</summary>
    public const long WriteLockKey = PostgresWriteLock.Key;

    private static readonly ConcurrentDictionary<string, NpgsqlDataSource> DataSources = new(StringComparer.Ordinal);

    public PostgresRegistry(PostgresConnection connection) => Connection = connection;

    public PostgresConnection Connection { get; }
    public string Backend => "PostgreSQL";
    public string Description => Connection.Redacted;

    /// <summary>The pool of this instance in this process (one per connection, password included in the key, never shown).</summary>
    private NpgsqlDataSource DataSource => DataSources.GetOrAdd(Connection.Builder.ConnectionString, _ => Connection.CreateDataSource());

    /// <summary>Opens a connection; every failure to reach or log in is a Lamin error naming host and port, never the password.</summary>
    internal NpgsqlConnection Open() => Connection.Open(DataSource);

    public T Read<T>(Func<IRegistrySession, T> work) => Run(work, write: false);

    public T Write<T>(Func<IRegistrySession, T> work) => Run(work, write: true);

    public void Write(Action<IRegistrySession> work) => Run<object?>(s => { work(s); return null; }, write: true);

    /// <summary>
    /// One session, one transaction. A server that restarted leaves dead connections in the pool: a connection
    /// that fails on the session's first round trip (before <paramref name="work"/> runs: nothing of it was
    /// done) empties the pool and the session starts once more on a fresh one. Any later connection-level
    /// failure empties the pool too (the next command starts fresh) and fails with RegistryUnavailable; a write
    /// whose commit was cut off learns from the server whether it happened (<see cref="Commit"/>).
    /// </summary>
    private T Run<T>(Func<IRegistrySession, T> work, bool write)
    {
        for (int attempt = 0; ; attempt++)
        {
            NpgsqlConnection? connection = null;
            PostgresSession? session = null;
            try
            {
                connection = Open();
                NpgsqlTransaction tx;
                long xid = 0;
                try
                {
                    PostgresSchemaCheck.Check(Connection, connection);
                    tx = write ? PostgresWriteLock.Begin(connection, out xid) : connection.BeginTransaction(IsolationLevel.RepeatableRead);
                    session = new PostgresSession(connection, tx, this);
                    if (!write) _ = session.Small; // a read's first round trip (nearly every command reads these first)
                }
                catch (Exception e) when (attempt == 0 && IsConnectionLost(e))
                {
                    ClearPool();
                    continue;
                }
                try
                {
                    var result = work(session);
                    Commit(tx, xid);
                    if (write) RegistryChanges.Committed();
                    return result;
                }
                finally
                {
                    Quietly(tx.Dispose); // rolls back what did not commit; on a broken connection it must not hide the failure
                }
            }
            catch (Exception e) when (Map(e, session?.KnownIdentity) is { } mapped) { throw AfterFailure(e, mapped); }
            finally
            {
                if (connection is not null) Quietly(connection.Dispose);
            }
        }
    }

    /// <summary>Runs a clean-up whose own failure (a connection already broken) must not replace the failure being reported.</summary>
    private static void Quietly(Action cleanup)
    {
        try { cleanup(); }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException or System.Net.Sockets.SocketException) { }
    }

    /// <summary>The failure is the connection's (server gone, restarted, unreachable): what RegistryUnavailable reports.</summary>
    internal bool IsConnectionLost(Exception e) => Connection.MapError(e) is { ErrorId: ErrorIds.RegistryUnavailable };

    /// <summary>Drops every idle connection of this instance's pool (they died with the server).</summary>
    internal void ClearPool()
    {
        try { DataSource.Clear(); } catch (Exception e) when (e is NpgsqlException or InvalidOperationException) { }
    }

    /// <summary>After a failure mapped to <paramref name="mapped"/>: a lost connection empties the pool (the next command starts fresh).</summary>
    internal LaminException AfterFailure(Exception e, LaminException mapped)
    {
        if (IsConnectionLost(e)) ClearPool();
        return mapped;
    }

    /// <summary>
    /// Commits; when the connection is lost during the commit, asks the server (a new connection, for a few
    /// seconds while it restarts) what became of the transaction <paramref name="xid"/>: committed → success;
    /// aborted → the original failure (nothing was written); unknown → RegistryUnavailable marked
    /// <see cref="RegistryFailure.MayHaveCommitted"/>, so callers keep what the transaction may have registered.
    /// </summary>
    internal void Commit(NpgsqlTransaction tx, long xid)
    {
        if (xid != 0) Util.TestHooks.Pause("pg-commit"); // a write about to commit
        try { tx.Commit(); }
        catch (Exception e) when (xid != 0 && IsConnectionLost(e))
        {
            ClearPool();
            var status = CommitStatus(xid);
            if (status == "committed") return;
            if (status == "aborted") throw;
            // Never "nothing was changed": the server got the commit and its answer was lost.
            throw RegistryFailure.MarkMayHaveCommitted(new LaminException(ErrorIds.RegistryUnavailable,
                $"The connection to {Description} was lost while the transaction was committing, and the server could not be asked afterwards " +
                $"({(Connection.MapError(e)?.Message ?? e.Message).TrimEnd('.')}): whether this command's changes were written is unknown. " +
                "Check with Get-LaminArtifact or Test-LaminStorage when the server is back, and run the command again if they are not there.", Description, e));
        }
    }

    /// <summary>txid_status of a transaction after its connection was lost; null when the server can't be asked.</summary>
    private string? CommitStatus(long xid)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(Math.Max(5, Connection.Builder.Timeout));
        while (true)
        {
            try
            {
                using var c = Open();
                using var cmd = new NpgsqlCommand("SELECT txid_status($1)", c);
                cmd.Parameters.Add(new NpgsqlParameter { Value = xid });
                return cmd.ExecuteScalar() as string;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidParameterValue)
            {
                // "transaction ID … is in the future": the crash lost even its xid (it never reached the WAL), so it never committed.
                return "aborted";
            }
            catch (Exception e) when (IsConnectionLost(e) || e is LaminException { ErrorId: ErrorIds.RegistryUnavailable })
            {
                ClearPool();
                if (DateTime.UtcNow >= until) return null;
                Thread.Sleep(250); // the server is restarting: ask again shortly, for a bounded time
            }
        }
    }

    /// <summary>
    /// Npgsql's failures as Lamin errors (<see cref="PostgresErrors"/>); null for the caller's own refusals and anything
    /// else (reported as it is). <paramref name="identity"/>: who the session was, when it was asked.
    /// </summary>
    internal LaminException? Map(Exception e, RegistryIdentity? identity = null) => Connection.Errors.Map(e, identity);

    /// <summary>
    /// Whether <paramref name="destination"/> holds the registry of <paramref name="doc"/>'s instance (same instance id
    /// and uid): a settled Copy-LaminInstance (InstanceMove). False for a database without a registry or with another
    /// instance's. Failures to reach it are Lamin errors.
    /// </summary>
    internal static bool HoldsCopyOf(PostgresConnection destination, InstanceDocument doc)
    {
        var registry = new PostgresRegistry(destination);
        try
        {
            using var connection = registry.Open();
            if (PostgresSchema.ReadVersion(connection) is null) return false;
            using var cmd = new NpgsqlCommand("SELECT instance_id, instance_uid FROM lamin.instance WHERE id = 1", connection);
            using var r = cmd.ExecuteReader();
            return r.Read() && r.GetGuid(0) == doc.InstanceId && r.GetString(1) == doc.Uid;
        }
        catch (Exception e) when (registry.Map(e) is { } mapped) { throw mapped; }
    }

    /// <summary>Checks the schema again on the next session (connecting: another machine may have upgraded or dropped it).</summary>
    public PostgresRegistry Recheck()
    {
        PostgresSchemaCheck.Forget(Connection);
        return this;
    }

    /// <summary>True when the database holds a Lamin registry with its instance row.</summary>
    public bool Exists()
    {
        try
        {
            using var connection = Open();
            if (PostgresSchema.ReadVersion(connection) is null) return false;
            return PostgresSchemaCheck.HasInstance(connection);
        }
        catch (Exception e) when (Map(e) is { } mapped) { throw mapped; }
    }

    /// <summary>
    /// Creates the registry in the database: the schema (PostgresSchema.Ensure: once, under its advisory
    /// lock), then the instance row and the "all" space in one transaction. A database that already holds
    /// a Lamin instance → InstanceExists, nothing written.
    /// </summary>
    public static PostgresRegistry Create(PostgresConnection connection, InstanceDocument instance, LaminSpace all)
    {
        var registry = new PostgresRegistry(connection);
        try
        {
            using var c = registry.Open();
            PostgresSchema.Ensure(c, registry.Description);
            using var tx = PostgresWriteLock.Begin(c);
            if (PostgresSchemaCheck.HasInstance(c, tx))
                throw new LaminException(ErrorIds.InstanceExists,
                    $"The database {registry.Description} already holds a Lamin registry; connect to it with Connect-LaminInstance -Database '{registry.Description}'.", registry.Description);
            var session = new PostgresSession(c, tx, registry);
            session.InsertInstance(instance);
            session.Spaces.Insert(all);
            tx.Commit();
            RegistryChanges.Committed();
        }
        catch (Exception e) when (registry.Map(e) is { } mapped) { throw mapped; }
        PostgresSchemaCheck.Forget(connection);
        return registry;
    }

    /// <summary>What a copy moved, table by table.</summary>
    public sealed record CopyCounts(long Spaces, long Grants, long Storages, long Artifacts);

    public static CopyCounts Count(IRegistrySession source) =>
        new(source.Spaces.Count(), source.SpaceAccess.Count(), source.Storages.Count(), source.Artifacts.Count());

    /// <inheritdoc cref="PostgresCopy.Import"/>
    public static CopyCounts Import(PostgresConnection destination, IRegistrySession source, Action<string, long, long>? progress = null, int batch = 1000) =>
        PostgresCopy.Import(destination, source, progress, batch);

    public void DiscardNew() => Drop();

    public void Verify() => Recheck().Read(s => s.InstanceDocument);

    /// <summary>Drops the schema `lamin` with every table of the registry (Remove-LaminInstance -DropRegistry).</summary>
    public void Drop()
    {
        try
        {
            using var c = Open();
            using var cmd = new NpgsqlCommand("DROP SCHEMA IF EXISTS lamin CASCADE", c);
            cmd.ExecuteNonQuery();
        }
        catch (Exception e) when (Map(e) is { } mapped) { throw mapped; }
        PostgresSchemaCheck.Forget(Connection);
    }
}
