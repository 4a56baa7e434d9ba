using System.Net;
using System.Net.Sockets;
using Lamin.Core.Errors;
using Lamin.Core.Registry.Postgres;
using Npgsql;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>SPEC §7: connections as URL or keywords, where the password comes from, and that it is never shown.</summary>
public class PostgresConnectionTests
{
    private const string Secret = "s3cr:et@pw";

    private static Func<string, string?> Env(params (string Name, string Value)[] vars)
    {
        var d = vars.ToDictionary(v => v.Name, v => (string?)v.Value);
        return name => d.TryGetValue(name, out var v) ? v : null;
    }

    private static readonly Func<string, string?> NoEnv = Env();

    private static PostgresConnection Parse(string text, NetworkCredential? credential = null, Func<string, string?>? env = null, string? home = null) =>
        PostgresConnection.Parse(text, credential, env ?? NoEnv, home ?? "/nonexistent-home");

    [Fact]
    public void Url_gives_host_port_database_user_and_sslmode()
    {
        var c = Parse("postgresql://alice@db.example.org:6543/lab?sslmode=require");
        Assert.Equal("db.example.org", c.Host);
        Assert.Equal(6543, c.Port);
        Assert.Equal("lab", c.Database);
        Assert.Equal("alice", c.Username);
        Assert.Equal(SslMode.Require, c.Builder.SslMode);
        Assert.Equal(PasswordSource.None, c.PasswordSource);
        Assert.Equal("postgresql://alice@db.example.org:6543/lab?sslmode=require", c.Redacted);
    }

    [Fact]
    public void Url_defaults_the_port_and_accepts_the_short_scheme_and_percent_encoding()
    {
        var c = Parse("postgres://j%40ne@localhost/my%20db");
        Assert.Equal(PostgresConnection.DefaultPort, c.Port);
        Assert.Equal("j@ne", c.Username);
        Assert.Equal("my db", c.Database);
        Assert.Equal("postgresql://j%40ne@localhost:5432/my%20db", c.Redacted);
    }

    [Fact]
    public void Url_with_an_IPv6_host()
    {
        var c = Parse("postgresql://bob@[::1]:5433/lab");
        Assert.Equal("::1", c.Host);
        Assert.Equal(5433, c.Port);
        Assert.Equal("[::1]:5433", c.Endpoint);
        Assert.Equal("postgresql://bob@[::1]:5433/lab", c.Redacted);
    }

    [Theory]
    [InlineData("postgresql://bob@host:99999/lab")]
    [InlineData("postgresql://bob@host:abc/lab")]
    [InlineData("postgresql://bob@host/lab?sslmode=sometimes")]
    [InlineData("postgresql://bob@host/lab?frobnicate=1")]
    [InlineData("postgresql://bob@host")]
    [InlineData("Host=h;Username=bob")]
    [InlineData("Host=h;Database=d;NoSuchKeyword=1")]
    [InlineData("   ")]
    public void Bad_connections_are_InvalidArgument(string text)
    {
        var e = Assert.Throws<LaminException>(() => Parse(text));
        Assert.Equal(ErrorIds.InvalidArgument, e.ErrorId);
    }

    [Fact]
    public void A_bad_URL_with_a_password_does_not_repeat_the_password()
    {
        var e = Assert.Throws<LaminException>(() => Parse($"postgresql://bob:{Uri.EscapeDataString(Secret)}@host:99999/lab"));
        Assert.DoesNotContain(Uri.EscapeDataString(Secret), e.Message);
        Assert.DoesNotContain(Secret, e.Message);
    }

    [Fact]
    public void Keyword_string_is_read_by_Npgsql()
    {
        var c = Parse("Host=10.0.0.5;Port=5999;Database=team;Username=carol;SSL Mode=VerifyFull");
        Assert.Equal("10.0.0.5", c.Host);
        Assert.Equal(5999, c.Port);
        Assert.Equal("team", c.Database);
        Assert.Equal("carol", c.Username);
        Assert.Equal("postgresql://carol@10.0.0.5:5999/team?sslmode=verify-full", c.Redacted);
    }

    [Fact]
    public void Missing_user_and_host_come_from_PGUSER_and_PGHOST()
    {
        var c = Parse("Database=lab", env: Env(("PGUSER", "dave"), ("PGHOST", "pg.internal")));
        Assert.Equal("dave", c.Username);
        Assert.Equal("pg.internal", c.Host);
    }

    [Fact]
    public void A_password_in_the_URL_is_used_and_flagged_but_never_shown()
    {
        var c = Parse($"postgresql://bob:{Uri.EscapeDataString(Secret)}@host/lab");
        Assert.Equal(Secret, c.Builder.Password);
        Assert.Equal(PasswordSource.Connection, c.PasswordSource);
        Assert.True(c.PasswordInConnection);
        Assert.DoesNotContain(Secret, c.Redacted);
        Assert.DoesNotContain(Uri.EscapeDataString(Secret), c.Redacted);
        Assert.DoesNotContain(Secret, c.ToString());
        Assert.Equal("postgresql://bob@host:5432/lab", c.Redacted);
    }

    [Fact]
    public void A_password_in_the_keyword_string_is_flagged_but_never_shown()
    {
        var c = Parse($"Host=h;Database=d;Username=bob;Password={Secret}");
        Assert.Equal(PasswordSource.Connection, c.PasswordSource);
        Assert.Equal(Secret, c.Builder.Password);
        Assert.DoesNotContain(Secret, c.Redacted);
    }

    [Fact]
    public void Credential_comes_first_then_connection_then_PGPASSWORD_then_passfile()
    {
        using var tmp = new TempDir();
        var passfile = WritePassFile(tmp, "*:*:*:*:from-file\n");
        var env = Env(("PGPASSWORD", "from-env"), ("PGPASSFILE", passfile));

        var all = Parse("postgresql://bob:from-url@h/d", new NetworkCredential("bob", "from-credential"), env);
        Assert.Equal(("from-credential", PasswordSource.Credential), (all.Builder.Password, all.PasswordSource));

        var noCredential = Parse("postgresql://bob:from-url@h/d", null, env);
        Assert.Equal(("from-url", PasswordSource.Connection), (noCredential.Builder.Password, noCredential.PasswordSource));

        var envOnly = Parse("postgresql://bob@h/d", null, env);
        Assert.Equal(("from-env", PasswordSource.Environment), (envOnly.Builder.Password, envOnly.PasswordSource));

        var fileOnly = Parse("postgresql://bob@h/d", null, Env(("PGPASSFILE", passfile)));
        Assert.Equal(("from-file", PasswordSource.PassFile), (fileOnly.Builder.Password, fileOnly.PasswordSource));
        Assert.Equal(passfile, fileOnly.PassFile);

        var none = Parse("postgresql://bob@h/d");
        Assert.Equal(PasswordSource.None, none.PasswordSource);
        Assert.True(string.IsNullOrEmpty(none.Builder.Password));
        // Npgsql must not look for a passfile of its own afterwards.
        Assert.True(string.IsNullOrEmpty(none.Builder.Passfile));
    }

    [Fact]
    public void Credential_user_is_used_when_the_connection_names_none_and_a_conflict_is_refused()
    {
        var c = Parse("postgresql://h/d", new NetworkCredential("erin", "pw"));
        Assert.Equal("erin", c.Username);
        var e = Assert.Throws<LaminException>(() => Parse("postgresql://frank@h/d", new NetworkCredential("erin", "pw")));
        Assert.Equal(ErrorIds.InvalidArgument, e.ErrorId);
    }

    [UnixFact] // %APPDATA%\postgresql\pgpass.conf on Windows: covered by PassFilePath below
    public void The_default_passfile_is_pgpass_in_the_home_folder()
    {
        using var tmp = new TempDir();
        WritePassFile(tmp, "h:5432:d:bob:home-file\n", ".pgpass");
        var c = Parse("postgresql://bob@h/d", home: tmp.Path);
        Assert.Equal(("home-file", PasswordSource.PassFile), (c.Builder.Password, c.PasswordSource));
        Assert.Equal(Path.Combine(tmp.Path, ".pgpass"), PostgresConnection.PassFilePath(NoEnv, tmp.Path));
        Assert.Equal("/x/pw", PostgresConnection.PassFilePath(Env(("PGPASSFILE", "/x/pw")), tmp.Path));
    }

    [UnixFact] // Unix file modes
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_passfile_others_may_read_is_ignored_like_libpq_does()
    {
        using var tmp = new TempDir();
        var passfile = WritePassFile(tmp, "*:*:*:*:leaked\n");
        File.SetUnixFileMode(passfile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var c = Parse("postgresql://bob@h/d", env: Env(("PGPASSFILE", passfile)));
        Assert.Equal(PasswordSource.None, c.PasswordSource);
        Assert.NotNull(c.PassFileIgnored);
        Assert.Contains("chmod 600", c.PassFileIgnored);
    }

    [Fact]
    public void Passfile_lines_match_field_by_field_with_wildcards_escapes_and_comments()
    {
        var lines = new[]
        {
            "# a comment *:*:*:*:never",
            "",
            "otherhost:5432:d:bob:wrong-host",
            "h:5433:d:bob:wrong-port",
            "h:5432:other:bob:wrong-db",
            "h:5432:d:alice:wrong-user",
            @"h\:x:5432:d:bob:escaped-host",
            @"h:*:d:bob:pa\:ss\\word:with:colons",
            "*:*:*:*:catch-all",
        };
        Assert.Equal(@"pa:ss\word:with:colons", PostgresConnection.FindInPassFile(lines, "h", 5432, "d", "bob"));
        Assert.Equal("escaped-host", PostgresConnection.FindInPassFile(lines, "h:x", 5432, "d", "bob"));
        Assert.Equal("catch-all", PostgresConnection.FindInPassFile(lines, "elsewhere", 1, "x", "y"));
        Assert.Null(PostgresConnection.FindInPassFile(lines.Take(6), "elsewhere", 1, "x", "y"));
    }

    // ------------------------------------------------------------------ error mapping (no server)

    [Fact]
    public void Wrong_password_maps_to_RegistryAuthenticationFailed_without_the_password()
    {
        var c = Parse($"Host=db1;Port=5444;Database=lab;Username=bob;Password={Secret}");
        var e = c.MapError(new PostgresException("password authentication failed for user \"bob\"", "FATAL", "FATAL", PostgresErrorCodes.InvalidPassword));
        Assert.NotNull(e);
        Assert.Equal(PostgresErrorIds.RegistryAuthenticationFailed, e!.ErrorId);
        Assert.Contains("bob", e.Message);
        Assert.Contains("db1:5444", e.Message);
        Assert.DoesNotContain(Secret, e.Message);
        Assert.DoesNotContain(Secret, e.Target?.ToString() ?? "");
    }

    [Fact]
    public void No_password_at_all_maps_to_RegistryAuthenticationFailed_with_where_to_put_one()
    {
        var c = Parse("postgresql://bob@db1/lab");
        var e = c.MapError(new NpgsqlException("No password has been provided but the backend requires one (in SASL/SCRAM-SHA-256)"));
        Assert.Equal(PostgresErrorIds.RegistryAuthenticationFailed, e!.ErrorId);
        Assert.Contains("-Credential", e.Message);
    }

    [Fact]
    public void Missing_database_maps_to_RegistryNotFound()
    {
        var c = Parse("postgresql://bob@db1/nosuchdb");
        var e = c.MapError(new PostgresException("database \"nosuchdb\" does not exist", "FATAL", "FATAL", PostgresErrorCodes.InvalidCatalogName));
        Assert.Equal(ErrorIds.RegistryNotFound, e!.ErrorId);
        Assert.Contains("nosuchdb", e.Message);
    }

    [Fact]
    public void Server_shutting_down_maps_to_RegistryUnavailable()
    {
        var c = Parse("postgresql://bob@db1:5544/lab");
        var e = c.MapError(new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", PostgresErrorCodes.AdminShutdown));
        Assert.Equal(PostgresErrorIds.RegistryUnavailable, e!.ErrorId);
        Assert.Contains("db1:5544", e.Message);
    }

    [Fact]
    public void Other_server_errors_are_not_mapped()
    {
        var c = Parse("postgresql://bob@db1/lab");
        Assert.Null(c.MapError(new PostgresException("duplicate key", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation)));
        Assert.Null(c.MapError(new LaminException(ErrorIds.InvalidArgument, "x")));
    }

    [Fact]
    public void A_closed_port_is_RegistryUnavailable_naming_host_and_port()
    {
        // A port nobody listens on: bind one, note it, close it.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var c = Parse($"Host=127.0.0.1;Port={port};Database=lab;Username=bob;Password={Secret};Timeout=5");
        using var ds = c.CreateDataSource();
        var e = Assert.Throws<LaminException>(() => c.Open(ds).Dispose());
        Assert.Equal(PostgresErrorIds.RegistryUnavailable, e.ErrorId);
        Assert.Contains($"127.0.0.1:{port}", e.Message);
        Assert.DoesNotContain(Secret, e.Message);
    }

    // ------------------------------------------------------------------ every connection failure is a Lamin error (issue 24)

    /// <summary>
    /// A loopback server that answers a client's first message (the 8-byte SSLRequest, or the start of a
    /// startup message) with <paramref name="answer"/>, then reads until the client goes: what a server
    /// without TLS, a server that is not PostgreSQL or a TLS server with an untrusted certificate does.
    /// </summary>
    private sealed class FakeServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

        public FakeServer(Action<NetworkStream> answer)
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _ = Task.Run(() =>
            {
                while (true)
                {
                    TcpClient client;
                    try { client = _listener.AcceptTcpClient(); }
                    catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException) { return; }
                    using (client)
                    {
                        try
                        {
                            var stream = client.GetStream();
                            stream.ReadExactly(new byte[8]);
                            answer(stream);
                            var rest = new byte[4096];
                            while (stream.Read(rest) > 0) { }
                        }
                        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or System.Security.Authentication.AuthenticationException) { }
                    }
                }
            });
        }

        public int Port { get; }

        public void Dispose() => _listener.Stop();
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2 SelfSignedCertificate()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(
            "CN=localhost", rsa, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Re-imported with its key as a server certificate needs it on every OS.
        return System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(
            cert.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx), null);
    }

    /// <summary>A server that accepts the SSLRequest and completes a TLS handshake with a self-signed certificate.</summary>
    private static FakeServer TlsServer(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) => new(s =>
    {
        s.WriteByte((byte)'S');
        using var tls = new System.Net.Security.SslStream(s, leaveInnerStreamOpen: true);
        tls.AuthenticateAsServer(certificate);
        var rest = new byte[4096];
        while (tls.Read(rest) > 0) { }
    });

    private static LaminException OpenFails(string connection)
    {
        var c = Parse(connection);
        using var ds = c.CreateDataSource();
        var e = Assert.Throws<LaminException>(() => c.Open(ds).Dispose());
        Assert.DoesNotContain(Secret, e.Message);
        Assert.DoesNotContain("bug in Lamin", e.Message);
        return e;
    }

    [Theory]
    [InlineData("require")]
    [InlineData("verify-ca")]
    [InlineData("verify-full")]
    public void A_server_without_TLS_when_the_connection_demands_it_is_RegistryUnavailable_saying_what_to_do(string sslmode)
    {
        using var server = new FakeServer(s => s.WriteByte((byte)'N')); // PostgreSQL's answer to SSLRequest when ssl = off
        var e = OpenFails($"postgresql://bob:{Uri.EscapeDataString(Secret)}@127.0.0.1:{server.Port}/lab?sslmode={sslmode}&connect_timeout=10");
        Assert.Equal(PostgresErrorIds.RegistryUnavailable, e.ErrorId);
        Assert.Equal(LaminErrorCategory.ConnectionError, e.Category);
        Assert.Contains($"127.0.0.1:{server.Port}", e.Message);
        Assert.Contains("does not offer TLS", e.Message);
        Assert.Contains($"sslmode={sslmode}", e.Message);
        Assert.Contains("sslmode=prefer", e.Message);
    }

    [Fact]
    public void A_server_that_is_not_PostgreSQL_is_RegistryUnavailable()
    {
        using var server = new FakeServer(s => s.WriteByte((byte)'X')); // neither S nor N
        var e = OpenFails($"Host=127.0.0.1;Port={server.Port};Database=lab;Username=bob;Password={Secret};Timeout=10");
        Assert.Equal(PostgresErrorIds.RegistryUnavailable, e.ErrorId);
        Assert.Contains($"127.0.0.1:{server.Port}", e.Message);
        Assert.Contains("PostgreSQL server", e.Message);
    }

    [Fact]
    public void A_server_that_hangs_up_is_RegistryUnavailable()
    {
        using var server = new FakeServer(s => s.Close());
        var e = OpenFails($"Host=127.0.0.1;Port={server.Port};Database=lab;Username=bob;Password={Secret};Timeout=10");
        Assert.Equal(PostgresErrorIds.RegistryUnavailable, e.ErrorId);
    }

    [Fact]
    public void A_host_name_that_does_not_resolve_is_RegistryUnavailable_naming_it()
    {
        var e = OpenFails($"Host=no-such-host.invalid;Database=lab;Username=bob;Password={Secret};Timeout=10");
        Assert.Equal(PostgresErrorIds.RegistryUnavailable, e.ErrorId);
        Assert.Contains("no-such-host.invalid", e.Message);
    }

    [Theory]
    [InlineData("verify-full")]
    [InlineData("verify-ca")]
    public void A_server_certificate_this_machine_does_not_trust_is_RegistryAuthenticationFailed_naming_sslrootcert(string sslmode)
    {
        using var certificate = SelfSignedCertificate();
        using var server = TlsServer(certificate);
        var e = OpenFails($"postgresql://bob:{Uri.EscapeDataString(Secret)}@127.0.0.1:{server.Port}/lab?sslmode={sslmode}&connect_timeout=10");
        Assert.Equal(PostgresErrorIds.RegistryAuthenticationFailed, e.ErrorId);
        Assert.Contains($"127.0.0.1:{server.Port}", e.Message);
        Assert.Contains("sslrootcert", e.Message);
        Assert.Contains("sslmode=require", e.Message);
    }

    [Fact]
    public void A_client_certificate_file_that_does_not_exist_is_RegistryAuthenticationFailed_naming_the_options()
    {
        using var certificate = SelfSignedCertificate();
        using var server = TlsServer(certificate);
        using var tmp = new TempDir();
        var missing = Path.Combine(tmp.Path, "no-such-folder", "client.pem");
        var e = OpenFails($"Host=127.0.0.1;Port={server.Port};Database=lab;Username=bob;Password={Secret};SSL Mode=Require;" +
                          $"SSL Certificate={missing};SSL Key={missing}.key;Timeout=10");
        Assert.Equal(PostgresErrorIds.RegistryAuthenticationFailed, e.ErrorId);
        Assert.Contains("sslcert", e.Message);
    }

    [Fact]
    public void A_connection_refusal_the_server_words_its_own_way_is_RegistryUnavailable_and_a_fault_of_Lamin_is_not_mapped()
    {
        var c = Parse("postgresql://bob@db1:5544/lab");
        var e = c.MapOpenFailure(new PostgresException("unsupported frontend protocol 3.9", "FATAL", "FATAL", PostgresErrorCodes.FeatureNotSupported));
        Assert.Equal(PostgresErrorIds.RegistryUnavailable, e!.ErrorId);
        Assert.Contains("db1:5544", e.Message);
        Assert.Contains("unsupported frontend protocol", e.Message);
        Assert.Null(c.MapOpenFailure(new NullReferenceException()));
        Assert.Null(c.MapOpenFailure(new OperationCanceledException()));
    }

    [PostgresFact]
    public void Sslmode_require_against_the_test_server_without_TLS_is_RegistryUnavailable()
    {
        var server = PostgresConnection.Parse(Environment.GetEnvironmentVariable(TestPostgres.Variable)!);
        var b = new NpgsqlConnectionStringBuilder(server.Builder.ConnectionString) { SslMode = SslMode.Require, Pooling = false };
        var c = PostgresConnection.Parse(b.ConnectionString);
        using var ds = c.CreateDataSource();
        var e = Assert.Throws<LaminException>(() => c.Open(ds).Dispose());
        Assert.Equal(PostgresErrorIds.RegistryUnavailable, e.ErrorId);
        Assert.Contains("does not offer TLS", e.Message);
        Assert.Contains(c.Endpoint, e.Message);
    }

    private static string WritePassFile(TempDir tmp, string content, string name = "pgpass")
    {
        var path = tmp.Sub(name);
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }
}
