using System.Net;
using System.Net.Sockets;
using System.Text;
using Lamin.Core.Errors;
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

    private static readonly Dictionary<string, SslMode> SslModes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["disable"] = SslMode.Disable, ["allow"] = SslMode.Allow, ["prefer"] = SslMode.Prefer,
        ["require"] = SslMode.Require, ["verify-ca"] = SslMode.VerifyCA, ["verify-full"] = SslMode.VerifyFull,
    };

    private PostgresConnection(NpgsqlConnectionStringBuilder builder, PasswordSource source, string? passFile, string? passFileIgnored)
    {
        Builder = builder;
        PasswordSource = source;
        PassFile = passFile;
        PassFileIgnored = passFileIgnored;
        Redacted = Redact(builder);
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
            throw Invalid("The connection is empty. Give a URL postgresql://user@host:port/database or an Npgsql keyword string Host=…;Port=…;Database=…;Username=….");
        var text = connection.Trim();
        var builder = IsUrl(text) ? FromUrl(text) : FromKeywords(text);

        if (string.IsNullOrEmpty(builder.Host)) builder.Host = environment("PGHOST") is { Length: > 0 } h ? h : "localhost";
        if (string.IsNullOrEmpty(builder.Database))
            throw Invalid($"The connection '{Redact(builder)}' names no database. Add it: postgresql://host/<database> or Database=<database>.");
        var credentialUser = string.IsNullOrEmpty(credential?.UserName) ? null : credential!.UserName;
        if (credentialUser is not null && !string.IsNullOrEmpty(builder.Username) && builder.Username != credentialUser)
            throw Invalid($"The connection names the role '{builder.Username}' but -Credential names '{credentialUser}'; give the role in one place.");
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
        else
        {
            passFile = PassFilePath(environment, homeDirectory);
            if (passFile is not null && File.Exists(passFile))
            {
                ignored = PassFileProblem(passFile);
                var found = ignored is null ? FindInPassFile(File.ReadAllLines(passFile), builder.Host!, builder.Port, builder.Database!, builder.Username!) : null;
                if (found is not null)
                {
                    builder.Password = found;
                    source = PasswordSource.PassFile;
                }
            }
            if (source != PasswordSource.PassFile) passFile = null;
        }
        // Our order is the only one: Npgsql must not read PGPASSWORD or a passfile on its own later.
        builder.Passfile = null;
        return new PostgresConnection(builder, source, passFile, ignored);
    }

    private static bool IsUrl(string text) =>
        text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase);

    private static NpgsqlConnectionStringBuilder FromUrl(string url)
    {
        // postgresql://[user[:password]@][host][:port][/database][?name=value&…] (libpq's URI form).
        var rest = url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..];
        string? query = null;
        var q = rest.IndexOf('?');
        if (q >= 0) { query = rest[(q + 1)..]; rest = rest[..q]; }
        var slash = rest.IndexOf('/');
        var authority = slash >= 0 ? rest[..slash] : rest;
        var database = slash >= 0 ? rest[(slash + 1)..] : "";
        var b = new NpgsqlConnectionStringBuilder();
        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = authority[..at];
            authority = authority[(at + 1)..];
            var colon = userInfo.IndexOf(':');
            b.Username = Decode(colon >= 0 ? userInfo[..colon] : userInfo, "user name");
            if (colon >= 0) b.Password = Decode(userInfo[(colon + 1)..], "password");
        }
        string host = authority;
        string? port = null;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']');
            if (close < 0) throw Invalid($"The host in the URL '{RedactUrlText(url)}' opens '[' but never closes it.");
            host = authority[1..close];
            var after = authority[(close + 1)..];
            if (after.StartsWith(':')) port = after[1..];
            else if (after.Length > 0) throw Invalid($"The URL '{RedactUrlText(url)}' has '{after}' after its host.");
        }
        else if (authority.LastIndexOf(':') is var c and >= 0)
        {
            host = authority[..c];
            port = authority[(c + 1)..];
        }
        if (host.Length > 0) b.Host = Decode(host, "host");
        if (port is not null)
        {
            if (!int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
                throw Invalid($"The port '{port}' in the URL '{RedactUrlText(url)}' is not a number from 1 to 65535.");
            b.Port = p;
        }
        if (database.Length > 0) b.Database = Decode(database, "database");
        if (query is not null)
        {
            foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=');
                var name = Decode(eq >= 0 ? pair[..eq] : pair, "parameter");
                var value = eq >= 0 ? Decode(pair[(eq + 1)..], "parameter") : "";
                switch (name.ToLowerInvariant())
                {
                    case "sslmode":
                        b.SslMode = SslModes.TryGetValue(value, out var mode) ? mode
                            : throw Invalid($"sslmode '{value}' is not one of {string.Join(", ", SslModes.Keys)}.");
                        break;
                    case "sslrootcert": b.RootCertificate = value; break;
                    case "sslcert": b.SslCertificate = value; break;
                    case "sslkey": b.SslKey = value; break;
                    case "application_name": b.ApplicationName = value; break;
                    case "connect_timeout":
                        b.Timeout = int.TryParse(value, out var t) && t >= 0 ? t : throw Invalid($"connect_timeout '{value}' is not a number of seconds.");
                        break;
                    case "host": b.Host = value; break;     // libpq: a socket folder or host given as a parameter
                    case "port":
                        b.Port = int.TryParse(value, out var qp) && qp is >= 1 and <= 65535 ? qp : throw Invalid($"The port '{value}' is not a number from 1 to 65535.");
                        break;
                    case "user": b.Username = value; break;
                    case "dbname": b.Database = value; break;
                    case "password":
                        b.Password = value;
                        break;
                    default:
                        // Any other Npgsql keyword (Command Timeout, Keepalive, …): what Redact writes back for a keyword string's options.
                        try { b[name] = value; }
                        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or KeyNotFoundException or OverflowException)
                        {
                            throw Invalid($"The URL parameter '{name}' is not supported ({ScrubPassword(e.Message)}). Supported: sslmode, sslrootcert, sslcert, sslkey, application_name, connect_timeout, host, port, user, dbname, and Npgsql's keywords; or give an Npgsql keyword string.");
                        }
                        break;
                }
            }
        }
        return b;
    }

    private static string Decode(string s, string what)
    {
        try { return Uri.UnescapeDataString(s); }
        catch (UriFormatException) { throw Invalid($"The {what} in the connection URL is not validly percent-encoded."); }
    }

    private static NpgsqlConnectionStringBuilder FromKeywords(string text)
    {
        try { return new NpgsqlConnectionStringBuilder(text); }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or KeyNotFoundException)
        {
            // Npgsql names the keyword, never a value; still, nothing of the text itself is repeated here.
            throw Invalid($"The connection is neither a URL postgresql://user@host:port/database nor a valid Npgsql keyword string ({ScrubPassword(e.Message)}).");
        }
    }

    /// <summary>Keywords never written back: the password and what leads to one (our own order finds it each time).</summary>
    private static readonly HashSet<string> SecretKeywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "Password", "PWD", "SSL Password", "SslPassword", "Passfile",
    };

    /// <summary>Keywords the URL itself carries (user, host, port, database, sslmode).</summary>
    private static readonly HashSet<string> UrlKeywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Server", "Port", "Database", "DB", "Username", "User Name", "User Id", "UserId", "User", "SSL Mode", "SslMode",
    };

    /// <summary>libpq's URL parameter names for the Npgsql keywords that have one.</summary>
    private static readonly Dictionary<string, string> LibpqNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Timeout"] = "connect_timeout", ["Application Name"] = "application_name", ["ApplicationName"] = "application_name",
        ["Root Certificate"] = "sslrootcert", ["RootCertificate"] = "sslrootcert", ["SSL Certificate"] = "sslcert", ["SslCertificate"] = "sslcert",
        ["SSL Key"] = "sslkey", ["SslKey"] = "sslkey",
    };

    /// <summary>
    /// The connection as a URL without the password: postgresql://user@host:port/database[?sslmode=…&amp;…]. Every
    /// other option the connection sets (timeouts, application name, certificates, Npgsql keywords) is kept as
    /// a URL parameter, sorted, so the stored connection connects the same way; never a password.
    /// </summary>
    public static string Redact(NpgsqlConnectionStringBuilder b)
    {
        var sb = new StringBuilder("postgresql://");
        if (!string.IsNullOrEmpty(b.Username)) sb.Append(Uri.EscapeDataString(b.Username)).Append('@');
        var host = b.Host ?? "";
        sb.Append(host.Contains(':') && !host.Contains(',') ? $"[{host}]" : Uri.EscapeDataString(host).Replace("%2C", ","));
        sb.Append(':').Append(b.Port);
        sb.Append('/').Append(Uri.EscapeDataString(b.Database ?? ""));
        var options = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (b.SslMode != SslMode.Prefer) options["sslmode"] = SslModes.First(kv => kv.Value == b.SslMode).Key;
        foreach (string key in b.Keys)
        {
            if (SecretKeywords.Contains(key) || UrlKeywords.Contains(key) || !b.TryGetValue(key, out var value) || value is null) continue;
            var text = value is IFormattable f ? f.ToString(null, System.Globalization.CultureInfo.InvariantCulture) : value.ToString() ?? "";
            options[LibpqNames.GetValueOrDefault(key, key)] = text;
        }
        var separator = '?';
        foreach (var (name, value) in options)
        {
            sb.Append(separator).Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }
        return sb.ToString();
    }

    /// <summary>A URL as typed, with any password in it replaced (for messages about a URL that did not parse).</summary>
    private static string RedactUrlText(string url)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal) + 3;
        var at = url.IndexOf('@', scheme);
        var slash = url.IndexOf('/', scheme);
        if (at >= 0 && (slash < 0 || at < slash))
        {
            var colon = url.IndexOf(':', scheme);
            if (colon >= 0 && colon < at) url = url[..(colon + 1)] + "***" + url[at..];
        }
        var pw = url.IndexOf("password=", StringComparison.OrdinalIgnoreCase);
        if (pw >= 0)
        {
            var end = url.IndexOf('&', pw);
            url = url[..(pw + 9)] + "***" + (end >= 0 ? url[end..] : "");
        }
        return url;
    }

    private static string ScrubPassword(string message) =>
        System.Text.RegularExpressions.Regex.Replace(message, @"(?i)(password|pwd)\s*=\s*[^;'""\s]*", "$1=***");

    // ------------------------------------------------------------------------------- passfile

    /// <summary>PGPASSFILE, else libpq's default for the OS.</summary>
    public static string? PassFilePath(Func<string, string?> environment, string? homeDirectory = null)
    {
        if (environment("PGPASSFILE") is { Length: > 0 } explicitPath) return explicitPath;
        if (OperatingSystem.IsWindows())
        {
            var appData = environment("APPDATA") ?? System.Environment.GetFolderPath(System.Environment.SpecialFolder.ApplicationData);
            return string.IsNullOrEmpty(appData) ? null : Path.Combine(appData, "postgresql", "pgpass.conf");
        }
        var home = homeDirectory ?? environment("HOME") ?? System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".pgpass");
    }

    /// <summary>libpq ignores a passfile that is not a plain file, or that group or others may read (Unix).</summary>
    private static string? PassFileProblem(string path)
    {
        if (OperatingSystem.IsWindows()) return null;
        var mode = File.GetUnixFileMode(path);
        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        return (mode & others) != 0
            ? $"the passfile '{path}' may be read by group or others; like libpq, Lamin ignores it until it is restricted (chmod 600)"
            : null;
    }

    /// <summary>
    /// The password of the first line <c>host:port:database:username:password</c> that matches (libpq's
    /// rules: '*' matches anything, '\' escapes ':' and '\', '#' starts a comment line).
    /// </summary>
    public static string? FindInPassFile(IEnumerable<string> lines, string host, int port, string database, string username)
    {
        var portText = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var fields = SplitPassFileLine(line);
            if (fields.Count < 5) continue;
            if (Matches(fields[0], host) && Matches(fields[1], portText) && Matches(fields[2], database) && Matches(fields[3], username))
                return fields[4];
        }
        return null;

        // libpq: "localhost" also matches a connection over the default Unix socket.
        static bool Matches(string field, string value) => field == "*" || field == value;
    }

    private static List<string> SplitPassFileLine(string line)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        for (int i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\\' && i + 1 < line.Length) { current.Append(line[++i]); continue; }
            // The password is the rest of the line (it may hold unescaped ':').
            if (c == ':' && fields.Count < 4) { fields.Add(current.ToString()); current.Clear(); continue; }
            current.Append(c);
        }
        fields.Add(current.ToString());
        return fields;
    }

    // ------------------------------------------------------------------------------- opening and errors

    /// <summary>One data source per instance: it is the connection pool.</summary>
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

    /// <summary>
    /// A failure while connecting that <see cref="MapError"/> does not name: nothing of a command has run yet, so
    /// it is the connection's. A certificate or key file of the connection that can't be read, or a login method
    /// this client does not speak → RegistryAuthenticationFailed; anything else Npgsql, the network or TLS
    /// reports (a server that answers but not as PostgreSQL does, a connection option the server refuses)
    /// → RegistryUnavailable naming the cause. Null for a fault of Lamin itself (reported as it is).
    /// </summary>
    public LaminException? MapOpenFailure(Exception e)
    {
        if (e is LaminException or OperationCanceledException) return null;
        var where = $"the PostgreSQL server at {Endpoint}";
        switch (e)
        {
            case FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException
                or System.Security.Cryptography.CryptographicException:
                return new LaminException(PostgresErrorIds.RegistryAuthenticationFailed,
                    $"A certificate or key file of the connection to {where} can't be used ({e.Message}). " +
                    "Check the files sslcert, sslkey and sslrootcert name (they must exist and be readable by you), then try again; nothing was changed.", Redacted, e);
            case NotSupportedException:
                return new LaminException(PostgresErrorIds.RegistryAuthenticationFailed,
                    $"{Capital(where)} asks role '{Username}' to log in in a way this client does not support ({e.Message}). " +
                    "Ask the database administrator for password (scram-sha-256) or certificate login for the role; nothing was changed.", Redacted, e);
            case PostgresException pg:
                return new LaminException(PostgresErrorIds.RegistryUnavailable,
                    $"{Capital(where)} refused the connection of role '{Username}' to database '{Database}' ({pg.SqlState}: {pg.MessageText}). " +
                    "Check the connection's options with the database administrator, then try again; nothing was changed.", Redacted, e);
            case NpgsqlException when e.InnerException is null:
                return new LaminException(PostgresErrorIds.RegistryUnavailable,
                    $"{Capital(where)} did not answer as a PostgreSQL server does ({e.Message}). " +
                    "Check that host and port name a PostgreSQL server and that the connection's options suit it, then try again; nothing was changed.", Redacted, e);
            case NpgsqlException or IOException or System.Security.Authentication.AuthenticationException
                or InvalidOperationException or ArgumentException:
                return Unavailable(where, Innermost(e).Message, e);
            default:
                return null;
        }
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    /// <summary>The sslmode of this connection as libpq names it (require, verify-ca, verify-full, …).</summary>
    private string SslModeName => SslModes.First(kv => kv.Value == Builder.SslMode).Key;

    private bool DemandsTls => Builder.SslMode is SslMode.Require or SslMode.VerifyCA or SslMode.VerifyFull;

    /// <summary>
    /// Npgsql's failures as Lamin's errors: the server unreachable or gone, or not offering the TLS the
    /// connection demands → RegistryUnavailable (naming host and port and what to do), login refused or a
    /// server certificate not trusted → RegistryAuthenticationFailed (naming the role, never the password),
    /// no such database → RegistryNotFound, missing privilege → AccessDenied. Null for anything else
    /// (the caller's own refusals, or a fault to report as it is).
    /// </summary>
    public LaminException? MapError(Exception e)
    {
        if (e is LaminException) return null;
        var where = $"the PostgreSQL server at {Endpoint}";
        if (e is PostgresException pg)
        {
            switch (pg.SqlState)
            {
                case PostgresErrorCodes.InvalidPassword:
                case PostgresErrorCodes.InvalidAuthorizationSpecification:
                    return new LaminException(PostgresErrorIds.RegistryAuthenticationFailed,
                        $"{Capital(where)} refused the login of role '{Username}' to database '{Database}' ({pg.MessageText}). " +
                        "Give the right password with -Credential, PGPASSWORD or the passfile, or ask the database administrator to admit the role.", Redacted, e);
                case PostgresErrorCodes.InvalidCatalogName:
                    return new LaminException(ErrorIds.RegistryNotFound,
                        $"The database '{Database}' does not exist on {where}. Create it first (createdb {Database}), or check the name.", Redacted, e);
                case PostgresErrorCodes.InsufficientPrivilege:
                    return new LaminException(ErrorIds.AccessDenied,
                        $"The role '{Username}' lacks a privilege it needs in database '{Database}' on {where} ({pg.MessageText}).", Redacted, e);
                case PostgresErrorCodes.TooManyConnections:
                case PostgresErrorCodes.CannotConnectNow:
                case PostgresErrorCodes.AdminShutdown:
                case PostgresErrorCodes.CrashShutdown:
                    return Unavailable(where, pg.MessageText, e);
            }
            if (pg.SqlState.StartsWith("08", StringComparison.Ordinal)) return Unavailable(where, pg.MessageText, e);
            return null;
        }
        if (e is NpgsqlException npg)
        {
            if (npg.Message.Contains("No password has been provided", StringComparison.OrdinalIgnoreCase))
                return new LaminException(PostgresErrorIds.RegistryAuthenticationFailed,
                    $"{Capital(where)} needs a password for role '{Username}' and none was found. Give it with -Credential, PGPASSWORD or the passfile (~/.pgpass).", Redacted, e);
            // Npgsql: "SSL connection requested. No SSL enabled connection from this host is configured."
            if (DemandsTls && npg.InnerException is null && npg.Message.Contains("No SSL", StringComparison.OrdinalIgnoreCase))
                return new LaminException(PostgresErrorIds.RegistryUnavailable,
                    $"{Capital(where)} does not offer TLS, and the connection demands it (sslmode={SslModeName}). " +
                    "Connect to a server with TLS enabled (ssl = on in its postgresql.conf), or, only if the network between here and the server is trusted, " +
                    "use sslmode=prefer (TLS when offered) or sslmode=disable; nothing was changed.", Redacted, e);
            for (Exception? inner = npg.InnerException; inner is not null; inner = inner.InnerException)
                if (inner is System.Security.Authentication.AuthenticationException tls)
                    return new LaminException(PostgresErrorIds.RegistryAuthenticationFailed,
                        $"The TLS handshake with {where} failed (sslmode={SslModeName}): {tls.Message} " +
                        "For verify-ca and verify-full, give the certificate of the authority that signed the server's certificate with sslrootcert=<file> " +
                        "(verify-full also needs the host name to match the certificate), or use sslmode=require to encrypt without verifying the server; nothing was changed.", Redacted, e);
            for (Exception? inner = npg; inner is not null; inner = inner.InnerException)
                if (inner is SocketException or TimeoutException or IOException)
                    return Unavailable(where, inner.Message, e);
            if (npg.IsTransient) return Unavailable(where, npg.Message, e);
        }
        if (e is TimeoutException or SocketException) return Unavailable(where, e.Message, e);
        return null;
    }

    private LaminException Unavailable(string where, string why, Exception e) =>
        new(PostgresErrorIds.RegistryUnavailable,
            $"{Capital(where)} can't be reached ({why}). Check that it runs and accepts TCP connections from this machine, then try again; nothing was changed.", Redacted, e);

    private static string Capital(string s) => char.ToUpperInvariant(s[0]) + s[1..];

    private static LaminException Invalid(string message) => new(ErrorIds.InvalidArgument, message);
}
