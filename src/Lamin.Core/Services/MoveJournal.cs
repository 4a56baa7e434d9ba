using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace Lamin.Core.Services;

/// <summary>
/// SPEC §10 rule 17 for Move-LaminStorage: what a move copies into its destination belongs to its process.
/// Before copying, the move writes a journal <c>.lamindb/.lamin-move-&lt;process&gt;-&lt;32 hex&gt;</c> into the
/// DESTINATION listing every key (and size) it will put there, and the same journal under the same name into
/// the SOURCE location's <c>.lamindb/</c> (a pointer: the destination is not registered, the source is). Both
/// go when the move has switched the record. A move refused or killed before that leaves them; once their
/// process is gone (or, in this process, no move runs under that journal any more) Test-LaminStorage reports
/// the leftovers, and Clear-LaminStorage -Orphaned or the next Move-LaminStorage to that destination removes
/// exactly the listed keys no live artifact holds (through the gate), then the journals. Journals are control
/// files (<see cref="ControlObjects"/>): never orphans, never destination content that blocks a move.
/// </summary>
public static class MoveJournal
{
    public const string Prefix = ".lamin-move-";

    /// <summary>The journals this process is writing for a move still running (a journal of ours not here is stale).</summary>
    private static readonly ConcurrentDictionary<string, bool> Running = new(StringComparer.Ordinal);

    public sealed record Entry(string Key, long Size);

    /// <summary>A copy the move finished: its key, size and the LaminDB hash of the bytes it wrote.</summary>
    public sealed record Copied(string Key, long Size, string Hash, string HashType);

    /// <summary>The journal's companion at the destination listing the copies finished (<see cref="Handle.RecordCopies"/>).</summary>
    public const string CopiedSuffix = ".copied";

    /// <summary>What a journal says.</summary>
    public sealed record Content(string Operation, string StorageUid, string Source, string Destination, IReadOnlyList<Entry> Keys);

    /// <summary>One stale journal found through a location's pointer.</summary>
    public sealed record Stale(StorageRoot Source, StorageRoot Destination, string JournalKey, Content Content, Util.ProcessIdentity? Writer, DateTime? Written = null);

    /// <summary>True for a journal's key (or its list of finished copies): <c>.lamindb/.lamin-move-…</c> directly under the managed folder.</summary>
    public static bool IsJournalKey(string key)
    {
        var slash = key.IndexOf('/');
        return slash > 0 && key.IndexOf('/', slash + 1) < 0 && key[..slash] == Marker.ManagedFolder
               && key[(slash + 1)..].StartsWith(Prefix, StringComparison.Ordinal);
    }

    /// <summary>A journal itself, not its list of finished copies nor its removal note.</summary>
    private static bool IsJournalItself(string key) => IsJournalKey(key) && !key.EndsWith(CopiedSuffix, StringComparison.Ordinal) && !key.EndsWith(RemovalSuffix, StringComparison.Ordinal);

    /// <summary>True when no move runs under this journal any more: its process is gone, or it is this process's and no move of it runs.</summary>
    public static bool IsStale(string journalKey)
    {
        var name = journalKey[(journalKey.IndexOf('/') + 1)..];
        var writer = Util.ProcessIdentity.FromTemporaryName(name, Prefix);
        if (writer is null) return true; // not a name a move gives: nobody runs it
        if (writer.ToToken() == Util.ProcessIdentity.Current().ToToken()) return !Running.ContainsKey(journalKey);
        return !writer.IsAlive();
    }

    // ================================================================ the move's own journal

    /// <summary>A move's journal, written before it copies; <see cref="Complete"/> after the switch.</summary>
    public sealed class Handle : IDisposable
    {
        internal Handle(StorageRoot source, StorageRoot destination, string key) { Source = source; Destination = destination; Key = key; }
        public StorageRoot Source { get; }
        public StorageRoot Destination { get; }
        public string Key { get; }

        /// <summary>
        /// Lists at the destination the copies the move finished with the hash of what it wrote, so that a cleanup
        /// removes an object at a listed key only when it still is that copy (an object written there later, even of
        /// the same size, stays). Written once, after the copying ended (finished or not).
        /// </summary>
        public void RecordCopies(IEnumerable<Copied> copies)
        {
            var list = copies.ToList();
            if (list.Count == 0) return;
            StorageProviders.For(Destination).TryCreateNew(Destination, Key + CopiedSuffix, JsonSerializer.SerializeToUtf8Bytes(list));
        }

        /// <summary>The move switched the record: the copies are the location's now; both journals go.</summary>
        public void Complete(Action<string> warn)
        {
            try
            {
                Gate.RetireMoveJournal(Destination, Key + CopiedSuffix);
                Gate.RetireMoveJournal(Destination, Key);
                Gate.RetireMoveJournal(Source, Key);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException)
            {
                warn($"could not remove the move's journal {Key}: {e.Message}");
            }
            finally { Running.TryRemove(Key, out _); }
        }

        /// <summary>The move ended; when it did not <see cref="Complete"/> (refused or failed) the journal stays and counts as stale from now on.</summary>
        public void Dispose() => Running.TryRemove(Key, out _);
    }

    /// <summary>Writes the journal listing <paramref name="keys"/> at the destination, then its pointer at the source.</summary>
    public static Handle Begin(string storageUid, StorageRoot source, StorageRoot destination, IEnumerable<Entry> keys)
    {
        var key = Marker.ManagedFolder + "/" + Util.ProcessIdentity.Current().TemporaryName(Prefix);
        var content = new Content("Move-LaminStorage", storageUid, source.Root, destination.Root, keys.ToList());
        var bytes = JsonSerializer.SerializeToUtf8Bytes(content);
        Running[key] = true;
        if (!StorageProviders.For(destination).TryCreateNew(destination, key, bytes) || !StorageProviders.For(source).TryCreateNew(source, key, bytes))
        {
            Running.TryRemove(key, out _);
            throw new LaminException(ErrorIds.InvalidDestination, $"Move-LaminStorage could not write its journal {key} (a name it just made was taken). Run it again.", destination.Root);
        }
        return new Handle(source, destination, key);
    }

    // ================================================================ a pending -RemoveSource (issue 25)

    /// <summary>
    /// The journal's companion at the destination that says "the source's removal is pending" (issue 25): written by
    /// Move-LaminStorage -RemoveSource before it switches the record, retired once the old root's objects and lease
    /// are gone (before its marker). A note that outlives its process, at a location whose root is the note's
    /// destination, means a removal was killed or a delete failed: Test-LaminStorage reports it with the command that
    /// finishes it. It sits in the location's own <c>.lamindb/</c>, so it travels with the record's new root and needs no
    /// registry change on either engine; as a journal key it is a control file (never an orphan, never deleted but by
    /// <see cref="Gate.RetireMoveJournal"/>).
    /// </summary>
    public const string RemovalSuffix = ".removing";

    /// <summary>A removal that a -RemoveSource run left unfinished: the old root it still has to empty, and the note's key.</summary>
    public sealed record PendingRemoval(StorageRoot OldRoot, StorageRoot Location, string NoteKey, Util.ProcessIdentity? Writer);

    /// <summary>Writes the removal note of <paramref name="journal"/>'s move at its destination (before the switch).</summary>
    public static void BeginRemoval(Handle journal, string storageUid)
    {
        var content = new Content("Move-LaminStorage -RemoveSource", storageUid, journal.Source.Root, journal.Destination.Root, []);
        if (!StorageProviders.For(journal.Destination).TryCreateNew(journal.Destination, journal.Key + RemovalSuffix, JsonSerializer.SerializeToUtf8Bytes(content)))
            throw new LaminException(ErrorIds.InvalidDestination, $"Move-LaminStorage could not write its removal note {journal.Key}{RemovalSuffix} (a name it just made was taken). Run it again.", journal.Destination.Root);
    }

    /// <summary>
    /// The removal notes at <paramref name="location"/> naming <paramref name="oldRoot"/> (every old root when null) for
    /// the location <paramref name="storageUid"/>; <paramref name="staleOnly"/>: only those whose process no longer runs that move.
    /// </summary>
    public static List<PendingRemoval> FindRemovals(StorageRoot location, string storageUid, string? oldRoot, bool staleOnly)
    {
        var found = new List<PendingRemoval>();
        var provider = StorageProviders.For(location);
        foreach (var o in provider.ListManagedObjects(location))
        {
            if (!IsJournalKey(o.Key) || !o.Key.EndsWith(RemovalSuffix, StringComparison.Ordinal)) continue;
            var journalKey = o.Key[..^RemovalSuffix.Length];
            if (staleOnly && !IsStale(journalKey)) continue;
            if (Read(provider, location, o.Key) is not { } content || content.StorageUid != storageUid || content.Destination != location.Root) continue;
            if (oldRoot is not null && content.Source != oldRoot) continue;
            StorageRoot old;
            try { old = StorageRoot.Parse(content.Source, "/"); }
            catch (LaminException) { continue; }
            var name = journalKey[(journalKey.IndexOf('/') + 1)..];
            found.Add(new PendingRemoval(old, location, o.Key, Util.ProcessIdentity.FromTemporaryName(name, Prefix)));
        }
        return found;
    }

    /// <summary>The removal finished (or the move did not switch): its note goes.</summary>
    public static void RetireRemoval(StorageRoot destination, string noteKey)
    {
        if (!noteKey.EndsWith(RemovalSuffix, StringComparison.Ordinal)) throw new InvalidOperationException("Not a removal note.");
        Gate.RetireMoveJournal(destination, noteKey);
    }

    // ================================================================ leftovers

    /// <summary>The stale journals a location's <c>.lamindb/</c> points to (moves from it that were refused or killed).</summary>
    public static List<Stale> FindStale(StorageRoot location)
    {
        var found = new List<Stale>();
        var provider = StorageProviders.For(location);
        foreach (var o in provider.ListManagedObjects(location))
        {
            if (!IsJournalItself(o.Key) || !IsStale(o.Key)) continue;
            if (Read(provider, location, o.Key) is not { } content) continue;
            StorageRoot dest;
            try { dest = StorageRoot.Parse(content.Destination, "/"); }
            catch (LaminException) { continue; }
            if (dest.Root == location.Root) continue; // a journal at a destination that became the location: its move finished
            var name = o.Key[(o.Key.IndexOf('/') + 1)..];
            found.Add(new Stale(location, dest, o.Key, content, Util.ProcessIdentity.FromTemporaryName(name, Prefix), o.LastModified));
        }
        return found;
    }

    /// <summary>The listed keys still at the destination with the size the journal gives (the move's copies).</summary>
    public static List<StoredObject> Leftovers(Stale stale)
    {
        var provider = StorageProviders.For(stale.Destination);
        var left = new List<StoredObject>();
        foreach (var e in stale.Content.Keys)
        {
            ObjectStat? stat;
            try { stat = provider.Stat(stale.Destination, e.Key); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or LaminException) { continue; }
            if (stat is { IsFolder: false } && stat.Size == e.Size) left.Add(new StoredObject(e.Key, e.Size));
        }
        return left;
    }

    /// <summary>How a stale journal is described (Test-LaminStorage, Clear-LaminStorage -Orphaned).</summary>
    public static string Describe(Stale stale) =>
        $"copied to {stale.Destination.Root} by a Move-LaminStorage of {stale.Content.Source} that was refused or stopped" +
        (stale.Writer is { } w ? $" (process {w.Pid} on {w.Host})" : "");

    /// <summary>
    /// Removes a stale journal's copies at its destination: each listed key still holding the listed size that
    /// the gate lets go (no live artifact of any location holds it, no root, no control file) and that holds the same
    /// bytes as the source's object at that key (an object written there later is never taken for a copy), except
    /// those <paramref name="keep"/> says a resumed move of the same location reuses (verified by hash); then the journal at the
    /// destination and the pointer at the source. A kept key leaves the journals in place (reported again).
    /// </summary>
    public static void Clean(LaminContext context, Stale stale, Func<StoredObject, bool>? keep, Action<string> warn)
    {
        var dst = StorageProviders.For(stale.Destination);
        var scope = new GateScope("Move-LaminStorage");
        var left = Leftovers(stale).Where(o => keep is null || !keep(o)).ToList();
        bool allGone = true;
        // Only the move's own copies go: the bytes the move recorded it wrote, or (a copy it did not get to record)
        // the source's bytes at that key. Anything else at a listed key (written there after the move stopped) stays,
        // whatever its size.
        var recorded = ReadCopies(dst, stale.Destination, stale.JournalKey + CopiedSuffix);
        foreach (var o in left.ToList().Where(o => !IsTheMovesCopy(stale, recorded, o)))
        {
            left.Remove(o);
            allGone = false;
            warn($"kept {dst.PathOf(stale.Destination, o.Key)}: its bytes are neither those the stopped move wrote there nor those at " +
                 $"{StorageProviders.For(stale.Source).PathOf(stale.Source, o.Key)}, so it was written by someone else. Remove it yourself if it is not wanted, then run Clear-LaminStorage -Orphaned again.");
        }
        using (Lease.Acquire(stale.Destination, context.User, "Move-LaminStorage"))
        {
            var permits = context.Registry.Read(s => left.Select(o =>
            {
                var permit = Gate.TryCheck(s, stale.Destination, o.Key, false, scope, out var refusal);
                return (o.Key, Permit: permit, Why: refusal?.Message);
            }).ToList());
            foreach (var (key, permit, why) in permits)
            {
                if (permit is null) { allGone = false; warn($"kept {dst.PathOf(stale.Destination, key)}: {why}"); continue; }
                try
                {
                    Gate.Delete(permit);
                    if (stale.Destination.IsLocal) LocalStorageProvider.PruneEmptyParents(stale.Destination, key);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException)
                {
                    allGone = false;
                    warn($"kept {dst.PathOf(stale.Destination, key)}: {e.Message}");
                }
            }
        }
        if (!allGone) return;
        // A move stopped between writing the destination's marker and switching the record left that marker too.
        context.Registry.Read(s => Gate.RetireStrayMarker(s, stale.Destination, stale.Content.StorageUid, scope));
        Gate.RetireMoveJournal(stale.Destination, stale.JournalKey + CopiedSuffix);
        Gate.RetireMoveJournal(stale.Destination, stale.JournalKey + RemovalSuffix); // a -RemoveSource that never switched
        Gate.RetireMoveJournal(stale.Destination, stale.JournalKey);
        Gate.RetireMoveJournal(stale.Source, stale.JournalKey);
    }

    /// <summary>
    /// True when the object at a listed key is the move's copy: it hashes as the move recorded it wrote it, or (not
    /// recorded: the move was killed while copying) it holds the same bytes as the source's object at that key (full md5 of both).
    /// </summary>
    private static bool IsTheMovesCopy(Stale stale, IReadOnlyDictionary<string, Copied> recorded, StoredObject there)
    {
        var src = StorageProviders.For(stale.Source);
        var dst = StorageProviders.For(stale.Destination);
        try
        {
            if (recorded.TryGetValue(there.Key, out var copy))
            {
                if (copy.Size != there.Size) return false;
                var now = Hashing.ObjectHashes.LaminAndMd5(dst, stale.Destination, there.Key, there.Size, CancellationToken.None).Lamin;
                return now.Hash == copy.Hash && now.HashType == copy.HashType;
            }
            if (src.Stat(stale.Source, there.Key) is not { IsFolder: false } stat || stat.Size != there.Size) return false;
            var theirs = Hashing.ObjectHashes.LaminAndMd5(src, stale.Source, there.Key, there.Size, CancellationToken.None).Md5;
            return Hashing.ObjectHashes.LaminAndMd5(dst, stale.Destination, there.Key, there.Size, CancellationToken.None).Md5 == theirs;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException or InvalidDataException) { return false; }
    }

    /// <summary>
    /// Before a move: stale journals at <paramref name="destination"/> (found there, or through the source's
    /// pointers) are cleaned; of a journal of this same location, the copies <paramref name="reusable"/> verifies
    /// (the same bytes as the source's, rule 5) stay for this move to reuse.
    /// </summary>
    public static void CleanBeforeMove(LaminContext context, string storageUid, StorageRoot source, StorageRoot destination, Func<StoredObject, bool> reusable, Action<string> warn)
    {
        var stale = new Dictionary<string, Stale>(StringComparer.Ordinal);
        foreach (var x in FindStale(source).Where(x => x.Destination.Root == destination.Root)) stale[x.JournalKey] = x;
        // Journals at the destination itself (a move from another location, whose pointer is there).
        var dst = StorageProviders.For(destination);
        IReadOnlyList<StoredObject> there;
        try { there = dst.ListManagedObjects(destination); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException) { there = []; }
        foreach (var o in there.Where(o => IsJournalItself(o.Key) && !stale.ContainsKey(o.Key) && IsStale(o.Key)))
        {
            if (Read(dst, destination, o.Key) is not { } content || content.Destination != destination.Root) continue;
            StorageRoot from;
            try { from = StorageRoot.Parse(content.Source, "/"); }
            catch (LaminException) { continue; }
            var name = o.Key[(o.Key.IndexOf('/') + 1)..];
            stale[o.Key] = new Stale(from, destination, o.Key, content, Util.ProcessIdentity.FromTemporaryName(name, Prefix));
        }
        foreach (var x in stale.Values)
            Clean(context, x, x.Content.StorageUid == storageUid ? reusable : null, warn);
    }

    private static Dictionary<string, Copied> ReadCopies(IStorageProvider provider, StorageRoot root, string key)
    {
        try
        {
            using var s = provider.OpenRead(root, key);
            using var m = new MemoryStream();
            s.CopyTo(m);
            return (JsonSerializer.Deserialize<List<Copied>>(m.ToArray()) ?? []).Where(c => c is not null).GroupBy(c => c.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException or JsonException or FileNotFoundException) { return new(StringComparer.Ordinal); }
    }

    private static Content? Read(IStorageProvider provider, StorageRoot root, string key)
    {
        try
        {
            using var s = provider.OpenRead(root, key);
            using var m = new MemoryStream();
            s.CopyTo(m);
            return JsonSerializer.Deserialize<Content>(Encoding.UTF8.GetString(m.ToArray()));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException or JsonException or FileNotFoundException) { return null; }
    }
}
