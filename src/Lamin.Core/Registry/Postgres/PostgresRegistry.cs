using System.Collections.Concurrent;
using System.Data;
using System.Net;
using Lamin.Core.Errors;
using Lamin.Core.Model;
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
    /// <summary>The advisory lock writers take for their transaction: the ASCII bytes of "lamin.wr".</summary>
    public const long WriteLockKey = 0x6C616D696E2E7772;

    private static readonly ConcurrentDictionary<string, NpgsqlDataSource> DataSources = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, bool> SchemaChecked = new(StringComparer.Ordinal);

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

    /// <summary>A write transaction holding the instance's write lock: writers on every machine take turns;
    /// the server releases the lock at commit, rollback or a dropped connection. <paramref name="xid"/>: the
    /// transaction's id (same round trip), to learn after a lost connection whether its commit happened.</summary>
    private static NpgsqlTransaction BeginWrite(NpgsqlConnection connection, out long xid)
    {
        var tx = connection.BeginTransaction(IsolationLevel.ReadCommitted);
        using var lockCmd = new NpgsqlCommand("SELECT txid_current() FROM (SELECT pg_advisory_xact_lock(@key)) AS l", connection, tx);
        lockCmd.Parameters.AddWithValue("key", WriteLockKey);
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

    private static NpgsqlTransaction BeginWrite(NpgsqlConnection connection) => BeginWrite(connection, out _);

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
                    CheckSchema(connection);
                    tx = write ? BeginWrite(connection, out xid) : connection.BeginTransaction(IsolationLevel.RepeatableRead);
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
            catch (Exception e) when (Map(e, session?.KnownIdentity) is { } mapped)
            {
                if (IsConnectionLost(e)) ClearPool();
                throw mapped;
            }
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
    private bool IsConnectionLost(Exception e) => Connection.MapError(e) is { ErrorId: ErrorIds.RegistryUnavailable };

    /// <summary>Drops every idle connection of this instance's pool (they died with the server).</summary>
    private void ClearPool()
    {
        try { DataSource.Clear(); } catch (Exception e) when (e is NpgsqlException or InvalidOperationException) { }
    }

    /// <summary>
    /// Commits; when the connection is lost during the commit, asks the server (a new connection, for a few
    /// seconds while it restarts) what became of the transaction <paramref name="xid"/>: committed → success;
    /// aborted → the original failure (nothing was written); unknown → RegistryUnavailable marked
    /// <see cref="RegistryFailure.MayHaveCommitted"/>, so callers keep what the transaction may have registered.
    /// </summary>
    private void Commit(NpgsqlTransaction tx, long xid)
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
    /// Npgsql's failures as Lamin errors; null for the caller's own refusals and anything else (reported as it is).
    /// <paramref name="identity"/>: who the session was, when it was asked (hidden conflicts are told apart from races by it).
    /// </summary>
    internal LaminException? Map(Exception e, RegistryIdentity? identity = null)
    {
        if (e is LaminException) return null;
        if (e is PostgresException { SqlState: PostgresErrorCodes.InsufficientPrivilege } denied) return Denied(denied, identity);
        if (e is PostgresException { SqlState: PostgresErrorCodes.UndefinedObject } noRole && noRole.MessageText.StartsWith("there is no login role", StringComparison.Ordinal))
            return new LaminException(ErrorIds.InvalidArgument,
                $"The database {Description} refused the grant: {noRole.MessageText}. {noRole.Hint} Nothing was changed.", null, e);
        if (e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ExclusionViolation } hidden && identity is { IsAdmin: false }
            && HiddenConflicts.TryGetValue(hidden.ConstraintName ?? "", out var what))
        {
            // SPEC §7: the role saw no such record (the module looked first), so the one it collides with is in a
            // space the role may not see: refused, naming nothing of it.
            return new LaminException(ErrorIds.AccessDenied,
                $"Role '{identity.User}' can't register this: {what} already exists in a space the role has no access to. " +
                "Nothing of this command was written. Choose another, or ask an admin of the instance for access.", null, e);
        }
        if (e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ExclusionViolation } unique)
        {
            return unique.ConstraintName switch
            {
                "space_name_key" => new LaminException(ErrorIds.SpaceExists, $"A space with that name already exists in {Description}; use Get-LaminSpace.", null, e),
                // The module looked first and saw no such record: another writer registered it in between (a race it lost).
                _ => new LaminException(ErrorIds.RegistryBusy,
                    $"The registry {Description} refused a write that breaks its rule {unique.ConstraintName} ({unique.MessageText}); nothing of this command was written. " +
                    "Another writer changed the same record at the same moment; run the command again.", null, e),
            };
        }
        if (e is PostgresException { SqlState: PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName })
        {
            SchemaChecked.TryRemove(Connection.Builder.ConnectionString, out _);
            return NotFound(e);
        }
        return Connection.MapError(e) ?? (e is PostgresException pg ? MapState(pg) : null);
    }

    /// <summary>
    /// Every other SQLSTATE, by class (issue 25: a PostgresException is never an UnexpectedError). Nothing of the
    /// transaction was written in any of these cases (the server rolled it back).
    /// <list type="bullet">
    /// <item>22 data exception (a NUL in text: 22021, a value out of range, …), 23 other integrity rules
    /// (not-null, check), 54 program limit (a value too large to index) → InvalidArgument;</item>
    /// <item>23503 foreign key (a record it refers to was removed meanwhile) → RecordNotFound;</item>
    /// <item>40 transaction rollback (40001 serialization failure, 40P01 deadlock), 55 object not in
    /// prerequisite state (55P03 lock not available), 57014 query cancelled (a statement timeout) → RegistryBusy (run again);</item>
    /// <item>53 insufficient resources (disk full, out of memory), 57 operator intervention, 58 system error,
    /// 25 transaction state (25006: a read-only server, a standby) → RegistryUnavailable;</item>
    /// <item>42 other syntax or access rule (a column or function the module expects is missing), XX internal
    /// error (data corrupted) → RegistryCorrupt;</item>
    /// <item>anything else → RegistryUnavailable naming the SQLSTATE.</item>
    /// </list>
    /// </summary>
    internal LaminException MapState(PostgresException pg)
    {
        var state = pg.SqlState;
        var said = $"{state}: {pg.MessageText}" + (pg.ColumnName is { } col ? $", column {pg.TableName}.{col}" : "");
        const string nothing = " Nothing of this command was written.";
        if (state == PostgresErrorCodes.ForeignKeyViolation)
            return new LaminException(ErrorIds.RecordNotFound,
                $"The registry {Description} refused the write: a record it refers to is no longer there ({said}); another writer may have removed it." + nothing +
                " Look the records up again and run the command again.", null, pg);
        if (state == PostgresErrorCodes.DiskFull) // issue 28: the server's disk, or the registry's tablespace, is full
            return new LaminException(ErrorIds.RegistryUnavailable,
                $"The server {Description} has no space left for the registry ({said})." + nothing +
                " Ask its administrator to free space (or grow the tablespace), then run the command again.", Description, pg);
        if (state == PostgresErrorCodes.QueryCanceled)
            return new LaminException(ErrorIds.RegistryBusy,
                $"The server {Description} cancelled the statement ({said}: a statement timeout, or an administrator)." + nothing + " Run the command again.", null, pg);
        return state[..2] switch
        {
            "22" or "23" or "54" => new LaminException(ErrorIds.InvalidArgument,
                $"The registry {Description} refused a value of this command ({said})." + nothing + " Correct the value and run the command again.", null, pg),
            "40" or "55" => new LaminException(ErrorIds.RegistryBusy,
                $"The registry {Description} rolled the transaction back because another writer worked on the same records ({said})." + nothing + " Run the command again.", null, pg),
            "42" or "XX" => new LaminException(ErrorIds.RegistryCorrupt,
                $"The registry {Description} is not as this module expects ({said})." + nothing +
                " Ask the instance admin to check the schema lamin (Connect-LaminInstance upgrades an older one).", Description, pg),
            _ => new LaminException(ErrorIds.RegistryUnavailable,
                $"The server {Description} can't carry out the command now ({said})." + nothing + " Ask its administrator, then run the command again.", Description, pg),
        };
    }

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

    /// <summary>The unique rules a role can break only against a record it can't see, and what to call that record.</summary>
    private static readonly Dictionary<string, string> HiddenConflicts = new(StringComparer.Ordinal)
    {
        ["storage_root_host_key"] = "a storage location with this root",
        ["storage_uid_key"] = "a storage location with this uid (the marker in that root names it)",
        ["artifact_latest_key"] = "a latest version of this key in this storage location",
        ["artifact_latest_long_key"] = "a latest version of this key in this storage location", // keys over 2000 bytes (Upgrade-3.sql)
        ["artifact_uid_key"] = "an artifact with this uid",
        ["space_uid_key"] = "a space with this uid",
        ["space_name_key"] = "a space with this name",
    };

    /// <summary>
    /// A refusal by the database (insufficient_privilege: a guard trigger of Upgrade-2.sql naming role and space,
    /// row-level security, or a table or schema privilege the role lacks) as AccessDenied; nothing of the
    /// transaction was written.
    /// </summary>
    private LaminException Denied(PostgresException e, RegistryIdentity? identity)
    {
        var role = identity?.User ?? Connection.Username;
        var text = e.MessageText;
        string message =
            text.StartsWith("role \"", StringComparison.Ordinal)
                ? $"The database {Description} refused it: {text}. {e.Hint}".TrimEnd()
            : text.Contains("schema lamin", StringComparison.Ordinal)
                ? $"Role '{role}' is not admitted to the instance in {Description} ({text}). " +
                  $"An admin of the instance admits it with Grant-LaminSpaceAccess -Space all -User '{role}' -Role Read (or Write, Admin)."
            : text.Contains("row-level security", StringComparison.Ordinal)
                ? $"Role '{role}' can't write this record: the database {Description} refused it ({text}): it needs Write access to the record's space. " +
                  "Ask an admin of that space to grant it with Grant-LaminSpaceAccess."
            : $"Role '{role}' may not do this in {Description} ({text}): its grants give it no Write access. " +
              $"Ask an admin of the instance to run Grant-LaminSpaceAccess -Space <space> -User '{role}' -Role Write.";
        return new LaminException(ErrorIds.AccessDenied, message + " Nothing of this command was written.", role, e);
    }

    private LaminException NotFound(Exception? inner = null) =>
        new(ErrorIds.RegistryNotFound,
            $"The database {Description} holds no Lamin registry (no schema '{PostgresSchema.SchemaName}' with an instance). " +
            "Create one there with New-LaminInstance -Database, or check the database name.", Description, inner);

    /// <summary>Once per process and instance: the schema is there, not newer than this module, and upgraded when older.</summary>
    private void CheckSchema(NpgsqlConnection connection)
    {
        if (SchemaChecked.ContainsKey(Connection.Builder.ConnectionString)) return;
        var version = PostgresSchema.ReadVersion(connection);
        if (version is null)
        {
            // A schema lamin this role may not use: a registry the role is not admitted to (SPEC §7), not a missing one.
            using var usable = new NpgsqlCommand(
                "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'lamin') AND NOT has_schema_privilege('lamin', 'USAGE')", connection);
            if ((bool)usable.ExecuteScalar()!)
                throw new LaminException(ErrorIds.AccessDenied,
                    $"Role '{Connection.Username}' is not admitted to the instance in {Description}. " +
                    $"An admin of the instance admits it with Grant-LaminSpaceAccess -Space all -User '{Connection.Username}' -Role Read (or Write, Admin).", Connection.Username);
            throw NotFound();
        }
        if (version < PostgresSchema.CurrentVersion)
        {
            // Older: upgraded once, under the advisory lock, by a role that owns the registry.
            try { PostgresSchema.Ensure(connection, Description); }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                throw new LaminException(ErrorIds.AccessDenied,
                    $"The registry in {Description} has schema version {version} and needs upgrading to {PostgresSchema.CurrentVersion}, " +
                    $"which only its owner (the instance admin) can do; role '{Connection.Username}' is not. Ask the admin to connect once with this module version. Nothing was changed.",
                    Connection.Username, e);
            }
        }
        else if (version > PostgresSchema.CurrentVersion) PostgresSchema.Ensure(connection, Description); // RegistrySchemaTooNew
        using (var cmd = new NpgsqlCommand("SELECT count(*) FROM lamin.instance", connection))
            if ((long)cmd.ExecuteScalar()! == 0) throw NotFound();
        SchemaChecked[Connection.Builder.ConnectionString] = true;
    }

    /// <summary>Checks the schema again on the next session (connecting: another machine may have upgraded or dropped it).</summary>
    public PostgresRegistry Recheck()
    {
        SchemaChecked.TryRemove(Connection.Builder.ConnectionString, out _);
        return this;
    }

    /// <summary>True when the database holds a Lamin registry with its instance row.</summary>
    public bool Exists()
    {
        try
        {
            using var connection = Open();
            if (PostgresSchema.ReadVersion(connection) is null) return false;
            using var cmd = new NpgsqlCommand("SELECT count(*) FROM lamin.instance", connection);
            return (long)cmd.ExecuteScalar()! > 0;
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
            using var tx = BeginWrite(c);
            using (var count = new NpgsqlCommand("SELECT count(*) FROM lamin.instance", c, tx))
                if ((long)count.ExecuteScalar()! > 0)
                    throw new LaminException(ErrorIds.InstanceExists,
                        $"The database {registry.Description} already holds a Lamin registry; connect to it with Connect-LaminInstance -Database '{registry.Description}'.", registry.Description);
            var session = new PostgresSession(c, tx, registry);
            session.InsertInstance(instance);
            session.Spaces.Insert(all);
            tx.Commit();
            RegistryChanges.Committed();
        }
        catch (Exception e) when (registry.Map(e) is { } mapped) { throw mapped; }
        SchemaChecked.TryRemove(connection.Builder.ConnectionString, out _);
        return registry;
    }

    /// <summary>What a copy moved, table by table.</summary>
    public sealed record CopyCounts(long Spaces, long Grants, long Storages, long Artifacts);

    public static CopyCounts Count(IRegistrySession source) =>
        new(source.Spaces.Count(), source.SpaceAccess.Count(), source.Storages.Count(), source.Artifacts.Count());

    /// <summary>
    /// Copy-LaminInstance: copies every record of <paramref name="source"/> (same instance, ids, uids, keys,
    /// hashes, versions, trash state, spaces, grants) into a new registry in <paramref name="destination"/>,
    /// in ONE transaction that also holds the write lock: streamed in batches of multi-row INSERTs (memory
    /// flat in the number of records), each id sequence moved past the largest copied id, then every record
    /// read back and compared field by field before the commit. Any failure rolls it all back: the
    /// database is left without a registry, so a rerun starts clean. A database that already holds one → InstanceExists.
    /// <paramref name="progress"/>: (what, done, total).
    /// </summary>
    public static CopyCounts Import(PostgresConnection destination, IRegistrySession source, Action<string, long, long>? progress = null, int batch = 1000)
    {
        var registry = new PostgresRegistry(destination);
        var counts = Count(source);
        try
        {
            using var c = registry.Open();
            PostgresSchema.Ensure(c, registry.Description);
            using var tx = BeginWrite(c, out var xid);
            var s = new PostgresSession(c, tx, registry);
            // The copy keeps who created each record and the source's grants (Upgrade-2.sql: only the instance
            // admin, which the role that just created the schema is, may ask for that; for this transaction only).
            s.Execute("SET LOCAL lamin.import = 'on'");
            if (Convert.ToInt64(s.Scalar("SELECT count(*) FROM lamin.instance")) > 0)
                throw new LaminException(ErrorIds.InstanceExists,
                    $"The database {registry.Description} already holds a Lamin registry; copy into an empty database.", registry.Description);
            var doc = source.InstanceDocument;
            s.InsertInstance(doc); // its default storage is checked at commit (a deferred foreign key)
            Copy(s.SpaceTable, source.Spaces, "spaces", counts.Spaces);
            Copy(s.GrantTable, source.SpaceAccess, "grants", counts.Grants);
            Copy(s.StorageTable, source.Storages, "storage locations", counts.Storages);
            Copy(s.ArtifactTable, source.Artifacts, "artifacts", counts.Artifacts);

            // Verify record by record before reporting success.
            var copied = s.InstanceDocument;
            if (copied.InstanceId != doc.InstanceId || copied.Uid != doc.Uid || copied.Name != doc.Name || copied.CreatedBy != doc.CreatedBy
                || copied.DefaultStorageUid != doc.DefaultStorageUid || copied.KeepArtifactsLocal != doc.KeepArtifactsLocal)
                throw Mismatch(registry, "the instance record");
            Verify(s.SpaceTable, source.Spaces, "spaces", counts.Spaces);
            Verify(s.GrantTable, source.SpaceAccess, "grants", counts.Grants);
            Verify(s.StorageTable, source.Storages, "storage locations", counts.Storages);
            Verify(s.ArtifactTable, source.Artifacts, "artifacts", counts.Artifacts);
            registry.Commit(tx, xid);
            RegistryChanges.Committed();
        }
        catch (Exception e) when (registry.Map(e) is { } mapped)
        {
            if (registry.IsConnectionLost(e)) registry.ClearPool();
            throw mapped;
        }
        SchemaChecked.TryRemove(destination.Builder.ConnectionString, out _);
        return counts;

        // Both passes read the source a page at a time (one query per page, in id order) and let go of each page
        // before the next (source.ReleaseReads: LiteDB would otherwise keep every page its transaction read
        // until it ends): the memory of a copy is one page of records, whatever the number of records.
        // Ids are copied as they are, so nothing maps old ids to new ones.
        void Copy<T>(PgTable<T> into, IRecordTable<T> from, string what, long total) where T : class
        {
            int last = int.MinValue;
            long done = 0;
            while (true)
            {
                var page = from.FindPage(last, batch);
                if (page.Count == 0) break;
                into.InsertWithIds(page);
                last = into.IdOf(page[^1]);
                done += page.Count;
                source.ReleaseReads();
                progress?.Invoke($"copying {what}", done, total);
            }
            into.MoveSequence();
            if (done == 0) progress?.Invoke($"copying {what}", 0, total);
        }

        void Verify<T>(PgTable<T> copy, IRecordTable<T> from, string what, long total) where T : class
        {
            int last = int.MinValue;
            long done = 0;
            while (true)
            {
                var page = from.FindPage(last, batch);
                var back = copy.FindPage(last, page.Count == 0 ? 1 : page.Count);
                if (back.Count < page.Count) throw Mismatch(registry, $"{what}: the copy has fewer records");
                if (page.Count == 0)
                {
                    if (back.Count > 0) throw Mismatch(registry, $"{what}: the copy has more records");
                    break;
                }
                for (int i = 0; i < page.Count; i++)
                    if (copy.Fingerprint(back[i]) != copy.Fingerprint(page[i])) throw Mismatch(registry, $"{what}: the record with id {copy.IdOf(page[i])}");
                last = copy.IdOf(page[^1]);
                done += page.Count;
                source.ReleaseReads();
                progress?.Invoke($"verifying {what}", done, total);
            }
        }
    }

    private static LaminException Mismatch(PostgresRegistry registry, string what) =>
        new(ErrorIds.RegistryCorrupt, $"The copy in {registry.Description} does not match its source ({what}); nothing was kept there and the source is unchanged.", registry.Description);

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
        SchemaChecked.TryRemove(Connection.Builder.ConnectionString, out _);
    }
}

/// <summary>
/// Credentials given with -Credential, kept in memory for the rest of the process (SPEC §7), by the
/// connection without its password. Never written anywhere.
/// </summary>
public static class PostgresCredentials
{
    private static readonly ConcurrentDictionary<string, NetworkCredential> Known = new(StringComparer.Ordinal);

    public static void Remember(string redacted, NetworkCredential credential) => Known[redacted] = credential;

    public static NetworkCredential? Find(string redacted) => Known.TryGetValue(redacted, out var c) ? c : null;

    /// <summary>
    /// Parses a connection typed by the user and makes its password available to the rest of the call:
    /// one from -Credential stays in memory for the process; one written into the connection is used for
    /// this call only (<paramref name="warn"/> says so) and is forgotten when the returned scope ends.
    /// </summary>
    public static (PostgresConnection Connection, IDisposable Scope) Use(string connection, NetworkCredential? credential, Action<string> warn)
    {
        var parsed = PostgresConnection.Parse(connection, credential);
        if (parsed.PassFileIgnored is { } why) warn(why);
        var password = parsed.Builder.Password;
        switch (parsed.PasswordSource)
        {
            case PasswordSource.Credential:
                Remember(parsed.Redacted, new NetworkCredential(parsed.Username, password));
                return (parsed, NoScope.Instance);
            case PasswordSource.Connection:
                warn($"the password written in the connection is used for this command only and is not kept; " +
                     "give it with -Credential, PGPASSWORD or the passfile (~/.pgpass) so later commands can connect.");
                var previous = Find(parsed.Redacted);
                Remember(parsed.Redacted, new NetworkCredential(parsed.Username, password));
                return (parsed, new ForgetScope(parsed.Redacted, previous));
            default:
                return (parsed, NoScope.Instance);
        }
    }

    private sealed class NoScope : IDisposable
    {
        public static readonly NoScope Instance = new();
        public void Dispose() { }
    }

    private sealed class ForgetScope(string redacted, NetworkCredential? previous) : IDisposable
    {
        public void Dispose()
        {
            if (previous is null) Known.TryRemove(redacted, out _);
            else Known[redacted] = previous;
        }
    }
}
