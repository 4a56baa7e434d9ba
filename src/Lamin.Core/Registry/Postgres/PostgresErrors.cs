using System.Net.Sockets;
using Npgsql;

namespace Lamin.Core.Registry.Postgres;

/// <summary>
/// Every failure Npgsql or the server reports for one connection, as the Lamin error that names what to do (SPEC §7,
/// issue 25: a PostgresException is never an UnexpectedError): connecting and logging in (<see cref="MapError"/>,
/// <see cref="MapOpenFailure"/>), and what a session's statements meet (<see cref="Map"/>, every other SQLSTATE in
/// <see cref="MapState"/>). Messages name host, port, role and database, never the password.
/// </summary>
internal sealed class PostgresErrors(PostgresConnection connection)
{
    /// <summary>The connection without its password: where messages say the registry is.</summary>
    private string Redacted => connection.Redacted;

    /// <summary>How messages name the server.</summary>
    private string Where => $"the PostgreSQL server at {connection.Endpoint}";

    // ------------------------------------------------------------------------------- connecting

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
        switch (e)
        {
            case FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException
                or System.Security.Cryptography.CryptographicException:
                return new LaminException(PostgresErrorIds.RegistryAuthenticationFailed,
                    $"A certificate or key file of the connection to {Where} can't be used ({e.Message}). " +
                    "Check the files sslcert, sslkey and sslrootcert name (they must exist and be readable by you), then try again; nothing was changed.", Redacted, e);
            case NotSupportedException:
                return new LaminException(PostgresErrorIds.RegistryAuthenticationFailed,
                    $"{Capital(Where)} asks role '{connection.Username}' to log in in a way this client does not support ({e.Message}). " +
                    "Ask the database administrator for password (scram-sha-256) or certificate login for the role; nothing was changed.", Redacted, e);
            case PostgresException pg:
                return new LaminException(PostgresErrorIds.RegistryUnavailable,
                    $"{Capital(Where)} refused the connection of role '{connection.Username}' to database '{connection.Database}' ({pg.SqlState}: {pg.MessageText}). " +
                    "Check the connection's options with the database administrator, then try again; nothing was changed.", Redacted, e);
            case NpgsqlException when e.InnerException is null:
                return new LaminException(PostgresErrorIds.RegistryUnavailable,
                    $"{Capital(Where)} did not answer as a PostgreSQL server does ({e.Message}). " +
                    "Check that host and port name a PostgreSQL server and that the connection's options suit it, then try again; nothing was changed.", Redacted, e);
            case NpgsqlException or IOException or System.Security.Authentication.AuthenticationException
                or InvalidOperationException or ArgumentException:
                return Unavailable(Innermost(e).Message, e);
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
    private string SslModeName => PostgresConnectionText.SslModeName(connection.Builder.SslMode);

    private bool DemandsTls => connection.Builder.SslMode is SslMode.Require or SslMode.VerifyCA or SslMode.VerifyFull;

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
        if (e is PostgresException pg)
        {
            switch (pg.SqlState)
            {
                case PostgresErrorCodes.InvalidPassword:
                case PostgresErrorCodes.InvalidAuthorizationSpecification:
                    return new LaminException(PostgresErrorIds.RegistryAuthenticationFailed,
                        $"{Capital(Where)} refused the login of role '{connection.Username}' to database '{connection.Database}' ({pg.MessageText}). " +
                        "Give the right password with -Credential, PGPASSWORD or the passfile, or ask the database administrator to admit the role.", Redacted, e);
                case PostgresErrorCodes.InvalidCatalogName:
                    return new LaminException(ErrorIds.RegistryNotFound,
                        $"The database '{connection.Database}' does not exist on {Where}. Create it first (createdb {connection.Database}), or check the name.", Redacted, e);
                case PostgresErrorCodes.InsufficientPrivilege:
                    return new LaminException(ErrorIds.AccessDenied,
                        $"The role '{connection.Username}' lacks a privilege it needs in database '{connection.Database}' on {Where} ({pg.MessageText}).", Redacted, e);
                case PostgresErrorCodes.TooManyConnections:
                case PostgresErrorCodes.CannotConnectNow:
                case PostgresErrorCodes.AdminShutdown:
                case PostgresErrorCodes.CrashShutdown:
                    return Unavailable(pg.MessageText, e);
            }
            if (pg.SqlState.StartsWith("08", StringComparison.Ordinal)) return Unavailable(pg.MessageText, e);
            return null;
        }
        if (e is NpgsqlException npg)
        {
            if (npg.Message.Contains("No password has been provided", StringComparison.OrdinalIgnoreCase))
                return new LaminException(PostgresErrorIds.RegistryAuthenticationFailed,
                    $"{Capital(Where)} needs a password for role '{connection.Username}' and none was found. Give it with -Credential, PGPASSWORD or the passfile (~/.pgpass).", Redacted, e);
            // Npgsql: "SSL connection requested. No SSL enabled connection from this host is configured."
            if (DemandsTls && npg.InnerException is null && npg.Message.Contains("No SSL", StringComparison.OrdinalIgnoreCase))
                return new LaminException(PostgresErrorIds.RegistryUnavailable,
                    $"{Capital(Where)} does not offer TLS, and the connection demands it (sslmode={SslModeName}). " +
                    "Connect to a server with TLS enabled (ssl = on in its postgresql.conf), or, only if the network between here and the server is trusted, " +
                    "use sslmode=prefer (TLS when offered) or sslmode=disable; nothing was changed.", Redacted, e);
            for (Exception? inner = npg.InnerException; inner is not null; inner = inner.InnerException)
                if (inner is System.Security.Authentication.AuthenticationException tls)
                    return new LaminException(PostgresErrorIds.RegistryAuthenticationFailed,
                        $"The TLS handshake with {Where} failed (sslmode={SslModeName}): {tls.Message} " +
                        "For verify-ca and verify-full, give the certificate of the authority that signed the server's certificate with sslrootcert=<file> " +
                        "(verify-full also needs the host name to match the certificate), or use sslmode=require to encrypt without verifying the server; nothing was changed.", Redacted, e);
            for (Exception? inner = npg; inner is not null; inner = inner.InnerException)
                if (inner is SocketException or TimeoutException or IOException)
                    return Unavailable(inner.Message, e);
            if (npg.IsTransient) return Unavailable(npg.Message, e);
        }
        if (e is TimeoutException or SocketException) return Unavailable(e.Message, e);
        return null;
    }

    private LaminException Unavailable(string why, Exception e) =>
        new(PostgresErrorIds.RegistryUnavailable,
            $"{Capital(Where)} can't be reached ({why}). Check that it runs and accepts TCP connections from this machine, then try again; nothing was changed.", Redacted, e);

    private static string Capital(string s) => char.ToUpperInvariant(s[0]) + s[1..];

    // ------------------------------------------------------------------------------- in a session

    /// <summary>
    /// Npgsql's failures as Lamin errors; null for the caller's own refusals and anything else (reported as it is).
    /// <paramref name="identity"/>: who the session was, when it was asked (hidden conflicts are told apart from races by it).
    /// </summary>
    public LaminException? Map(Exception e, RegistryIdentity? identity = null)
    {
        if (e is LaminException) return null;
        if (e is PostgresException { SqlState: PostgresErrorCodes.InsufficientPrivilege } denied) return Denied(denied, identity);
        if (e is PostgresException { SqlState: PostgresErrorCodes.UndefinedObject } noRole && noRole.MessageText.StartsWith("there is no login role", StringComparison.Ordinal))
            return new LaminException(ErrorIds.InvalidArgument,
                $"The database {Redacted} refused the grant: {noRole.MessageText}. {noRole.Hint} Nothing was changed.", null, e);
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
                "space_name_key" => new LaminException(ErrorIds.SpaceExists, $"A space with that name already exists in {Redacted}; use Get-LaminSpace.", null, e),
                // The module looked first and saw no such record: another writer registered it in between (a race it lost).
                _ => new LaminException(ErrorIds.RegistryBusy,
                    $"The registry {Redacted} refused a write that breaks its rule {unique.ConstraintName} ({unique.MessageText}); nothing of this command was written. " +
                    "Another writer changed the same record at the same moment; run the command again.", null, e),
            };
        }
        if (e is PostgresException { SqlState: PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName })
        {
            PostgresSchemaCheck.Forget(connection); // the next session checks the schema again
            return NotFound(e);
        }
        return MapError(e) ?? (e is PostgresException pg ? MapState(pg) : null);
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
    public LaminException MapState(PostgresException pg)
    {
        var state = pg.SqlState;
        var said = $"{state}: {pg.MessageText}" + (pg.ColumnName is { } col ? $", column {pg.TableName}.{col}" : "");
        const string nothing = " Nothing of this command was written.";
        if (state == PostgresErrorCodes.ForeignKeyViolation)
            return new LaminException(ErrorIds.RecordNotFound,
                $"The registry {Redacted} refused the write: a record it refers to is no longer there ({said}); another writer may have removed it." + nothing +
                " Look the records up again and run the command again.", null, pg);
        if (state == PostgresErrorCodes.DiskFull) // issue 28: the server's disk, or the registry's tablespace, is full
            return new LaminException(ErrorIds.RegistryUnavailable,
                $"The server {Redacted} has no space left for the registry ({said})." + nothing +
                " Ask its administrator to free space (or grow the tablespace), then run the command again.", Redacted, pg);
        if (state == PostgresErrorCodes.QueryCanceled)
            return new LaminException(ErrorIds.RegistryBusy,
                $"The server {Redacted} cancelled the statement ({said}: a statement timeout, or an administrator)." + nothing + " Run the command again.", null, pg);
        return state[..2] switch
        {
            "22" or "23" or "54" => new LaminException(ErrorIds.InvalidArgument,
                $"The registry {Redacted} refused a value of this command ({said})." + nothing + " Correct the value and run the command again.", null, pg),
            "40" or "55" => new LaminException(ErrorIds.RegistryBusy,
                $"The registry {Redacted} rolled the transaction back because another writer worked on the same records ({said})." + nothing + " Run the command again.", null, pg),
            "42" or "XX" => new LaminException(ErrorIds.RegistryCorrupt,
                $"The registry {Redacted} is not as this module expects ({said})." + nothing +
                " Ask the instance admin to check the schema lamin (Connect-LaminInstance upgrades an older one).", Redacted, pg),
            _ => new LaminException(ErrorIds.RegistryUnavailable,
                $"The server {Redacted} can't carry out the command now ({said})." + nothing + " Ask its administrator, then run the command again.", Redacted, pg),
        };
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
        var role = identity?.User ?? connection.Username;
        var text = e.MessageText;
        string message =
            text.StartsWith("role \"", StringComparison.Ordinal)
                ? $"The database {Redacted} refused it: {text}. {e.Hint}".TrimEnd()
            : text.Contains("schema lamin", StringComparison.Ordinal)
                ? $"Role '{role}' is not admitted to the instance in {Redacted} ({text}). " +
                  $"An admin of the instance admits it with Grant-LaminSpaceAccess -Space all -User '{role}' -Role Read (or Write, Admin)."
            : text.Contains("row-level security", StringComparison.Ordinal)
                ? $"Role '{role}' can't write this record: the database {Redacted} refused it ({text}): it needs Write access to the record's space. " +
                  "Ask an admin of that space to grant it with Grant-LaminSpaceAccess."
            : $"Role '{role}' may not do this in {Redacted} ({text}): its grants give it no Write access. " +
              $"Ask an admin of the instance to run Grant-LaminSpaceAccess -Space <space> -User '{role}' -Role Write.";
        return new LaminException(ErrorIds.AccessDenied, message + " Nothing of this command was written.", role, e);
    }

    /// <summary>RegistryNotFound: the database holds no registry (no schema, or no instance row in it).</summary>
    internal LaminException NotFound(Exception? inner = null) =>
        new(ErrorIds.RegistryNotFound,
            $"The database {Redacted} holds no Lamin registry (no schema '{PostgresSchema.SchemaName}' with an instance). " +
            "Create one there with New-LaminInstance -Database, or check the database name.", Redacted, inner);
}
