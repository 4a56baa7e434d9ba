using System.Globalization;
using System.Text.Json;

namespace Lamin.Core.Storage;

/// <summary>
/// A lease on a location for bulk operations (Move-, Clear-LaminStorage). A second holder gets StorageLeased
/// naming the first; a lease whose holder is gone (its process ended on this host, or its time ran out) is
/// taken over.
/// <para>
/// Exclusive by construction (SPEC §10 rule 14): a lease is a sequence of generations, each one object written
/// only by create-new (<see cref="IStorageProvider.TryCreateNew"/>: O_EXCL on a file system, If-None-Match: *
/// on S3, ifGenerationMatch=0 on GCS), never overwritten. Generation 0 is &lt;root&gt;/.lamindb/_lease.json
/// (where older versions look), generation n ≥ 1 is .lamindb/_lease/&lt;n&gt;.json. The lease is held by the
/// holder of the highest generation. To acquire a free lease (no generation) a process creates generation 0;
/// to take over a stale one, or to renew its own, it creates the next generation. Of two processes that
/// create the same generation only one succeeds; one that finds a higher generation right after creating its
/// own lost to it (it decided on an older view) and removes its own. The winner removes the lower generations;
/// a release removes the holder's own generation only.
/// </para>
/// </summary>
public sealed class Lease : IDisposable
{
    public const string RelativeKey = Marker.ManagedFolder + "/_lease.json";

    /// <summary>The folder of generations 1, 2, …</summary>
    public const string GenerationFolder = Marker.ManagedFolder + "/_lease";

    public static readonly TimeSpan Duration = TimeSpan.FromMinutes(15);

    /// <summary>How often a long operation renews its lease; <see cref="Duration"/> is three of these (SPEC §11).</summary>
    public static readonly TimeSpan RenewalInterval = TimeSpan.FromMinutes(5);

    /// <summary>The holder: <paramref name="Start"/> is its process's start time (UTC; null in leases of older versions), so a reused pid is not taken for it.</summary>
    public sealed record Holder(string User, string Host, int Pid, DateTime Since, DateTime Until, string Operation, string Token, DateTime? Start = null, string? Kernel = null);

    /// <summary>
    /// Test seam: called after a process decided to create generation <c>long</c> of the root's lease and before
    /// it does, so a test interleaves two acquirers deterministically. Null outside tests.
    /// </summary>
    internal static Action<StorageRoot, long>? BeforeCreate;

    private readonly StorageRoot _root;
    private readonly IStorageProvider _provider;
    private Holder _holder;
    private long _generation;

    private Lease(StorageRoot root, IStorageProvider provider, Holder holder, long generation)
    {
        _root = root;
        _provider = provider;
        _holder = holder;
        _generation = generation;
    }

    /// <summary>The generation this lease holds now (0: .lamindb/_lease.json).</summary>
    public long Generation => _generation;

    /// <summary>The key of generation <paramref name="n"/>.</summary>
    public static string KeyOf(long n) => n == 0 ? RelativeKey : $"{GenerationFolder}/{n.ToString(CultureInfo.InvariantCulture)}.json";

    /// <summary>Whether a key (relative to a root) is a generation of a lease: .lamindb/_lease.json or .lamindb/_lease/&lt;n&gt;.json.</summary>
    public static bool IsLeaseKey(string key) => key == RelativeKey || GenerationOf(key) is not null;

    private static long? GenerationOf(string key)
    {
        if (key == RelativeKey) return 0;
        var prefix = GenerationFolder + "/";
        if (!key.StartsWith(prefix, StringComparison.Ordinal) || !key.EndsWith(".json", StringComparison.Ordinal)) return null;
        var digits = key[prefix.Length..^5];
        return digits.Length is > 0 and <= 18 && digits.All(char.IsAsciiDigit) && (digits == "0" || digits[0] != '0')
               && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : null;
    }

    /// <summary>Every generation present, highest first, with when it was written.</summary>
    private static List<(long N, DateTime? Written)> Generations(IStorageProvider provider, StorageRoot root)
    {
        var found = new List<(long, DateTime?)>();
        foreach (var o in provider.List(root, GenerationFolder).Concat(provider.List(root, RelativeKey)))
            if (GenerationOf(o.Key) is { } n) found.Add((n, o.LastModified));
        return found.OrderByDescending(g => g.Item1).ToList();
    }

    /// <summary>The current generation: its number, holder (null while it is being written, or unreadable) and age; null when the lease is free.</summary>
    private sealed record Top(long N, Holder? Holder, DateTime? Written);

    private static Top? Current(IStorageProvider provider, StorageRoot root)
    {
        for (int attempt = 0; attempt < 8; attempt++)
        {
            var gens = Generations(provider, root);
            if (gens.Count == 0) return null;
            var (n, written) = gens[0];
            var (holder, missing) = ReadAt(provider, root, KeyOf(n));
            if (!missing) return new Top(n, holder, written);
            // Released or retired between the listing and the read: look again.
        }
        throw new LaminException(ErrorIds.StorageLeased,
            $"The lease of {root.PathPart} keeps changing (other processes acquire and release it); try again.", root.Root);
    }

    private static (Holder? Holder, bool Missing) ReadAt(IStorageProvider provider, StorageRoot root, string key)
    {
        try
        {
            using var s = provider.OpenRead(root, key);
            return (JsonSerializer.Deserialize<Holder>(s), false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException
                                      || e is LaminException { ErrorId: ErrorIds.PathNotFound })
        {
            return (null, true);
        }
        // Being written (create-new, then the bytes: a reader may find it empty, or open while the writer holds it), or damaged.
        catch (Exception e) when (e is JsonException or IOException) { return (null, false); }
    }

    /// <summary>The current holder (the highest generation), or null when the lease is free or its holder can't be read.</summary>
    public static Holder? Read(StorageRoot root) => Current(StorageProviders.For(root), root)?.Holder;

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
        var holder = new Util.ProcessIdentity(h.Host, h.Pid, h.Start, h.Kernel);
        return !holder.IsHolderAlive(h.Until - Duration, RenewalInterval, t, table, localHost);
    }

    /// <summary>A generation that can't be read (being written, or damaged) counts as held until it is older than <see cref="Duration"/>.</summary>
    private static bool IsStale(Top top) =>
        top.Holder is { } h ? IsStale(h) : top.Written is { } w && DateTime.UtcNow - w > Duration;

    public static Lease Acquire(StorageRoot root, string user, string operation)
    {
        var provider = StorageProviders.For(root);
        var me = Util.ProcessIdentity.Current();
        for (int attempt = 0; attempt < 8; attempt++)
        {
            var top = Current(provider, root);
            if (top is not null && !IsStale(top)) throw Busy(root, top);
            long next = top is null ? 0 : top.N + 1;
            BeforeCreate?.Invoke(root, next);
            var now = DateTime.UtcNow;
            var mine = new Holder(user, me.Host, me.Pid, now, now + Duration, operation, Guid.NewGuid().ToString("N"), me.StartTimeUtc, me.Kernel);
            if (!provider.TryCreateNew(root, KeyOf(next), JsonSerializer.SerializeToUtf8Bytes(mine))) continue; // another process created it first: look again
            if (!Won(provider, root, next)) continue;
            return new Lease(root, provider, mine, next);
        }
        throw Busy(root, Current(provider, root));
    }

    /// <summary>
    /// After creating generation <paramref name="n"/>: false (its object removed again) when a higher generation
    /// exists, whose creator decided on an older view and got there first; true otherwise, and the lower generations
    /// (superseded: stale, released or renewed) are removed.
    /// </summary>
    private static bool Won(IStorageProvider provider, StorageRoot root, long n)
    {
        var gens = Generations(provider, root);
        if (gens.Any(g => g.N > n))
        {
            Remove(provider, root, n);
            return false;
        }
        foreach (var (lower, _) in gens.Where(g => g.N < n)) Remove(provider, root, lower);
        return true;
    }

    /// <summary>Removes one generation's object (never another key); a folder of generations left empty goes too (local).</summary>
    private static void Remove(IStorageProvider provider, StorageRoot root, long n)
    {
        try
        {
            Gate.RetireLease(provider, root, KeyOf(n));
            if (n > 0 && root.IsLocal) LocalStorageProvider.PruneEmptyParents(root, KeyOf(n));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException) { } // a later winner removes it
    }

    private static LaminException Busy(StorageRoot root, Top? top) => top?.Holder is { } h
        ? new(ErrorIds.StorageLeased,
            $"{root.PathPart} is leased by {h.User} on {h.Host} (process {h.Pid}) since {h.Since:u} for {h.Operation}, until {h.Until:u}. " +
            "Wait for it to finish; a lease whose holder is gone is taken over once it expires.", root.Root)
        : new(ErrorIds.StorageLeased,
            $"{root.PathPart} is being leased by another process right now (its lease {KeyOf(top?.N ?? 0)} is being written). " +
            "Wait for it to finish; a lease whose holder is gone is taken over once it expires.", root.Root);

    /// <summary>
    /// Extends the lease during a long operation: the holder creates the next generation with a later end and
    /// removes its previous one. StorageLeased when the lease was taken over meanwhile (it had expired): the
    /// operation must stop, another process holds the location now.
    /// </summary>
    public void Renew()
    {
        var renewed = _holder with { Until = DateTime.UtcNow + Duration };
        var next = _generation + 1;
        // A create refused for a moment (an indexer or antivirus on Windows) is retried, not fatal mid-move.
        bool created = false;
        SharingRules.Retry(() => created = _provider.TryCreateNew(_root, KeyOf(next), JsonSerializer.SerializeToUtf8Bytes(renewed)));
        if (!created || !Won(_provider, _root, next))
        {
            var now = Current(_provider, _root);
            throw new LaminException(ErrorIds.StorageLeased,
                $"The lease on {_root.PathPart} ran out and was taken over" + (now?.Holder is { } h ? $" by {h.User} on {h.Host} (process {h.Pid}) for {h.Operation}" : "") +
                "; this operation stopped. Run it again once that one finished.", _root.Root);
        }
        _holder = renewed;
        _generation = next;
    }

    /// <summary>Releases the lease: removes this holder's own generation (only while it still holds this holder's token).</summary>
    public void Dispose()
    {
        try
        {
            var (h, _) = ReadAt(_provider, _root, KeyOf(_generation));
            if (h?.Token == _holder.Token) Remove(_provider, _root, _generation);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException) { }
    }
}
