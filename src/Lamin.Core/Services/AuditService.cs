using System.Diagnostics;
using Lamin.Core.Hashing;

namespace Lamin.Core.Services;

/// <summary>
/// The operator's checks (beyond LaminDB): health of locations, usage against the registry, integrity
/// of artifacts (rclone-check style) and orphans under .lamindb/. Reads only, except ClearOrphans.
/// </summary>
public sealed class AuditService(LaminContext context)
{
    private readonly StorageService _storages = new(context);

    /// <summary>
    /// The registry's view of some locations: the records and every artifact in them (trashed too), and,
    /// per root, every artifact of every record with that root, whoever may see it (SPEC §10 rule 4: one
    /// root registered for two hosts is one place on disk).
    /// </summary>
    private sealed record Scope(List<LaminStorage> Storages, ILookup<int, LaminArtifact> Artifacts, AccessPolicy Access, string? RegistryPath,
        ILookup<string, LaminArtifact> ByRoot);

    private Scope Load(string? storageIdentity, string? artifactIdentity = null) => context.Registry.Read(s =>
    {
        var access = new AccessPolicy(s, context.User);
        var all = s.Storages.FindAll().Where(x => access.CanSee(x.SpaceId)).Select(x => _storages.Decorate(x, access)).ToList();
        List<LaminArtifact> artifacts;
        ILookup<string, LaminArtifact> byRoot;
        if (artifactIdentity is not null)
        {
            var one = ArtifactService.Resolve(new ArtifactService.View(s, context, _storages), artifactIdentity);
            artifacts = [s.Artifacts.FindById(one.Id)];
            all = all.Where(x => x.Id == one.StorageId).ToList();
            byRoot = Array.Empty<LaminArtifact>().ToLookup(a => "");
        }
        else
        {
            if (storageIdentity is not null)
            {
                var target = StorageService.ResolveRootOrIdentity(all, storageIdentity, context.CurrentDirectory);
                all = [target];
            }
            var ids = all.Select(x => x.Id).ToHashSet();
            var roots = all.Select(x => x.Root).ToHashSet(StringComparer.Ordinal);
            var rootOf = s.Storages.FindAll().Where(x => roots.Contains(x.Root)).ToDictionary(x => x.Id, x => x.Root);
            var sameRoot = s.Artifacts.FindAll().Where(a => rootOf.ContainsKey(a.StorageId)).ToList();
            artifacts = sameRoot.Where(a => ids.Contains(a.StorageId)).ToList();
            byRoot = sameRoot.ToLookup(a => rootOf[a.StorageId], StringComparer.Ordinal);
        }
        return new Scope(all, artifacts.ToLookup(a => a.StorageId), access, s.RegistryPath, byRoot);
    });

    // ================================================================ what belongs where

    /// <summary>Which artifact (if any) an object belongs to: its own key, or a member of a folder artifact.</summary>
    /// <param name="rules">The location's file system: on NTFS "Data/x.csv" is the object of the artifact "data/x.csv" (SPEC §11).</param>
    private static Dictionary<string, LaminArtifact> KeysOf(IEnumerable<LaminArtifact> artifacts, FileSystemRules rules)
    {
        var keys = new Dictionary<string, LaminArtifact>(rules.Comparer);
        foreach (var a in artifacts) keys.TryAdd(a.StorageKey(), a);
        return keys;
    }

    private static LaminArtifact? Owner(Dictionary<string, LaminArtifact> keys, string objectKey)
    {
        if (keys.TryGetValue(objectKey, out var a)) return a;
        for (int i = objectKey.LastIndexOf('/'); i > 0; i = objectKey.LastIndexOf('/', i - 1))
            if (keys.TryGetValue(objectKey[..i], out var folder) && folder.NFiles is not null) return folder;
        return null;
    }

    /// <summary>
    /// How long a write in progress may take: a temporary of a live process younger than this, and an
    /// unfinished multipart upload started less than this ago (S3 can't tell who runs it), count as
    /// transfers still running and are never cleared, whatever -OlderThan says.
    /// </summary>
    public static readonly TimeSpan LiveTransferHorizon = TimeSpan.FromDays(1);

    /// <summary>Why an unregistered object under .lamindb/ is there, and whether a live transfer still owns it.</summary>
    internal static (string Reason, bool Live) Explain(StoredObject o)
    {
        var name = o.Key.Split('/')[1];
        if (!name.StartsWith(LocalStorageProvider.TempPrefix, StringComparison.Ordinal))
            return ("not registered: no artifact points to it", false);
        if (name.EndsWith(LocalStorageProvider.AsideSuffix, StringComparison.Ordinal)) name = name[..^LocalStorageProvider.AsideSuffix.Length];
        // The file-system probe's temporary (LocationRules): named like a writer's, after "case-".
        if (name.StartsWith(FileSystemProbe.TempPrefix + "case-", StringComparison.Ordinal))
            name = LocalStorageProvider.TempPrefix + name[(FileSystemProbe.TempPrefix.Length + 5)..];
        // SPEC §11: host, process id and start time name the writer, so a reused pid is not taken for it, and a
        // writer on another host (or one that can't be inspected) counts as running. Older names carry the pid alone.
        var writer = Util.ProcessIdentity.FromTemporaryName(name, LocalStorageProvider.TempPrefix);
        var rest = name[LocalStorageProvider.TempPrefix.Length..];
        var dash = rest.IndexOf('-');
        bool alive = writer is not null ? writer.IsAlive()
            : dash > 0 && int.TryParse(rest[..dash], out var pid) && Util.Processes.IsAlive(pid);
        if (alive && o.LastModified is { } t && DateTime.UtcNow - t < LiveTransferHorizon)
            return writer is null || writer.IsOnHost(Environment.MachineName)
                ? ($"temporary object of a transfer in progress (process {writer?.Pid ?? int.Parse(rest[..dash])} on this machine)", true)
                : ($"temporary object of a transfer in progress (process {writer.Pid} on {writer.Host})", true);
        return ("temporary object left by an interrupted transfer", false);
    }

    // ================================================================ Test-LaminArtifact

    public List<LaminArtifactCheck> TestArtifacts(string? storage, string? artifact, bool hash, CheckCounter? progress, CancellationToken cancel)
    {
        using var probes = ProbeMemo.Remember(context); // each stored root asked about once per command (issue 27)
        var scope = Load(storage, artifact);
        foreach (var st in scope.Storages) progress?.AddTotal(scope.Artifacts[st.Id].Count(), hash ? scope.Artifacts[st.Id].Sum(a => a.Size) : 0);
        var results = new List<LaminArtifactCheck>();
        foreach (var st in scope.Storages)
        {
            var root = StorageRoot.Parse(st.Root, "/");
            if (!root.IsLocal && !root.IsCloud) continue;
            var provider = StorageProviders.For(root);
            var artifacts = scope.Artifacts[st.Id].ToList();
            if (root.IsLocal) LocalStorageProvider.PendingReplaces(root, recover: true); // a version a killed replace left aside goes back first
            List<(StoredObject Object, HashResult? Hash)> managed;
            try { managed = provider.ListHashed(root, Marker.ManagedFolder).ToList(); }
            catch (Exception e) when (e is LaminException or IOException or UnauthorizedAccessException)
            {
                results.AddRange(artifacts.Select(a => Check(a, st, root, ArtifactCheckStatus.Error, $"the location can't be listed: {e.Message}")));
                progress?.Checked(0, artifacts.Count);
                continue;
            }
            var byKey = managed.ToDictionary(m => m.Object.Key, LocationRules.For(root).Comparer);
            var checks = new LaminArtifactCheck[artifacts.Count];
            // Hashing is CPU work on local files: use every core; results keep the registry order.
            Parallel.For(0, artifacts.Count, new ParallelOptions { MaxDegreeOfParallelism = hash ? Environment.ProcessorCount : 1, CancellationToken = cancel },
                i =>
                {
                    checks[i] = CheckOne(artifacts[i], st, root, provider, byKey, hash, cancel);
                    progress?.Checked(hash ? artifacts[i].Size : 0);
                });
            MarkSuperseded(artifacts, checks);
            results.AddRange(checks);
            if (artifact is null)
            {
                var keys = KeysOf(scope.ByRoot[st.Root], LocationRules.For(root));
                foreach (var (o, h) in managed)
                {
                    if (ControlObjects.Contains(root, o.Key, scope.RegistryPath) || Owner(keys, o.Key) is not null) continue;
                    var (reason, _) = Explain(o);
                    results.Add(new LaminArtifactCheck
                    {
                        Status = ArtifactCheckStatus.Unregistered, Storage = st.Root, FullName = provider.PathOf(root, o.Key), ActualSize = o.Size,
                        ActualHash = h?.Hash, HashType = h?.HashType, Reason = reason,
                    });
                }
            }
        }
        return results;
    }

    /// <summary>
    /// SPEC §10 rule 1: a version whose bytes a newer version of the same family replaced by design (a real
    /// key reused, or a folder version written over its predecessor, as LaminDB does) is Superseded, not Differ.
    /// </summary>
    private void MarkSuperseded(List<LaminArtifact> artifacts, LaminArtifactCheck[] checks)
    {
        var differ = Enumerable.Range(0, checks.Length).Where(i => checks[i].Status == ArtifactCheckStatus.Differ).ToList();
        if (differ.Count == 0) return;
        context.Registry.Read(s =>
        {
            foreach (var i in differ)
            {
                var a = artifacts[i];
                var key = a.StorageKey();
                var newer = s.ArtifactsByUidPrefix(a.Stem)
                    .Where(x => x.Uid.StartsWith(a.Stem, StringComparison.Ordinal) && x.StorageId == a.StorageId && x.Version > a.Version && x.StorageKey() == key)
                    .MaxBy(x => x.Version);
                if (newer is null) continue;
                checks[i].Status = ArtifactCheckStatus.Superseded;
                checks[i].Reason = $"replaced by version {newer.Version} ({newer.Uid}) at the same path, by design; {checks[i].Reason}";
            }
            return 0;
        });
    }

    private static LaminArtifactCheck Check(LaminArtifact a, LaminStorage st, StorageRoot root, ArtifactCheckStatus status, string reason) => new()
    {
        Status = status, Uid = a.Uid, Key = a.Key, Storage = st.Root, FullName = ArtifactService.PathOf(root, a.StorageKey()),
        ExpectedSize = a.Size, HashType = a.HashType, ExpectedHash = a.Hash, Reason = reason,
    };

    private static LaminArtifactCheck CheckOne(LaminArtifact a, LaminStorage st, StorageRoot root, IStorageProvider provider,
        Dictionary<string, (StoredObject Object, HashResult? Hash)> managed, bool hash, CancellationToken cancel)
    {
        var check = Check(a, st, root, ArtifactCheckStatus.Match, "");
        try
        {
            ArtifactKeys.RequireUsable(a); // SPEC §10 rule 13: a crafted row is reported (Error, InvalidKey), never read as a path
            var key = a.StorageKey();
            // Objects under .lamindb/ come from the one listing; in-place keys are listed on their own.
            List<(StoredObject Object, HashResult? Hash)> objects = key.StartsWith(ArtifactKeys.AutoPrefix, StringComparison.Ordinal)
                ? (a.NFiles is null
                    ? (managed.TryGetValue(key, out var one) ? [one] : [])
                    : managed.Where(m => m.Key.StartsWith(key + "/", StringComparison.Ordinal)).Select(m => m.Value).ToList())
                : provider.ListHashed(root, key).Where(o => a.NFiles is not null ? o.Object.Key != key : o.Object.Key == key).ToList();
            if (objects.Count == 0 && !(a.NFiles == 0))
            {
                check.Status = ArtifactCheckStatus.Missing;
                check.Reason = "no object at " + check.FullName;
                return check;
            }
            check.ActualSize = objects.Sum(o => o.Object.Size);
            if (check.ActualSize != a.Size || (a.NFiles is { } n && n != objects.Count))
            {
                check.Status = ArtifactCheckStatus.Differ;
                check.Reason = $"size {check.ActualSize} ({objects.Count} file(s)), recorded {a.Size}" + (a.NFiles is null ? "" : $" ({a.NFiles} file(s))");
                return check;
            }
            if (!hash || a.Hash is null)
            {
                check.Reason = hash ? "no recorded hash; size matches" : "size matches";
                return check;
            }
            var actual = Rehash(a, root, provider, objects, cancel);
            check.ActualHash = actual.Hash;
            if (actual.Hash != a.Hash)
            {
                check.Status = ArtifactCheckStatus.Differ;
                check.Reason = $"{a.HashType} hash {actual.Hash}, recorded {a.Hash}";
            }
            else check.Reason = $"{a.HashType} hash matches";
        }
        catch (Exception e) when (e is LaminException or IOException or UnauthorizedAccessException)
        {
            check.Status = ArtifactCheckStatus.Error;
            check.Reason = e.Message;
        }
        return check;
    }

    /// <summary>The hash with the recorded algorithm: object metadata where that is what was recorded, else the bytes.</summary>
    private static HashResult Rehash(LaminArtifact a, StorageRoot root, IStorageProvider provider, List<(StoredObject Object, HashResult? Hash)> objects, CancellationToken cancel)
    {
        HashResult One((StoredObject Object, HashResult? Hash) o, string? recordedType)
        {
            if (o.Hash is { } meta && meta.HashType == recordedType) return meta; // ETag / md5Hash: no download
            if (root.IsLocal) return DataCopier.HashFile(provider.PathOf(root, o.Object.Key), null, cancel);
            using var s = provider.OpenRead(root, o.Object.Key);
            return DataCopier.CopyAndHash(s, o.Object.Size, null, o.Object.Key, null, cancel);
        }
        if (a.NFiles is null) return One(objects[0], a.HashType);
        // Folder members were hashed as files (md5 or sha1-fl by size), or taken from metadata.
        var members = objects.Select(o => One(o, o.Hash?.HashType == LaminHash.Md5 || o.Object.Size <= LaminHash.ChunkSize ? LaminHash.Md5 : LaminHash.Sha1FirstLast).Hash);
        return LaminHash.HashFolder(members);
    }

    // ================================================================ orphans

    /// <summary>
    /// Objects under .lamindb/ that no artifact of any record with the same root accounts for (rule 4),
    /// excluding control files of any instance (<see cref="ProtectedObjects"/>), live transfers and what a live writer
    /// announced in the location may still commit (<see cref="WriterAnnouncements"/>: kept and told to <paramref name="inFlight"/>); on S3
    /// also unfinished multipart uploads under .lamindb/ started longer ago than -OlderThan and
    /// <see cref="LiveTransferHorizon"/>.
    /// </summary>
    /// <param name="inFlight">Told, per location, what was kept because a live writer may still commit it (issue 25).</param>
    public List<LaminOrphan> FindOrphans(string? storage, TimeSpan? olderThan, Action<string>? inFlight = null)
    {
        using var probes = ProbeMemo.Remember(context);
        // SPEC §7: a registry moved to a team instance clears no orphans (its storage is the team instance's now).
        context.RequireWritableRegistry();
        var scope = Load(storage);
        var orphans = new List<LaminOrphan>();
        // A root registered for two hosts is scanned once, through a record present here.
        foreach (var st in scope.Storages.Where(x => x.IsManaged && (x.Type != "local" || StorageService.IsPresentHere(x))).DistinctBy(x => x.Root))
        {
            var root = StorageRoot.Parse(st.Root, "/");
            var provider = StorageProviders.For(root);
            var keys = KeysOf(scope.ByRoot[st.Root], LocationRules.For(root));
            // A registered folder version a killed replace left aside goes back first; one that can't (yet) is never an orphan.
            var aside = root.IsLocal ? LocalStorageProvider.PendingReplaces(root, recover: true) : [];
            var listed = provider.ListManagedObjects(root);
            // Issue 25: the writers announced here, listed AFTER the objects (an object a live writer uploaded, always after
            // its announcement, is never seen without it). What was written since the earliest live one may still be committed.
            var announced = WriterAnnouncements.List(root);
            var live = announced.Where(x => x.Live).Select(x => x.Object).ToList();
            DateTime? since = live.Count == 0 ? null : live.Min(x => x.LastModified ?? DateTime.MinValue);
            int kept = 0;
            foreach (var o in listed)
            {
                if (aside.Any(k => o.Key == k + FolderReplace.IntentSuffix || o.Key.StartsWith(k + "/", StringComparison.Ordinal))) continue;
                if (ControlObjects.Contains(root, o.Key, scope.RegistryPath) || ProtectedObjects.Contains(o.Key, scope.RegistryPath, LocationRules.For(root)) || Owner(keys, o.Key) is not null) continue;
                var (reason, transfer) = Explain(o);
                if (transfer) continue;
                if (since is { } floor && (o.LastModified is not { } w || floor == DateTime.MinValue || w >= floor - WriterAnnouncements.ClockMargin)) { kept++; continue; }
                if (olderThan is { } age && o.LastModified is { } t && DateTime.UtcNow - t < age) continue;
                orphans.Add(new LaminOrphan { Storage = st.Root, Key = o.Key, FullName = provider.PathOf(root, o.Key), Size = o.Size, LastModified = o.LastModified, Reason = reason });
            }
            if (kept > 0)
                inFlight?.Invoke($"kept {kept} unregistered object(s) under .lamindb/ of {st.Root}: in flight, written since {WriterAnnouncements.Describe(root, live)} " +
                                 "announced it writes there; it may still register them. Run Clear-LaminStorage -Orphaned again once it finished.");
            // An announcement whose writer is gone (its process ended, or another host's older than the limit) is a leftover itself.
            foreach (var (o, _) in announced.Where(x => !x.Live))
            {
                if (olderThan is { } age && o.LastModified is { } t && DateTime.UtcNow - t < age) continue;
                orphans.Add(new LaminOrphan
                {
                    Storage = st.Root, Key = o.Key, FullName = provider.PathOf(root, o.Key), Size = o.Size, LastModified = o.LastModified,
                    Reason = "announcement of a writer that is gone (its process ended, or it is older than " + WriterAnnouncements.OtherHostLimit.TotalHours + " h on another host)",
                });
            }
            var minimum = olderThan is { } asked && asked > LiveTransferHorizon ? asked : LiveTransferHorizon;
            foreach (var u in provider.ListUnfinishedUploads(root, Marker.ManagedFolder) ?? [])
            {
                if (u.Initiated is not { } started || DateTime.UtcNow - started < minimum) continue; // may still be running
                orphans.Add(new LaminOrphan
                {
                    Storage = st.Root, Key = u.Key, FullName = provider.PathOf(root, u.Key), Size = u.Size, LastModified = u.Initiated, UploadId = u.UploadId,
                    Reason = $"unfinished multipart upload started {started:u} ({u.Parts} part(s)): a transfer that was interrupted",
                });
            }
            orphans.AddRange(MoveLeftovers(root, olderThan));
        }
        // SPEC §10 rule 17: spool files of a Set-Content whose process is gone, in this machine's LAMIN_HOME.
        foreach (var spool in DeadSpoolsByStorage(scope.Storages, storage is null))
        {
            if (olderThan is { } age && DateTime.UtcNow - spool.Spool.LastModifiedUtc < age) continue;
            orphans.Add(new LaminOrphan
            {
                Storage = spool.Storage?.Root ?? context.Home.Path, Key = Path.GetRelativePath(context.Home.Path, spool.Spool.Folder).Replace('\\', '/'),
                FullName = spool.Spool.Folder, Size = spool.Spool.Size, LastModified = spool.Spool.LastModifiedUtc, Reason = spool.Spool.Reason,
                SpoolFolder = spool.Spool.Folder,
            });
        }
        return orphans;
    }

    /// <summary>
    /// The dead drive spools (<see cref="DriveService.DeadSpools"/>) of these locations, and with
    /// <paramref name="others"/> also those of no location here (another instance's, a removed location's,
    /// the older unnamed layout), with a null storage.
    /// </summary>
    private List<(LaminStorage? Storage, DriveService.DeadSpool Spool)> DeadSpoolsByStorage(IReadOnlyList<LaminStorage> storages, bool others)
    {
        var byUid = storages.DistinctBy(x => x.Uid).ToDictionary(x => x.Uid, StringComparer.Ordinal);
        var found = new List<(LaminStorage?, DriveService.DeadSpool)>();
        foreach (var spool in DriveService.DeadSpools(context.Home.Path))
        {
            if (spool.StorageUid is not null && byUid.TryGetValue(spool.StorageUid, out var st)) found.Add((st, spool));
            else if (others) found.Add((null, spool));
        }
        return found;
    }

    /// <summary>
    /// Deletes orphans found by <see cref="FindOrphans"/> under the storage's lease, re-checking each in the
    /// registry first: an object any live artifact of a record with this root holds (rule 1, through
    /// <see cref="ObjectUsage"/>) or a control file (rule 4) is kept. Unfinished uploads are aborted.
    /// </summary>
    public void RemoveOrphans(IReadOnlyList<LaminOrphan> orphans, Action<string>? warn = null)
    {
        // Spool folders in LAMIN_HOME: removed only when their process is still found gone.
        DriveService.RemoveDeadSpools(context.Home.Path, orphans.Select(o => o.SpoolFolder).OfType<string>());
        RemoveMoveLeftovers(orphans.Select(o => o.MoveJournal).OfType<MoveJournal.Stale>(), warn ?? (_ => { }));
        foreach (var group in orphans.Where(o => o.SpoolFolder is null && o.MoveJournal is null).GroupBy(o => o.Storage))
        {
            var root = StorageRoot.Parse(group.Key, "/");
            using var lease = Lease.Acquire(root, context.User, "Clear-LaminStorage");
            var provider = StorageProviders.For(root);
            var scope = new GateScope("Clear-LaminStorage");
            var deletable = context.Registry.Read(s =>
            {
                s.RefuseIfMoved(); // SPEC §7: a moved registry clears no orphans (InstanceMoved)
                var record = s.Storages.FindAll().FirstOrDefault(x => x.Root == group.Key);
                if (record is null) return []; // the location was removed meanwhile: nothing of it is touched
                // SPEC §10 rules 4 and 12: each orphan through the gate (registered meanwhile, a control file, a nested or hidden location's: kept).
                return group.Where(o => !WriterAnnouncements.IsAnnouncementKey(o.Key))
                    .Select(o => (Orphan: o, Permit: o.UploadId is not null ? null : Gate.TryCheck(s, root, o.Key, false, scope, out _)))
                    .Where(x => x.Orphan.UploadId is not null || x.Permit is not null)
                    .ToList();
            });
            foreach (var (o, permit) in deletable)
            {
                if (o.UploadId is not null)
                {
                    provider.AbortUnfinishedUpload(root, new UnfinishedUpload(o.Key, o.UploadId, o.LastModified, o.Size, 0));
                    continue;
                }
                // Issue 25: only the object as listed goes (its size; locally also its last-write time and inode
                // re-read; S3 If-Match, GCS ifGenerationMatch on what the re-read found): one written since is kept.
                try { Gate.Delete(permit!.Expecting(new ObjectVersion(o.Size, Modified: root.IsLocal ? o.LastModified : null))); }
                catch (LaminException e) when (e.ErrorId == ErrorIds.FileChanged) { warn?.Invoke(e.Message); }
            }
            // Announcements of writers that are gone (checked again now: a live one is never removed).
            WriterAnnouncements.RemoveDead(root, group.Where(o => WriterAnnouncements.IsAnnouncementKey(o.Key)).Select(o => new StoredObject(o.Key, o.Size, o.LastModified)));
        }
    }

    /// <summary>
    /// SPEC §10 rule 17: what a refused or killed Move-LaminStorage from this location copied to its (unregistered)
    /// destination, found through the journal it left in this location's .lamindb/: one orphan per listed key still
    /// there, or the journal alone when none is.
    /// </summary>
    private static List<LaminOrphan> MoveLeftovers(StorageRoot root, TimeSpan? olderThan)
    {
        var orphans = new List<LaminOrphan>();
        foreach (var stale in MoveJournal.FindStale(root))
        {
            if (olderThan is { } age && stale.Written is { } t && DateTime.UtcNow - t < age) continue;
            var dst = StorageProviders.For(stale.Destination);
            var left = MoveJournal.Leftovers(stale);
            foreach (var o in left)
                orphans.Add(new LaminOrphan { Storage = stale.Destination.Root, Key = o.Key, FullName = dst.PathOf(stale.Destination, o.Key), Size = o.Size, LastModified = stale.Written, Reason = MoveJournal.Describe(stale), MoveJournal = stale });
            if (left.Count == 0)
                orphans.Add(new LaminOrphan { Storage = root.Root, Key = stale.JournalKey, FullName = StorageProviders.For(root).PathOf(root, stale.JournalKey), LastModified = stale.Written, Reason = $"journal of a Move-LaminStorage to {stale.Destination.Root} that was refused or stopped; nothing it copied is left", MoveJournal = stale });
        }
        return orphans;
    }

    /// <summary>Each stale move journal once: its listed copies no live artifact holds, then the journal (through the gate).</summary>
    private void RemoveMoveLeftovers(IEnumerable<MoveJournal.Stale> journals, Action<string> warn)
    {
        foreach (var stale in journals.DistinctBy(j => (j.Source.Root, j.JournalKey)))
        {
            if (!MoveJournal.IsStale(stale.JournalKey)) continue;
            MoveJournal.Clean(context, stale, keep: null, warn);
        }
    }

    /// <summary>SPEC §10 rule 17: a refused or killed Move-LaminStorage's copies at its destination, named through this location's journal.</summary>
    private static void ReportMoveLeftovers(StorageRoot root, List<string> problems)
    {
        foreach (var stale in MoveJournal.FindStale(root))
        {
            var left = MoveJournal.Leftovers(stale);
            problems.Add($"{left.Count} object(s), {left.Sum(o => o.Size)} bytes {MoveJournal.Describe(stale)} are left at {stale.Destination.Root} (journal {stale.JournalKey}); " +
                         $"Clear-LaminStorage -Orphaned, or the next Move-LaminStorage to {stale.Destination.Root}, removes them");
        }
    }

    /// <summary>
    /// Issue 25: a Move-LaminStorage -RemoveSource to this root that switched the record but did not empty the old root
    /// (killed, or a delete failed): its removal note is here, its process gone, and the old root's marker still names
    /// this location. Reported with the command that finishes it.
    /// </summary>
    private static void ReportPendingRemovals(StorageRoot root, string storageUid, List<string> problems)
    {
        foreach (var pending in MoveJournal.FindRemovals(root, storageUid, oldRoot: null, staleOnly: true))
        {
            var old = StorageProviders.For(pending.OldRoot);
            int left;
            try
            {
                if (old.ReadMarker(pending.OldRoot) is not { Exists: true } marker || marker.StorageUid != storageUid) continue; // emptied, only its note was left
                left = old.List(pending.OldRoot, "").Count(o => !ControlObjects.Contains(pending.OldRoot, o.Key, null));
            }
            catch (Exception e) when (e is LaminException or IOException or UnauthorizedAccessException) { left = -1; }
            problems.Add($"a Move-LaminStorage -RemoveSource from {pending.OldRoot.Root} to this root stopped before it removed the old root" +
                         (pending.Writer is { } w ? $" (process {w.Pid} on {w.Host})" : "") + ": " +
                         (left >= 0 ? $"{left} object(s) and its marker are still there" : "its objects, marker and lease may still be there") +
                         $" (note {pending.NoteKey}); run Move-LaminStorage -Identity '{pending.OldRoot.Root}' -Destination '{root.Root}' -RemoveSource to finish it");
        }
    }

    // ================================================================ health and usage

    public List<LaminStorageHealth> TestStorage(string? identity)
    {
        using var probes = ProbeMemo.Remember(context);
        var scope = Load(identity);
        var results = new List<LaminStorageHealth>();
        var spools = DeadSpoolsByStorage(scope.Storages, others: identity is null);
        var defaultUid = identity is null ? context.Registry.Read(s => s.InstanceDocument.DefaultStorageUid) : null;
        // Spools of no location here are reported with the default location (or the first one): reported somewhere, never dropped.
        var homeFor = scope.Storages.FirstOrDefault(x => x.Uid == defaultUid) ?? scope.Storages.FirstOrDefault();
        foreach (var st in scope.Storages)
        {
            var health = new LaminStorageHealth { Storage = st.Root, Uid = st.Uid, Type = st.Type, InstanceUid = st.InstanceUid, IsManaged = st.IsManaged, Region = st.Region };
            var problems = new List<string>();
            ReportRegistryProblems(st, scope.Artifacts[st.Id], problems);
            ReportSpools(spools.Where(x => x.Storage?.Id == st.Id || (x.Storage is null && st == homeFor)).Select(x => x.Spool).ToList(), problems);
            var root = StorageRoot.Parse(st.Root, "/");
            if (!root.IsLocal && !root.IsCloud) { health.Problems = new ProblemList(problems); health.Reachable = true; results.Add(health); continue; }
            var provider = StorageProviders.For(root);
            var watch = Stopwatch.StartNew();
            try
            {
                if (root.IsLocal && !Directory.Exists(root.Root)) throw new DirectoryNotFoundException($"the folder {root.Root} does not exist on this machine");
                var marker = provider.ReadMarker(root);
                health.LatencyMs = Math.Round(watch.Elapsed.TotalMilliseconds, 1);
                health.Reachable = true;
                health.MarkerUid = marker.StorageUid;
                health.MarkerMatches = marker.StorageUid == st.Uid;
                if (!marker.Exists) problems.Add("the marker .lamindb/storage_uid.txt is missing (deleted by hand?); it is not re-created automatically");
                else if (!health.MarkerMatches) problems.Add($"the marker names storage {marker.StorageUid}, not this record's {st.Uid} (replaced by hand, or another instance took the location)");
                if (st.IsManaged && health.MarkerMatches)
                {
                    // Writable: write the marker's own content back and read it again; no other object is created.
                    try
                    {
                        health.Writable = RoundTrip(provider, root, st.Uid);
                        if (health.Writable == false) problems.Add("the marker could not be written back unchanged");
                    }
                    catch (Exception e) when (e is UnauthorizedAccessException or IOException or LaminException)
                    {
                        health.Writable = false;
                        problems.Add($"not writable: {e.Message}");
                    }
                }
                if (root.Type == "s3")
                {
                    health.DetectedRegion = provider.DetectRegion(root);
                    health.RegionMatches = health.DetectedRegion == st.Region;
                    if (health.RegionMatches == false) problems.Add($"the bucket's region is {health.DetectedRegion}, the record says {st.Region ?? "none"}");
                }
                CheckUnfinishedUploads(provider, root, health, problems);
                ReportMoveLeftovers(root, problems);
                ReportPendingRemovals(root, st.Uid, problems);
            }
            catch (Exception e) when (e is LaminException or IOException or UnauthorizedAccessException)
            {
                health.LatencyMs = Math.Round(watch.Elapsed.TotalMilliseconds, 1);
                health.Reachable = e is UnauthorizedAccessException || e is LaminException { ErrorId: ErrorIds.MarkerInvalid or ErrorIds.StorageAccessDenied };
                problems.Add(e is LaminException { ErrorId: ErrorIds.MarkerInvalid } ? e.Message : $"not reachable: {e.Message}");
            }
            health.Problems = new ProblemList(problems);
            results.Add(health);
        }
        return results;
    }

    /// <summary>
    /// SPEC §10 rule 16: one latest, non-trashed version per key in a location. A registry written before the
    /// rule held (or by hand) may have two; each such key is a problem, named with its versions.
    /// </summary>
    private static void ReportRegistryProblems(LaminStorage st, IEnumerable<LaminArtifact> artifacts, List<string> problems)
    {
        foreach (var g in artifacts.Where(a => a.IsLatest && !a.IsTrashed && a.Key is not null).GroupBy(a => a.Key!, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            var uids = g.OrderBy(a => a.Id).Select(a => a.Uid).ToList();
            problems.Add($"the key '{g.Key}' has {uids.Count} latest versions ({string.Join(", ", uids)}), where a key has one: the drive and the next version " +
                         $"can't tell which is current. Keep one: trash the others (Remove-LaminArtifact {uids[0]}), or save them elsewhere first");
        }
    }

    /// <summary>SPEC §10 rule 17: drive spool files a killed Set-Content left in LAMIN_HOME.</summary>
    private static void ReportSpools(List<DriveService.DeadSpool> spools, List<string> problems)
    {
        if (spools.Count == 0) return;
        problems.Add($"{spools.Count} drive spool folder(s) hold {spools.Sum(x => x.Size)} bytes a Set-Content left when it was stopped (first: {spools[0].Folder}, " +
                     $"{spools[0].Reason}); Clear-LaminStorage -Orphaned, or the next Set-Content on the lamin: drive, removes them");
    }

    /// <summary>
    /// Unfinished multipart uploads under the root: each one started longer ago than
    /// <see cref="LiveTransferHorizon"/> is a transfer that was killed, holding billed parts nobody sees.
    /// </summary>
    private static void CheckUnfinishedUploads(IStorageProvider provider, StorageRoot root, LaminStorageHealth health, List<string> problems)
    {
        IReadOnlyList<UnfinishedUpload>? uploads;
        try { uploads = provider.ListUnfinishedUploads(root, ""); }
        catch (LaminException e)
        {
            problems.Add($"unfinished multipart uploads can't be listed: {e.Message}");
            return;
        }
        if (uploads is null) return;
        health.UnfinishedUploads = uploads.Count;
        var stale = uploads.Where(u => u.Initiated is { } t && DateTime.UtcNow - t >= LiveTransferHorizon).ToList();
        if (stale.Count == 0) return;
        var managed = stale.Count(u => u.Key.StartsWith(ArtifactKeys.AutoPrefix, StringComparison.Ordinal));
        problems.Add($"{stale.Count} unfinished multipart upload(s) older than {LiveTransferHorizon.TotalHours:0} h hold {stale.Sum(u => u.Size)} bytes of parts " +
                     $"(oldest: {provider.PathOf(root, stale[0].Key)}, started {stale[0].Initiated:u}); " +
                     (managed > 0 ? $"Clear-LaminStorage -Orphaned aborts the {managed} under .lamindb/" : "") +
                     (managed < stale.Count ? $"{(managed > 0 ? "; " : "")}{stale.Count - managed} outside .lamindb/ are not Lamin's to abort (abort them with the AWS CLI or a lifecycle rule)" : ""));
    }

    /// <summary>Re-writes the marker with exactly the bytes it has and checks they read back the same.</summary>
    private static bool RoundTrip(IStorageProvider provider, StorageRoot root, string uid)
    {
        using var before = new MemoryStream();
        using (var s = provider.OpenRead(root, Marker.RelativeKey)) s.CopyTo(before);
        var bytes = before.ToArray();
        using (var w = provider.CreateWriter(root, folder: false, null, CancellationToken.None))
        {
            using (var m = w.OpenMember("", bytes.Length)) { m.Write(bytes); m.Flush(); }
            w.Commit(Marker.RelativeKey, replace: true);
        }
        using var after = new MemoryStream();
        using (var s = provider.OpenRead(root, Marker.RelativeKey)) s.CopyTo(after);
        return after.ToArray().AsSpan().SequenceEqual(bytes) && provider.ReadMarker(root).StorageUid == uid;
    }

    public List<LaminStorageUsage> Usage(string? identity)
    {
        using var probes = ProbeMemo.Remember(context);
        var scope = Load(identity);
        var results = new List<LaminStorageUsage>();
        foreach (var st in scope.Storages)
        {
            var artifacts = scope.Artifacts[st.Id].ToList();
            var usage = new LaminStorageUsage
            {
                Storage = st.Root, Uid = st.Uid, RegisteredArtifacts = artifacts.Count, RegisteredBytes = artifacts.Sum(a => a.Size),
                ArtifactsBySuffix = artifacts.GroupBy(a => a.Suffix.Length == 0 ? "(none)" : a.Suffix).ToDictionary(g => g.Key, g => (long)g.Count()),
                ArtifactsBySpace = artifacts.GroupBy(a => scope.Access.SpaceName(a.SpaceId)).ToDictionary(g => g.Key, g => (long)g.Count()),
            };
            var root = StorageRoot.Parse(st.Root, "/");
            if (root.IsLocal || root.IsCloud)
            {
                var provider = StorageProviders.For(root);
                try
                {
                    if (provider.ListUnfinishedUploads(root, "") is { } uploads)
                    {
                        usage.UnfinishedUploads = uploads.Count;
                        usage.UnfinishedUploadBytes = uploads.Sum(u => u.Size);
                    }
                }
                catch (LaminException) { } // not allowed to list them: unknown (Test-LaminStorage says why)
                var keys = KeysOf(artifacts, LocationRules.For(root));
                var objects = provider.ListManagedObjects(root).Where(o => !ControlObjects.Contains(root, o.Key, scope.RegistryPath)).ToList();
                foreach (var a in artifacts.Where(a => !a.StorageKey().StartsWith(ArtifactKeys.AutoPrefix, StringComparison.Ordinal)))
                    objects.AddRange(provider.List(root, a.StorageKey()));
                usage.StoredObjects = objects.Count;
                usage.StoredBytes = objects.Sum(o => o.Size);
                var unregistered = objects.Where(o => Owner(keys, o.Key) is null).ToList();
                usage.Unregistered = unregistered.Count;
                usage.UnregisteredBytes = unregistered.Sum(o => o.Size);
                var stored = objects.GroupBy(o => Owner(keys, o.Key)?.StorageKey() ?? "").ToDictionary(g => g.Key, g => g.Sum(o => o.Size));
                foreach (var a in artifacts.DistinctBy(a => a.StorageKey()))
                {
                    if (!stored.TryGetValue(a.StorageKey(), out var bytes)) { if (a.NFiles != 0) usage.Missing++; }
                    else if (bytes != a.Size) usage.SizeMismatch++;
                }
            }
            results.Add(usage);
        }
        return results;
    }
}
