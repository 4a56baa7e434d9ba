using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Lamin.Core.Util;

/// <summary>Whether a process of this machine still runs (for temporaries and leases named by process id).</summary>
public static class Processes
{
    /// <summary>
    /// False only when this machine certainly has no process <paramref name="pid"/>; a process that
    /// exists but can't be inspected (another user's, on Windows) counts as alive. Never throws.
    /// Prefer <see cref="ProcessIdentity.IsAlive"/>: a pid alone may have been reused.
    /// </summary>
    public static bool IsAlive(int pid) => Roots.LocalPlatform.Current.Processes.Probe(pid).State != ProcessState.Gone;
}

public enum ProcessState
{
    /// <summary>It runs (and, when a start time was recorded, it is the same process).</summary>
    Alive,
    /// <summary>It certainly ended (no such process, it exited, or its pid now belongs to a later process).</summary>
    Gone,
    /// <summary>It could not be inspected (another host, access denied): treat it as alive, within the lease age rule.</summary>
    Unknown,
}

/// <summary>What the OS says about one pid: whether it exists and, if readable, when it started (UTC).</summary>
public readonly record struct ProcessProbe(ProcessState State, DateTime? StartTimeUtc);

/// <summary>The seam over the OS process table (tests fake access denied, exits and pid reuse).</summary>
public interface IProcessTable
{
    /// <summary>Never throws.</summary>
    ProcessProbe Probe(int pid);
}

/// <summary>The real process table through System.Diagnostics.Process; every failure is an answer, not an exception.</summary>
public sealed class ProcessTable : IProcessTable
{
    public static ProcessTable Os { get; } = new();

    public ProcessProbe Probe(int pid)
    {
        if (pid <= 0) return new ProcessProbe(ProcessState.Gone, null);
        Process p;
        try { p = Process.GetProcessById(pid); }
        catch (ArgumentException) { return new ProcessProbe(ProcessState.Gone, null); } // no such process
        catch (InvalidOperationException) { return new ProcessProbe(ProcessState.Gone, null); }
        catch (Exception) { return new ProcessProbe(ProcessState.Unknown, null); } // Win32Exception, access denied, not supported
        using (p)
        {
            try { if (p.HasExited) return new ProcessProbe(ProcessState.Gone, null); }
            catch (InvalidOperationException) { return new ProcessProbe(ProcessState.Gone, null); }
            catch (Exception) { return new ProcessProbe(ProcessState.Unknown, null); } // Win32Exception: another user's process
            try { return new ProcessProbe(ProcessState.Alive, p.StartTime.ToUniversalTime()); }
            catch (InvalidOperationException) { return new ProcessProbe(ProcessState.Gone, null); } // exited meanwhile
            catch (Exception) { return new ProcessProbe(ProcessState.Alive, null); } // exists, start time unreadable
        }
    }
}

/// <summary>
/// A process named so that it is never confused with another (SPEC §11): host, process id and start
/// time (process ids are reused quickly, above all on Windows). Temporaries and leases carry it; a
/// holder on another host, or one whose process can't be inspected, counts as alive until its lease is
/// older than its renewal interval times three. Checking never throws.
/// </summary>
public sealed record ProcessIdentity(string Host, int Pid, DateTime? StartTimeUtc, string? Kernel = null)
{
    /// <summary>Two start times closer than this are the same process (clock resolution of /proc and Windows).</summary>
    public static readonly TimeSpan StartTimeTolerance = TimeSpan.FromSeconds(1);

    /// <summary>How many renewal intervals a lease of a process that can't be checked stays valid.</summary>
    public const int RenewalsBeforeGone = 3;

    private static readonly Lazy<ProcessIdentity> CurrentIdentity = new(() =>
    {
        DateTime? start = null;
        try { using var p = Process.GetCurrentProcess(); start = p.StartTime.ToUniversalTime(); }
        catch (Exception) { }
        return new ProcessIdentity(Environment.MachineName, Environment.ProcessId, start);
    });

    /// <summary>This process, on the host and kernel of the running context's platform.</summary>
    public static ProcessIdentity Current()
    {
        var platform = Roots.LocalPlatform.Current;
        return CurrentIdentity.Value with { Host = platform.HostName, Kernel = KernelToken(platform.KernelIdentity) };
    }

    /// <summary>Host names compare without case (NetBIOS and DNS names do).</summary>
    public bool IsOnHost(string host) => string.Equals(Host, host, StringComparison.OrdinalIgnoreCase);

    /// <summary>What can be said about this process from <paramref name="localHost"/>. Never throws.</summary>
    public ProcessState Check(IProcessTable? table = null, string? localHost = null)
    {
        var platform = Roots.LocalPlatform.Current;
        if (!IsOnHost(localHost ?? platform.HostName)) return ProcessState.Unknown;
        // One host name, another kernel (WSL2 beside its Windows host, a container): its pids are not in this table, so it
        // can't be checked here (issue 27). A record that names a kernel this platform can't name is unknown too.
        if (Kernel is { } kernel && kernel != KernelToken(platform.KernelIdentity)) return ProcessState.Unknown;
        ProcessProbe probe;
        try { probe = (table ?? platform.Processes).Probe(Pid); }
        catch (Exception) { return ProcessState.Unknown; }
        if (probe.State != ProcessState.Alive) return probe.State;
        if (StartTimeUtc is { } recorded && probe.StartTimeUtc is { } actual && (actual - recorded).Duration() > StartTimeTolerance)
            return ProcessState.Gone; // the pid now belongs to a later process
        return ProcessState.Alive;
    }

    /// <summary>
    /// Alive, or not known to be gone (another host, or not inspectable): the safe answer for "may I take
    /// over or delete what it holds?" when there is no lease age to go by. Never throws.
    /// </summary>
    public bool IsAlive(IProcessTable? table = null, string? localHost = null) => Check(table, localHost) != ProcessState.Gone;

    /// <summary>
    /// Whether a lease holder still counts as alive: yes when it runs; no when it certainly ended; when it
    /// can't be checked (another host, access denied), yes until the lease was last renewed more than
    /// <paramref name="renewalInterval"/> × 3 ago. Never throws.
    /// </summary>
    public bool IsHolderAlive(DateTime lastRenewedUtc, TimeSpan renewalInterval, DateTime nowUtc, IProcessTable? table = null, string? localHost = null) =>
        Check(table, localHost) switch
        {
            ProcessState.Alive => true,
            ProcessState.Gone => false,
            _ => nowUtc - lastRenewedUtc <= renewalInterval * RenewalsBeforeGone,
        };

    /// <summary>
    /// A file-name-safe token "&lt;pid&gt;-&lt;start&gt;-&lt;host&gt;[~&lt;kernel&gt;]" (start: UTC milliseconds since 1970 in
    /// base 36, "0" when unknown; host: letters, digits, '.', '_' and '-' only; kernel: <see cref="KernelToken"/>,
    /// left out when unknown). The pid comes first so that readers of the old "&lt;pid&gt;-&lt;guid&gt;" temporaries still
    /// find it; tokens without a kernel (written before issue 27) are read as before.
    /// </summary>
    public string ToToken()
    {
        var start = StartTimeUtc is { } t ? ToBase36((long)(t - DateTime.UnixEpoch).TotalMilliseconds) : "0";
        return $"{Pid.ToString(CultureInfo.InvariantCulture)}-{start}-{SafeHost(Host)}{(Kernel is null ? "" : "~" + Kernel)}";
    }

    /// <summary>Parses <see cref="ToToken"/>; null for anything else (the old "&lt;pid&gt;-&lt;guid&gt;" form included).</summary>
    public static ProcessIdentity? TryParseToken(string token)
    {
        string? kernel = null;
        int tilde = token.LastIndexOf('~');
        if (tilde >= 0)
        {
            kernel = token[(tilde + 1)..];
            if (kernel.Length != 12 || !kernel.All(char.IsAsciiHexDigitLower)) return null;
            token = token[..tilde];
        }
        var parts = token.Split('-', 3);
        if (parts.Length != 3 || parts[2].Length == 0) return null;
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0) return null;
        if (FromBase36(parts[1]) is not { } ms) return null;
        if (!parts[2].All(IsHostChar)) return null;
        DateTime? start = ms == 0 ? null : DateTime.UnixEpoch.AddMilliseconds(ms);
        return new ProcessIdentity(parts[2], pid, start, kernel);
    }

    /// <summary>A kernel identity (<see cref="Roots.ILocalPlatform.KernelIdentity"/>) as 12 hex digits, file-name safe; null for null.</summary>
    public static string? KernelToken(string? kernelIdentity) => kernelIdentity is null
        ? null
        : Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(kernelIdentity)))[..12].ToLowerInvariant();

    /// <summary>The name of a temporary: prefix, this identity's token, then a random part (32 hex digits).</summary>
    public string TemporaryName(string prefix) => $"{prefix}{ToToken()}-{Guid.NewGuid():N}";

    /// <summary>The identity in a name made by <see cref="TemporaryName"/>; null when the name has none.</summary>
    public static ProcessIdentity? FromTemporaryName(string name, string prefix)
    {
        if (!name.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var rest = name[prefix.Length..];
        int last = rest.LastIndexOf('-');
        if (last <= 0 || rest.Length - last - 1 != 32) return null;
        return TryParseToken(rest[..last]);
    }

    private static bool IsHostChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';

    private static string SafeHost(string host)
    {
        var sb = new StringBuilder();
        foreach (var c in host) sb.Append(IsHostChar(c) ? c : '_');
        var s = sb.Length == 0 ? "_" : sb.ToString();
        return s.Length > 63 ? s[..63] : s;
    }

    private const string Base36 = "0123456789abcdefghijklmnopqrstuvwxyz";

    private static string ToBase36(long v)
    {
        if (v <= 0) return "0";
        var sb = new StringBuilder();
        while (v > 0) { sb.Insert(0, Base36[(int)(v % 36)]); v /= 36; }
        return sb.ToString();
    }

    private static long? FromBase36(string s)
    {
        if (s.Length is 0 or > 12) return null;
        long v = 0;
        foreach (var c in s)
        {
            int d = Base36.IndexOf(c);
            if (d < 0) return null;
            v = v * 36 + d;
        }
        return v;
    }
}
