using System.Text;
using Npgsql;

namespace Lamin.Core.Registry.Postgres;

/// <summary>
/// libpq's password file (SPEC §7, the last source of a password): PGPASSFILE, else ~/.pgpass
/// (%APPDATA%\postgresql\pgpass.conf on Windows), lines <c>host:port:database:username:password</c>.
/// </summary>
internal static class PostgresPassFile
{
    /// <summary>
    /// The password the passfile holds for this connection, and the passfile it came from; null when none does.
    /// <paramref name="ignored"/>: why a passfile that exists was not read (libpq ignores one that others may read).
    /// </summary>
    internal static (string Password, string Path)? Find(NpgsqlConnectionStringBuilder builder, Func<string, string?> environment, string? homeDirectory, out string? ignored)
    {
        ignored = null;
        var passFile = PassFilePath(environment, homeDirectory);
        if (passFile is null || !File.Exists(passFile)) return null;
        ignored = PassFileProblem(passFile);
        var found = ignored is null ? FindInPassFile(File.ReadAllLines(passFile), builder.Host!, builder.Port, builder.Database!, builder.Username!) : null;
        return found is null ? null : (found, passFile);
    }

    /// <summary>PGPASSFILE, else libpq's default for the OS.</summary>
    public static string? PassFilePath(Func<string, string?> environment, string? homeDirectory = null)
    {
        if (environment("PGPASSFILE") is { Length: > 0 } explicitPath) return explicitPath;
        if (Roots.LocalPlatform.Current.IsWindows)
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
        if (Roots.LocalPlatform.Current.IsWindows) return null;
#pragma warning disable CA1416 // guarded by the platform seam above (the analyzer only knows OperatingSystem.Is*)
        var mode = File.GetUnixFileMode(path);
#pragma warning restore CA1416
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
}
