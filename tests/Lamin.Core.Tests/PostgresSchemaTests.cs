using System.Net;
using Lamin.Core.Errors;
using Lamin.Core.Registry.Postgres;
using Npgsql;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// A test against a real PostgreSQL server: the one LAMIN_TEST_POSTGRES names (build.ps1 -Task Test
/// starts a throwaway one with tests/servers/Start-Postgres.ps1 and sets it). Without it the test is
/// skipped, so `dotnet test` alone still runs everywhere.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(TestPostgres.Variable)))
            Skip = $"needs a PostgreSQL server: set {TestPostgres.Variable}, or run build.ps1 -Task Test (it starts one)";
    }
}

/// <summary>A database of its own on the test server, dropped on dispose.</summary>
public sealed class TestPostgres : IDisposable
{
    public const string Variable = "LAMIN_TEST_POSTGRES";

    public TestPostgres()
    {
        Server = PostgresConnection.Parse(Environment.GetEnvironmentVariable(Variable)!);
        Name = "lamin_t_" + Guid.NewGuid().ToString("N")[..12];
        using (var admin = new NpgsqlConnection(Server.Builder.ConnectionString))
        {
            admin.Open();
            using var cmd = new NpgsqlCommand($"CREATE DATABASE {Name}", admin);
            cmd.ExecuteNonQuery();
        }
        var b = new NpgsqlConnectionStringBuilder(Server.Builder.ConnectionString) { Database = Name, Pooling = false };
        Connection = PostgresConnection.Parse(b.ConnectionString);
    }

    public PostgresConnection Server { get; }
    public string Name { get; }
    /// <summary>The test database, password from the test server's connection (no pooling: every open is a new session).</summary>
    public PostgresConnection Connection { get; }

    public NpgsqlConnection Open()
    {
        var c = new NpgsqlConnection(Connection.Builder.ConnectionString);
        c.Open();
        return c;
    }

    public object? Scalar(string sql)
    {
        using var c = Open();
        using var cmd = new NpgsqlCommand(sql, c);
        return cmd.ExecuteScalar();
    }

    public void Execute(string sql)
    {
        using var c = Open();
        using var cmd = new NpgsqlCommand(sql, c);
        cmd.ExecuteNonQuery();
    }

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        using var admin = new NpgsqlConnection(Server.Builder.ConnectionString);
        admin.Open();
        using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", admin);
        cmd.ExecuteNonQuery();
    }
}

/// <summary>SPEC §7: the `lamin` schema, created once under an advisory lock, and the rules its constraints enforce.</summary>
public class PostgresSchemaTests
{
    /// <summary>Two connections call <see cref="PostgresSchema.Ensure"/> at the same moment; their two outcomes.</summary>
    private static SchemaOutcome[] RaceEnsure(TestPostgres db)
    {
        using var a = db.Open();
        using var b = db.Open();
        using var start = new Barrier(2);
        SchemaOutcome Race(NpgsqlConnection c)
        {
            start.SignalAndWait();
            return PostgresSchema.Ensure(c, db.Connection.Redacted);
        }
        var ta = Task.Factory.StartNew(() => Race(a), TaskCreationOptions.LongRunning);
        var tb = Task.Factory.StartNew(() => Race(b), TaskCreationOptions.LongRunning);
        return [ta.Result, tb.Result];
    }

    [PostgresFact]
    public void Two_connections_racing_create_the_schema_once()
    {
        using var db = new TestPostgres();
        for (int round = 0; round < 5; round++)
        {
            if (round > 0) db.Execute("DROP SCHEMA lamin CASCADE");
            var outcomes = RaceEnsure(db);

            Assert.Equal(1, outcomes.Count(o => o == SchemaOutcome.Created));
            Assert.Equal(1, outcomes.Count(o => o == SchemaOutcome.UpToDate));
            Assert.Equal(1L, db.Scalar("SELECT count(*) FROM lamin.schema_version"));
            Assert.Equal(PostgresSchema.CurrentVersion, db.Scalar("SELECT version FROM lamin.schema_version"));
            Assert.Equal(5L, db.Scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'lamin' AND tablename IN ('storage','space','space_access','artifact','instance')"));
        }
        // A later connect finds it current and does nothing.
        using var later = db.Open();
        Assert.Equal(SchemaOutcome.UpToDate, PostgresSchema.Ensure(later, db.Connection.Redacted));
    }

    [PostgresFact]
    public void Constraints_refuse_a_duplicate_root_and_host_and_a_second_latest_version_of_a_key()
    {
        using var db = new TestPostgres();
        using (var c = db.Open()) Assert.Equal(SchemaOutcome.Created, PostgresSchema.Ensure(c, db.Connection.Redacted));
        db.Execute("INSERT INTO lamin.space (id, uid, name, created_by) VALUES (1, 'aaaaaaaaaaaa', 'all', 'me')");

        void Storage(string uid, string root, string? host, string type = "local") =>
            db.Execute($"INSERT INTO lamin.storage (uid, root, host, type, created_by) VALUES ('{uid}', '{root}', {(host is null ? "NULL" : $"'{host}'")}, '{type}', 'me')");

        Storage("st0000000001", "/data/lab", "hostA");
        Assert_Refused(PostgresErrorCodes.UniqueViolation, "storage_root_host_key", () => Storage("st0000000002", "/data/lab", "hostA"));
        Storage("st0000000003", "/data/lab", "hostB");              // one path on another machine: allowed
        Storage("st0000000004", "s3://bucket/lab", null, "s3");
        Assert_Refused(PostgresErrorCodes.UniqueViolation, "storage_root_host_key", () => Storage("st0000000005", "s3://bucket/lab", null, "s3"));
        Assert_Refused(PostgresErrorCodes.CheckViolation, "storage_host_local", () => Storage("st0000000006", "s3://other", "hostA", "s3"));
        Assert_Refused(PostgresErrorCodes.UniqueViolation, "storage_uid_key", () => Storage("st0000000001", "/elsewhere", "hostA"));

        var s1 = db.Scalar("SELECT id FROM lamin.storage WHERE uid = 'st0000000001'");
        var s3 = db.Scalar("SELECT id FROM lamin.storage WHERE uid = 'st0000000003'");
        void Artifact(string uid, object storageId, string storageUid, string key, bool latest = true, bool trashed = false) =>
            db.Execute("INSERT INTO lamin.artifact (uid, key, size, storage_id, storage_uid, is_latest, is_trashed, created_by) " +
                       $"VALUES ('{uid}', '{key}', 1, {storageId}, '{storageUid}', {latest}, {trashed}, 'me')");

        Artifact("AAAAAAAAAAAAAAAA0000", s1!, "st0000000001", "raw/a.csv");
        Assert_Refused(PostgresErrorCodes.UniqueViolation, "artifact_latest_key",
            () => Artifact("AAAAAAAAAAAAAAAA0001", s1!, "st0000000001", "raw/a.csv"));
        Artifact("AAAAAAAAAAAAAAAA0002", s1!, "st0000000001", "raw/a.csv", latest: false);              // an older version
        Artifact("AAAAAAAAAAAAAAAA0003", s1!, "st0000000001", "raw/a.csv", latest: true, trashed: true); // in the trash
        Artifact("BBBBBBBBBBBBBBBB0000", s3!, "st0000000003", "raw/a.csv");                              // same key, other location
        Assert_Refused(PostgresErrorCodes.UniqueViolation, "artifact_uid_key",
            () => Artifact("BBBBBBBBBBBBBBBB0000", s3!, "st0000000003", "raw/b.csv"));
        // storage_id and storage_uid can't disagree, and a location holding artifacts can't be deleted.
        Assert_Refused(PostgresErrorCodes.ForeignKeyViolation, "artifact_storage_fkey",
            () => Artifact("CCCCCCCCCCCCCCCC0000", s1!, "st0000000003", "raw/c.csv"));
        Assert_Refused(PostgresErrorCodes.ForeignKeyViolation, "artifact_storage_fkey",
            () => db.Execute("DELETE FROM lamin.storage WHERE uid = 'st0000000001'"));

        // Demote, then insert: the order a new version takes.
        db.Execute("BEGIN; UPDATE lamin.artifact SET is_latest = false WHERE uid = 'AAAAAAAAAAAAAAAA0000'; " +
                   $"INSERT INTO lamin.artifact (uid, key, size, storage_id, storage_uid, created_by) VALUES ('AAAAAAAAAAAAAAAA0004', 'raw/a.csv', 1, {s1}, 'st0000000001', 'me'); COMMIT;");
        Assert.Equal("AAAAAAAAAAAAAAAA0004", db.Scalar($"SELECT uid FROM lamin.artifact WHERE key = 'raw/a.csv' AND storage_id = {s1} AND is_latest AND NOT is_trashed"));
    }

    [PostgresFact]
    public void A_version_1_registry_is_upgraded_once_when_two_connections_race_and_keeps_its_rows()
    {
        using var db = new TestPostgres();
        for (int round = 0; round < 3; round++)
        {
            if (round > 0) db.Execute("DROP SCHEMA lamin CASCADE");
            db.Execute(PostgresSchema.Script(1));
            db.Execute("INSERT INTO lamin.schema_version (id, version) VALUES (1, 1); " +
                       "INSERT INTO lamin.space (id, uid, name, created_by) VALUES (1, 'A1LSpace0000', 'all', 'me'); " +
                       "INSERT INTO lamin.storage (uid, root, type, created_by) VALUES ('st0000000001', '/data/v1', 'local', 'me'); " +
                       "INSERT INTO lamin.artifact (uid, key, size, storage_id, storage_uid, created_by) " +
                       "SELECT 'AAAAAAAAAAAAAAAA0000', 'raw/a.csv', 1, id, uid, 'me' FROM lamin.storage WHERE uid = 'st0000000001'");
            var outcomes = RaceEnsure(db);
            Assert.Equal(1, outcomes.Count(o => o == SchemaOutcome.Upgraded));
            Assert.Equal(1, outcomes.Count(o => o == SchemaOutcome.UpToDate));
            Assert.Equal(PostgresSchema.CurrentVersion, db.Scalar("SELECT version FROM lamin.schema_version"));
            // Rows kept, created_by as it was (the triggers only set it on new rows), policies in force.
            Assert.Equal("me", db.Scalar("SELECT created_by FROM lamin.storage WHERE uid = 'st0000000001'"));
            Assert.Equal(true, db.Scalar("SELECT relforcerowsecurity FROM pg_class WHERE oid = 'lamin.artifact'::regclass"));
            Assert.Equal(1L, db.Scalar("SELECT count(*) FROM pg_proc WHERE proname = 'granted_spaces' AND pronamespace = 'lamin'::regnamespace"));
            Assert.Equal("raw/a.csv", db.Scalar("SELECT _key_head FROM lamin.artifact WHERE uid = 'AAAAAAAAAAAAAAAA0000'")); // version 3: indexed heads
            Assert.Equal(0L, db.Scalar("SELECT generation FROM lamin.storage WHERE uid = 'st0000000001'")); // version 4: the fencing token
        }
    }

    [PostgresFact]
    public void A_version_3_registry_gets_the_storage_generation_once_when_two_connections_race()
    {
        using var db = new TestPostgres();
        for (int round = 0; round < 3; round++)
        {
            if (round > 0) db.Execute("DROP SCHEMA lamin CASCADE");
            for (int v = 1; v <= 3; v++) db.Execute(PostgresSchema.Script(v));
            db.Execute("INSERT INTO lamin.schema_version (id, version) VALUES (1, 3); " +
                       "INSERT INTO lamin.space (id, uid, name, created_by) VALUES (1, 'A1LSpace0000', 'all', 'me'); " +
                       "INSERT INTO lamin.storage (uid, root, type, created_by) VALUES ('st0000000001', '/data/v3', 'local', 'me')");
            Assert.Equal(0L, db.Scalar("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'lamin' AND table_name = 'storage' AND column_name = 'generation'"));
            var outcomes = RaceEnsure(db);
            Assert.Equal(1, outcomes.Count(o => o == SchemaOutcome.Upgraded));
            Assert.Equal(1, outcomes.Count(o => o == SchemaOutcome.UpToDate));
            Assert.True(PostgresSchema.CurrentVersion >= 4);
            Assert.Equal(PostgresSchema.CurrentVersion, db.Scalar("SELECT version FROM lamin.schema_version"));
            Assert.Equal(0L, db.Scalar("SELECT generation FROM lamin.storage WHERE uid = 'st0000000001'"));
            Assert.Equal("/data/v3", db.Scalar("SELECT root FROM lamin.storage WHERE uid = 'st0000000001'"));
            var negative = Assert.Throws<PostgresException>(() => db.Execute("UPDATE lamin.storage SET generation = -1"));
            Assert.Equal(PostgresErrorCodes.CheckViolation, negative.SqlState);
        }
    }

    [PostgresFact]
    public void Key_prefix_queries_can_use_an_index_in_a_non_C_locale()
    {
        using var db = new TestPostgres();
        using var c = db.Open();
        PostgresSchema.Ensure(c, db.Connection.Redacted);
        using (var off = new NpgsqlCommand("SET enable_seqscan = off", c)) off.ExecuteNonQuery();
        // The condition the registry sends for -Key 'raw/*' (the index holds each key's first 500 characters).
        using var cmd = new NpgsqlCommand("EXPLAIN SELECT id FROM lamin.artifact WHERE " + PostgresSession.KeyPrefixCondition("key", "raw/"), c);
        foreach (var arg in PostgresSession.PrefixArgs("raw/")) cmd.Parameters.Add(new NpgsqlParameter { Value = arg });
        using var reader = cmd.ExecuteReader();
        var plan = new List<string>();
        while (reader.Read()) plan.Add(reader.GetString(0));
        Assert.Contains(plan, line => line.Contains("artifact_key_idx") || line.Contains("artifact_latest_key"));
        Assert.Contains(plan, line => line.Contains("Index Cond"));
    }

    [PostgresFact]
    public void A_newer_schema_is_refused_and_nothing_is_written()
    {
        using var db = new TestPostgres();
        using (var c = db.Open()) PostgresSchema.Ensure(c, db.Connection.Redacted);
        db.Execute($"UPDATE lamin.schema_version SET version = {PostgresSchema.CurrentVersion + 1}, upgraded_at = '2030-01-01Z'");
        using var again = db.Open();
        var e = Assert.Throws<LaminException>(() => PostgresSchema.Ensure(again, db.Connection.Redacted));
        Assert.Equal(PostgresErrorIds.RegistrySchemaTooNew, e.ErrorId);
        Assert.Contains(db.Name, e.Message);
        Assert.Equal(PostgresSchema.CurrentVersion + 1, db.Scalar("SELECT version FROM lamin.schema_version"));
        Assert.Equal(new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc), ((DateTime)db.Scalar("SELECT upgraded_at FROM lamin.schema_version")!).ToUniversalTime());
    }

    [PostgresFact]
    public void A_foreign_schema_named_lamin_is_left_alone()
    {
        using var db = new TestPostgres();
        db.Execute("CREATE SCHEMA lamin; CREATE TABLE lamin.theirs (x int); INSERT INTO lamin.theirs VALUES (42)");
        using var c = db.Open();
        var e = Assert.Throws<LaminException>(() => PostgresSchema.Ensure(c, db.Connection.Redacted));
        Assert.Equal(ErrorIds.RegistryCorrupt, e.ErrorId);
        Assert.Equal(42, db.Scalar("SELECT x FROM lamin.theirs"));
        Assert.Equal(1L, db.Scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'lamin'"));
    }

    [PostgresFact]
    public void A_wrong_password_and_a_missing_database_are_Lamin_errors()
    {
        var server = PostgresConnection.Parse(Environment.GetEnvironmentVariable(TestPostgres.Variable)!);
        var wrong = PostgresConnection.Parse(
            new NpgsqlConnectionStringBuilder(server.Builder.ConnectionString) { Password = null }.ConnectionString,
            new NetworkCredential("", "definitely-not-the-password"));
        using (var ds = wrong.CreateDataSource())
        {
            var e = Assert.Throws<LaminException>(() => wrong.Open(ds).Dispose());
            Assert.Equal(PostgresErrorIds.RegistryAuthenticationFailed, e.ErrorId);
            Assert.Contains(server.Username, e.Message);
            Assert.DoesNotContain("definitely-not-the-password", e.Message);
        }
        var missing = PostgresConnection.Parse(
            new NpgsqlConnectionStringBuilder(server.Builder.ConnectionString) { Database = "lamin_no_such_db" }.ConnectionString);
        using (var ds = missing.CreateDataSource())
        {
            var e = Assert.Throws<LaminException>(() => missing.Open(ds).Dispose());
            Assert.Equal(ErrorIds.RegistryNotFound, e.ErrorId);
            Assert.Contains("lamin_no_such_db", e.Message);
        }
    }

    private static void Assert_Refused(string sqlState, string constraint, Action write)
    {
        var e = Assert.Throws<PostgresException>(write);
        Assert.Equal(sqlState, e.SqlState);
        Assert.Equal(constraint, e.ConstraintName);
    }
}
