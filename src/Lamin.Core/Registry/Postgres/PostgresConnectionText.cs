using System.Text;
using Npgsql;

namespace Lamin.Core.Registry.Postgres;

/// <summary>
/// The text of a PostgreSQL connection as the user types it (a URL <c>postgresql://[user@]host[:port]/database[?sslmode=…]</c>
/// or an Npgsql keyword string) read into an <see cref="NpgsqlConnectionStringBuilder"/>, and written back as a URL
/// without its password (<see cref="Redact"/>). No message here repeats a password.
/// </summary>
internal static class PostgresConnectionText
{
    internal static readonly Dictionary<string, SslMode> SslModes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["disable"] = SslMode.Disable, ["allow"] = SslMode.Allow, ["prefer"] = SslMode.Prefer,
        ["require"] = SslMode.Require, ["verify-ca"] = SslMode.VerifyCA, ["verify-full"] = SslMode.VerifyFull,
    };

    /// <summary>The sslmode as libpq names it (require, verify-ca, verify-full, …).</summary>
    internal static string SslModeName(SslMode mode) => SslModes.First(kv => kv.Value == mode).Key;

    /// <summary>The connection read from <paramref name="text"/> (trimmed, not empty): a URL or a keyword string.</summary>
    internal static NpgsqlConnectionStringBuilder Read(string text) => IsUrl(text) ? FromUrl(text) : FromKeywords(text);

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
    internal static string Redact(NpgsqlConnectionStringBuilder b)
    {
        var sb = new StringBuilder("postgresql://");
        if (!string.IsNullOrEmpty(b.Username)) sb.Append(Uri.EscapeDataString(b.Username)).Append('@');
        var host = b.Host ?? "";
        sb.Append(host.Contains(':') && !host.Contains(',') ? $"[{host}]" : Uri.EscapeDataString(host).Replace("%2C", ","));
        sb.Append(':').Append(b.Port);
        sb.Append('/').Append(Uri.EscapeDataString(b.Database ?? ""));
        var options = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (b.SslMode != SslMode.Prefer) options["sslmode"] = SslModeName(b.SslMode);
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

    internal static LaminException Invalid(string message) => new(ErrorIds.InvalidArgument, message);
}
