using System.Net;
using Npgsql;

namespace Lamin.Core.Registry.Postgres;

/// <summary>The error ids of team instances (SPEC §7); they live in the catalogue <see cref="ErrorIds"/> with their categories.</summary>
public static class PostgresErrorIds
{
    public const string RegistryUnavailable = ErrorIds.RegistryUnavailable;
    public const string RegistryAuthenticationFailed = ErrorIds.RegistryAuthenticationFailed;
    public const string RegistrySchemaTooNew = ErrorIds.RegistrySchemaTooNew;
    public const string InstanceMoved = ErrorIds.InstanceMoved;
}

/// <summary>Where the password of a connection came from (SPEC §7, in this order).</summary>
public enum PasswordSource
{
    /// <summary>No password found: the server may not need one (trust, peer, certificates).</summary>
    None,
    /// <summary>-Credential: kept in memory for the process, never on disk.</summary>
    Credential,
    /// <summary>A password written into the URL or keyword string: used for that call only, with a warning.</summary>
    Connection,
    /// <summary>The PGPASSWORD environment variable.</summary>
    Environment,
    /// <summary>The passfile: PGPASSFILE, else ~/.pgpass (%APPDATA%\postgresql\pgpass.conf on Windows).</summary>
    PassFile,
}

/// <summary>
/// A PostgreSQL connection as the user gave it (a URL <c>postgresql://[user@]host[:port]/database[?sslmode=…]</c>
/// or an Npgsql keyword string), resolved to an <see cref="NpgsqlConnectionStringBuilder"/> with its
/// password from the first source that has one. The password lives only in <see cref="Builder"/>;
/// <see cref="Redacted"/> (and <see cref="ToString"/>) never show it, and neither does any message here.
/// </summary>
public sealed class PostgresConnection
{
    public const int DefaultPort = 5432;

    private PostgresConnection(NpgsqlConnectionStringBuilder builder, PasswordSource source, string? passFile, string? passFileIgnored)
    {
        Builder = builder;
        PasswordSource = source;
        PassFile = passFile;
        PassFileIgnored = passFileIgnored;
        Redacted = Redact(builder);
        Errors = new PostgresErrors(this);
    }

    /// <summary>The resolved connection, password included: hand it to Npgsql only, never show or store it.</summary>
    public NpgsqlConnectionStringBuilder Builder { get; }
    public PasswordSource PasswordSource { get; }
    /// <summary>True when the password was written into the connection: the caller warns that it is used for this call only.</summary>
    public bool PasswordInConnection => PasswordSource == PasswordSource.Connection;
    /// <summary>The passfile that supplied the password (PasswordSource.PassFile), for verbose output.</summary>
    public string? PassFile { get; }
    /// <summary>Why a passfile that exists was not read (libpq ignores one that others may read); null otherwise.</summary>
    public string? PassFileIgnored { get; }
    public string Host => Builder.Host!;
    public int Port => Builder.Port;
    public string Database => Builder.Database!;
    public string Username => Builder.Username!;
    /// <summary>host:port, as messages name the server.</summary>
    public string Endpoint => Host.Contains(':') && !Host.StartsWith('[') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
    /// <summary>The connection as a URL without any password: what LaminInstance.Database shows and settings keep.</summary>
    public string Redacted { get; }

    public override string ToString() => Redacted;

    /// <summary>
    /// Parses <paramref name="connection"/> and finds its password. A user name in <paramref name="credential"/>
    /// is used when the connection names none; one that differs from the connection's is refused.
    /// <paramref name="environment"/> and <paramref name="homeDirectory"/> replace the process's (tests).
    /// </summary>
    public static PostgresConnection Parse(string connection, NetworkCredential? credential = null,
        Func<string, string?>? environment = null, string? homeDirectory = null)
    {
        environment ??= System.Environment.GetEnvironmentVariable;
        if (string.IsNullOrWhiteSpace(connection))
            throw PostgresConnectionText.Invalid("The connection is empty. Give a URL postgresql://user@host:port/database or an Npgsql keyword string Host=…;Port=…;Database=…;Username=….");
        var text = connection.Trim();
        var builder = PostgresConnectionText.Read(text);

        if (string.IsNullOrEmpty(builder.Host)) builder.Host = environment("PGHOST") is { Length: > 0 } h ? h : "localhost";
        if (string.IsNullOrEmpty(builder.Database))
            throw PostgresConnectionText.Invalid($"The connection '{Redact(builder)}' names no database. Add it: postgresql://host/<database> or Database=<database>.");
        var credentialUser = string.IsNullOrEmpty(credential?.UserName) ? null : credential!.UserName;
        if (credentialUser is not null && !string.IsNullOrEmpty(builder.Username) && builder.Username != credentialUser)
            throw PostgresConnectionText.Invalid($"The connection names the role '{builder.Username}' but -Credential names '{credentialUser}'; give the role in one place.");
        if (string.IsNullOrEmpty(builder.Username))
            builder.Username = credentialUser ?? (environment("PGUSER") is { Length: > 0 } u ? u : System.Environment.UserName);

        // The password: -Credential, then the connection, then PGPASSWORD, then the passfile.
        var source = PasswordSource.None;
        string? passFile = null, ignored = null;
        if (!string.IsNullOrEmpty(credential?.Password))
        {
            builder.Password = credential!.Password;
            source = PasswordSource.Credential;
        }
        else if (!string.IsNullOrEmpty(builder.Password)) source = PasswordSource.Connection;
        else if (environment("PGPASSWORD") is { Length: > 0 } envPassword)
        {
            builder.Password = envPassword;
            source = PasswordSource.Environment;
        }
        else if (PostgresPassFile.Find(builder, environment, homeDirectory, out ignored) is { } found)
        {
            builder.Password = found.Password;
            passFile = found.Path;
            source = PasswordSource.PassFile;
        }
        // Our order is the only one: Npgsql must not read PGPASSWORD or a passfile on its own later.
        builder.Passfile = null;
        return new PostgresConnection(builder, source, passFile, ignored);
    }

    /// <inheritdoc cref="PostgresConnectionText.Redact"/>
    public static string Redact(NpgsqlConnectionStringBuilder b) => PostgresConnectionText.Redact(b);

    /// <inheritdoc cref="PostgresPassFile.PassFilePath"/>
    public static string? PassFilePath(Func<string, string?> environment, string? homeDirectory = null) => PostgresPassFile.PassFilePath(environment, homeDirectory);

    /// <inheritdoc cref="PostgresPassFile.FindInPassFile"/>
    public static string? FindInPassFile(IEnumerable<string> lines, string host, int port, string database, string username) =>
        PostgresPassFile.FindInPassFile(lines, host, port, database, username);

    // ------------------------------------------------------------------------------- opening and errors

    /// <summary>
    /// The pool of this connection. Every session is one transaction that leaves nothing behind on its
    /// connection (SET LOCAL and transaction-level advisory locks only; the schema's session-level lock is
    /// released before the connection goes back, PostgresSchema.Ensure), so a returned connection needs no
    /// DISCARD ALL, and the statements every command runs (the small tables and the login role, the lookups)
    /// stay prepared on it: parsed and planned once per connection, not once per command. A connection that
    /// gives its own Max Auto Prepare keeps it.
    /// </summary>
    public NpgsqlDataSource CreateDataSource()
    {
        var builder = new NpgsqlDataSourceBuilder(Builder.ConnectionString);
        var options = builder.ConnectionStringBuilder;
        options.NoResetOnClose = true;
        if (options.MaxAutoPrepare == 0)
        {
            options.MaxAutoPrepare = 64;
            options.AutoPrepareMinUsages = 2;
        }
        return builder.Build();
    }

    /// <summary>
    /// Opens a connection from <paramref name="dataSource"/>; every failure to connect is a <see cref="LaminException"/>
    /// (<see cref="MapError"/>, else <see cref="MapOpenFailure"/>): never an UnexpectedError.
    /// </summary>
    public NpgsqlConnection Open(NpgsqlDataSource dataSource)
    {
        try { return dataSource.OpenConnection(); }
        catch (Exception e) when ((MapError(e) ?? MapOpenFailure(e)) is { } mapped) { throw mapped; }
    }

    /// <summary>This connection's failures as Lamin errors: the one place that maps them (<see cref="PostgresErrors"/>).</summary>
    internal PostgresErrors Errors { get; }

    /// <inheritdoc cref="PostgresErrors.MapOpenFailure"/>
    public LaminException? MapOpenFailure(Exception e) => Errors.MapOpenFailure(e);

    /// <inheritdoc cref="PostgresErrors.MapError"/>
    public LaminException? MapError(Exception e) => Errors.MapError(e);
}
