using System.Text.Json;

namespace Lamin.Core.Services;

/// <summary>
/// Writers and orphan clearing never race (issue 25, SPEC §10 rule 17): before its first upload into a location,
/// a writer (Add-LaminArtifact, Set-Content on the drive, Move-LaminArtifact) announces itself there with a control
/// file <c>.lamindb/_writers/&lt;process&gt;-&lt;32 hex&gt;.json</c>, created new (create-new, If-None-Match: *,
/// ifGenerationMatch=0), and retires it (<see cref="Gate.RetireWriterAnnouncement"/>) after its last commit there.
/// One announcement per process and location, shared by the process's writers (counted), so a pipeline of many
/// items writes one, not one per item.
/// <para>
/// <c>Clear-LaminStorage -Orphaned</c> keeps every unregistered object under <c>.lamindb/</c> written at or after
/// the earliest live announcement (less <see cref="ClockMargin"/>), by the store's own clock on both sides (the
/// announcement's and the object's last-modified time: no client clock is compared with a server's), and reports
/// them as in flight. Keys are not listed in the announcement: a pipeline does not know them in advance, and an
/// announcement rewritten per object would cost a write per object. The announcements are listed AFTER the objects,
/// so an object a live writer uploaded (always after its announcement) is never seen without its announcement.
/// </para>
/// <para>
/// An announcement counts while its writer may still commit: in this process, while a writer holds it; on this
/// host, while its process runs (pid and start time, <see cref="Util.ProcessIdentity"/>); on another host (or a
/// process that can't be inspected), until it is older than <see cref="OtherHostLimit"/> (one day, the horizon of
/// a transfer in progress, <see cref="AuditService.LiveTransferHorizon"/>). One that no longer counts is removed by
/// the next Clear-LaminStorage -Orphaned. Whatever clearing missed is caught by the commit's own re-check (each
/// object exists with the size and version the writer saw, else that item is refused).
/// </para>
/// </summary>
public static class WriterAnnouncements
{
    /// <summary>The folder of announcements under a location's root.</summary>
    public const string Folder = Marker.ManagedFolder + "/_writers";

    private const string Prefix = "w-";
    private const string Suffix = ".json";

    /// <summary>How long an announcement of a writer that can't be inspected (another host) counts.</summary>
    public static readonly TimeSpan OtherHostLimit = AuditService.LiveTransferHorizon;

    /// <summary>
    /// Objects written this much before the earliest live announcement are kept too: one store's time stamps come from
    /// several servers (and S3 lists whole seconds).
    /// </summary>
    public static readonly TimeSpan ClockMargin = TimeSpan.FromMinutes(1);

    /// <summary>What an announcement says (for the report; liveness comes from its name and time).</summary>
    public sealed record Content(string Operation, string User, string Host, int Pid, DateTime? ProcessStart, DateTime Since);

    /// <summary>A live announcement found in a location: its key, its writer, and when the store wrote it.</summary>
    public sealed record Live(string Key, Util.ProcessIdentity Writer, DateTime? Written, string Operation);

    /// <summary>This process's announcements: per location root, the key and how many writers hold it.</summary>
    private static readonly Dictionary<string, (string Key, int Holders)> Held = new(StringComparer.Ordinal);

    /// <summary>Test seam: called before an announcement is created (tests count them). Null outside tests.</summary>
    internal static Action<StorageRoot, string>? BeforeCreate;

    /// <summary>True for an announcement's key: <c>.lamindb/_writers/w-&lt;process&gt;-&lt;32 hex&gt;.json</c>.</summary>
    public static bool IsAnnouncementKey(string key) =>
        key.StartsWith(Folder + "/", StringComparison.Ordinal) && key.IndexOf('/', Folder.Length + 1) < 0
        && key.EndsWith(Suffix, StringComparison.Ordinal) && Name(key).StartsWith(Prefix, StringComparison.Ordinal);

    private static string Name(string key) => key[(key.LastIndexOf('/') + 1)..];

    private static Util.ProcessIdentity? WriterOf(string key) => Util.ProcessIdentity.FromTemporaryName(Name(key)[..^Suffix.Length], Prefix);

    /// <summary>
    /// Announces a writer of this process in <paramref name="root"/> (or joins this process's announcement there);
    /// dispose after the last commit of what it wrote. StorageIoError (nothing uploaded yet) when it can't be written.
    /// </summary>
    public static IDisposable Enter(StorageRoot root, string operation, string user)
    {
        lock (Held)
        {
            if (Held.TryGetValue(root.Root, out var held))
            {
                Held[root.Root] = (held.Key, held.Holders + 1);
                return new Handle(root);
            }
            var me = Util.ProcessIdentity.Current();
            var key = Folder + "/" + me.TemporaryName(Prefix) + Suffix;
            BeforeCreate?.Invoke(root, key);
            var content = new Content(operation, user, me.Host, me.Pid, me.StartTimeUtc, DateTime.UtcNow);
            bool created;
            try { created = StorageProviders.For(root).TryCreateNew(root, key, JsonSerializer.SerializeToUtf8Bytes(content)); }
            catch (UnauthorizedAccessException e)
            {
                throw AccessDenial.From(e, root.Root, $"{operation} announced itself in {root.PathPart}");
            }
            catch (IOException e)
            {
                throw new LaminException(ErrorIds.StorageIoError,
                    $"{operation} could not announce itself in {root.PathPart} ({e.Message}); nothing was written there. Fix the cause and try again.", root.Root, e);
            }
            if (!created)
                throw new LaminException(ErrorIds.StorageIoError,
                    $"{operation} could not announce itself in {root.PathPart} (a name it just made was taken); nothing was written there. Try again.", root.Root);
            Held[root.Root] = (key, 1);
            return new Handle(root);
        }
    }

    /// <summary>One writer's hold on its process's announcement; the last one out retires it.</summary>
    private sealed class Handle(StorageRoot root) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0) return;
            lock (Held)
            {
                if (!Held.TryGetValue(root.Root, out var held)) return;
                if (held.Holders > 1) { Held[root.Root] = (held.Key, held.Holders - 1); return; }
                Held.Remove(root.Root);
                Retire(root, held.Key);
            }
        }
    }

    private static void Retire(StorageRoot root, string key)
    {
        try
        {
            Gate.RetireWriterAnnouncement(root, key);
            if (root.IsLocal) LocalStorageProvider.PruneEmptyParents(root, key);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException) { } // no longer counts once this process ended
    }

    /// <summary>Whether the writer of an announcement may still commit (see the class summary). Never throws.</summary>
    public static bool IsLive(string key, DateTime? written, DateTime? now = null, Util.IProcessTable? table = null, string? localHost = null)
    {
        if (WriterOf(key) is not { } writer) return false; // not a name a writer gives
        if (writer.ToToken() == Util.ProcessIdentity.Current().ToToken() && table is null && localHost is null)
            lock (Held) return Held.Values.Any(h => h.Key == key);
        return writer.Check(table, localHost) switch
        {
            Util.ProcessState.Alive => true,
            Util.ProcessState.Gone => false,
            _ => written is not { } w || (now ?? DateTime.UtcNow) - w <= OtherHostLimit,
        };
    }

    /// <summary>Every announcement in a location with whether it counts; read AFTER the objects were listed.</summary>
    public static List<(StoredObject Object, bool Live)> List(StorageRoot root)
    {
        var provider = StorageProviders.For(root);
        return provider.List(root, Folder).Where(o => IsAnnouncementKey(o.Key)).Select(o => (o, IsLive(o.Key, o.LastModified))).ToList();
    }

    /// <summary>The writers of live announcements, for a report ("Add-LaminArtifact, process 123 on host").</summary>
    public static string Describe(StorageRoot root, IEnumerable<StoredObject> live)
    {
        var provider = StorageProviders.For(root);
        var names = new List<string>();
        foreach (var o in live)
        {
            var w = WriterOf(o.Key)!;
            string op = "a writer";
            try
            {
                using var s = provider.OpenRead(root, o.Key);
                if (JsonSerializer.Deserialize<Content>(s) is { } c) op = c.Operation;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException or JsonException) { }
            names.Add($"{op} (process {w.Pid} on {w.Host}, since {o.LastModified:u})");
        }
        return string.Join(", ", names);
    }

    /// <summary>Removes announcements that no longer count (their writer is gone); a missing one is not an error.</summary>
    public static void RemoveDead(StorageRoot root, IEnumerable<StoredObject> dead)
    {
        foreach (var o in dead)
            if (!IsLive(o.Key, o.LastModified)) Retire(root, o.Key);
    }
}
