using System.Text.Json;
using Lamin.Core.Errors;
using Lamin.Core.Roots;
using Lamin.Core.Safety;

namespace Lamin.Core.Storage;

/// <summary>
/// A lease on a location for bulk operations (Move-, Clear-LaminStorage): &lt;root&gt;/.lamindb/_lease.json
/// names its holder (user, host, process, since, until). A second holder gets StorageLeased naming the
/// first; a lease whose holder is gone (its process ended on this host, or its time ran out) is taken over.
/// </summary>
public sealed class Lease : IDisposable
{
    public const string RelativeKey = Marker.ManagedFolder + "/_lease.json";
    public static readonly TimeSpan Duration = TimeSpan.FromMinutes(15);

    /// <summary>How often a long operation renews its lease; <see cref="Duration"/> is three of these (SPEC §11).</summary>
    public static readonly TimeSpan RenewalInterval = TimeSpan.FromMinutes(5);

    /// <summary>The holder: <paramref name="Start"/> is its process's start time (UTC; null in leases of older versions), so a reused pid is not taken for it.</summary>
    public sealed record Holder(string User, string Host, int Pid, DateTime Since, DateTime Until, string Operation, string Token, DateTime? Start = null);

    private readonly StorageRoot _root;
    private readonly IStorageProvider _provider;
    private Holder _holder;

    private Lease(StorageRoot root, IStorageProvider provider, Holder holder)
    {
        _root = root;
        _provider = provider;
        _holder = holder;
    }

    public static Holder? Read(StorageRoot root)
    {
        var provider = StorageProviders.For(root);
        try
        {
            using var s = provider.OpenRead(root, RelativeKey);
            return JsonSerializer.Deserialize<Holder>(s);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException
                                      || e is LaminException { ErrorId: ErrorIds.PathNotFound })
        {
            return null;
        }
    }

    /// <summary>
    /// Whether a lease may be taken over: it expired, or its holder's process certainly ended (on this host: no such
    /// pid, or the pid now belongs to a later process). A holder on another host, or one that can't be inspected
    /// (another user's process on Windows), counts as alive until the lease is older than its renewal interval
    /// times three (SPEC §11). Never throws.
    /// </summary>
    public static bool IsStale(Holder h, DateTime? now = null, Util.IProcessTable? table = null, string? localHost = null)
    {
        var t = now ?? DateTime.UtcNow;
        if (t > h.Until) return true;
        var holder = new Util.ProcessIdentity(h.Host, h.Pid, h.Start);
        return !holder.IsHolderAlive(h.Until - Duration, RenewalInterval, t, table, localHost);
    }

    public static Lease Acquire(StorageRoot root, string user, string operation)
    {
        var provider = StorageProviders.For(root);
        var current = Read(root);
        if (current is not null && !IsStale(current)) throw Busy(root, current);
        var now = DateTime.UtcNow;
        var me = Util.ProcessIdentity.Current();
        var mine = new Holder(user, me.Host, me.Pid, now, now + Duration, operation, Guid.NewGuid().ToString("N"), me.StartTimeUtc);
        Write(provider, root, mine);
        // Two takers may write at once: whoever reads back their own token holds it.
        var check = Read(root);
        if (check?.Token != mine.Token) throw Busy(root, check ?? mine);
        return new Lease(root, provider, mine);
    }

    private static void Write(IStorageProvider provider, StorageRoot root, Holder h)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(h);
        using var w = provider.CreateWriter(root, folder: false, null, CancellationToken.None);
        using (var m = w.OpenMember("", bytes.Length)) { m.Write(bytes); m.Flush(); }
        w.Commit(RelativeKey, replace: true);
    }

    private static LaminException Busy(StorageRoot root, Holder h) =>
        new(ErrorIds.StorageLeased,
            $"{root.PathPart} is leased by {h.User} on {h.Host} (process {h.Pid}) since {h.Since:u} for {h.Operation}, until {h.Until:u}. " +
            "Wait for it to finish; a lease whose holder is gone is taken over once it expires.", root.Root);

    /// <summary>Extends the lease during a long operation.</summary>
    public void Renew()
    {
        _holder = _holder with { Until = DateTime.UtcNow + Duration };
        // A rename refused for a moment (an indexer or antivirus reading the lease on Windows) is retried, not fatal mid-move.
        SharingRules.Retry(() => Write(_provider, _root, _holder));
    }

    public void Dispose()
    {
        try
        {
            if (Read(_root)?.Token == _holder.Token) Gate.RetireLease(_provider, _root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException) { }
    }
}
