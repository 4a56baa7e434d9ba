using System.Collections.Concurrent;
using System.Net;

namespace Lamin.Core.Registry.Postgres;

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
