using Lamin.Core.Hashing;
using Lamin.Core.Query;
using View = Lamin.Core.Services.ArtifactService.View;

namespace Lamin.Core.Services;

/// <summary>Move-LaminArtifact: one artifact with its version family in the source location, moved to another location.</summary>
internal sealed class ArtifactMove(LaminContext context, StorageService storages)
{
    /// <summary>
    /// Moves an artifact, with its whole version family in the source location (trashed versions too,
    /// SPEC §10 rule 9), to another managed location in its space: copy every object (verifying size
    /// and hash), switch every record in one transaction, then remove each source object that no other
    /// live artifact includes (rule 1: otherwise it is kept, with a warning naming who holds it).
    /// A failure at any step leaves the family whole and readable where it was, and removes only what
    /// this move wrote at the target.
    /// </summary>
    public LaminArtifact Move(string identity, string targetStorage, Action<string> warn, ITransferProgress? progress, CancellationToken cancel)
    {
        var (a, source, target, family) = context.Registry.Read(s =>
        {
            var view = new View(s, context, storages);
            var art = ArtifactQueries.ResolveForChange(view, identity);
            var src = view.Storages[art.StorageId];
            var dst = ArtifactQueries.ResolveStorage(context, view, targetStorage);
            if (dst.Id == src.Id || dst.Root == src.Root)
                throw new LaminException(ErrorIds.InvalidArgument, $"{art.Uid} is already in {dst.Root}. Cannot move to the same path.", targetStorage);
            if (!src.IsManaged)
                throw new LaminException(ErrorIds.StorageReadOnly, $"Cannot move an artifact in a storage location that is not managed by the current instance ({src.Root}).", identity);
            if (!dst.IsManaged)
                throw new LaminException(ErrorIds.StorageReadOnly, $"Cannot move an artifact to a storage location that is not managed by the current instance ({dst.Root}).", targetStorage);
            if (dst.SpaceId != art.SpaceId)
                throw new LaminException(ErrorIds.NotInSpace,
                    $"Cannot change the storage of an artifact to a storage location that is not in the same space ('{dst.Space}' vs '{art.Space}').", targetStorage);
            view.Access.Require(dst.SpaceId, SpaceRole.Write, targetStorage, $"add artifacts to {dst.Root}");
            // SPEC §10 rule 3: a local root registered here but not present on this machine is another machine's folder.
            if (src.Type == "local" && !StorageService.IsPresentHere(src))
                throw new LaminException(ErrorIds.StorageNotPresent,
                    $"The storage location {src.Root} is not present on this machine (its marker is missing or holds another uid); run the move where it is present.", identity);
            if (dst.Type == "local" && !StorageService.IsPresentHere(dst))
                throw new LaminException(ErrorIds.StorageNotPresent,
                    $"The storage location {dst.Root} is not present on this machine (its marker is missing or holds another uid); nothing was moved.", targetStorage);
            var fam = VersionFamilies.FamilyIn(s, art.Stem, src.Id).OrderBy(v => v.Version).ToList();
            foreach (var v in fam)
            {
                ArtifactKeys.RequireUsable(v); // rule 13: a crafted key is never copied to or deleted from
                view.Access.Require(v.SpaceId, SpaceRole.Write, identity, $"change artifact {v.Uid}");
                if (v.IsLocked)
                    throw new LaminException(ErrorIds.RecordLocked,
                        $"Version {v.Uid} of {art.Uid} is locked, and all versions of a key move together; unlock it first with Set-LaminArtifact -Identity {v.Uid} -Unlock. Nothing was moved.", identity);
            }
            CheckMoveTarget(view, fam, dst, targetStorage);
            return (view.Decorate(art), src, dst, fam);
        });
        var srcRoot = StorageRoot.Parse(source.Root, "/");
        var dstRoot = StorageRoot.Parse(target.Root, "/");
        var srcProvider = StorageProviders.For(srcRoot);
        var dstProvider = StorageProviders.For(dstRoot);
        var ids = family.Select(v => v.Id).ToHashSet();
        // One object per storage key, checked against the newest version that uses it.
        var objects = VersionFamilies.Objects(family);
        if (family.Count > 1)
            warn($"moving all {family.Count} versions of {a.Stem} (key '{a.Key}') together: versions of a key belong to one location");
        // SPEC §11: every object key (and folder member) storable at the target and no two one file there, before anything is copied.
        LocationRules.RequireStorable(dstRoot, objects.SelectMany(o => o.NFiles is null ? [o.StorageKey()] : srcProvider.List(srcRoot, o.StorageKey()).Select(m => m.Key)));
        foreach (var o in objects)
        {
            var key = o.StorageKey();
            if (dstProvider.Stat(dstRoot, key) is not null)
                throw new LaminException(ErrorIds.DestinationExists,
                    $"'{ArtifactService.PathOf(dstRoot, key)}' already exists in {target.Root}; nothing was moved or overwritten.", targetStorage);
        }

        var written = new List<string>(); // keys this move created at the target: the only ones it may remove there
        // Issue 25: each source file as it is before the copy reads it; its delete below happens only while it still is.
        var versions = objects.Where(o => o.NFiles is null).ToDictionary(o => o.StorageKey(), o => srcProvider.Version(srcRoot, o.StorageKey()), StringComparer.Ordinal);
        var writers = new List<IObjectWriter>();
        // A folder's members as the copy read them (its delete below takes each only while it still is).
        var memberVersions = new Dictionary<string, ObjectVersion>(StringComparer.Ordinal);
        LaminArtifact moved;
        // Issue 25: announced at the target before the first copy, until the records switched: orphan clearing keeps the copies.
        using var announcement = WriterAnnouncements.Enter(dstRoot, "Move-LaminArtifact", context.User);
        try
        {
            foreach (var o in objects) { writers.Add(CopyForMove(o, srcProvider, srcRoot, dstProvider, dstRoot, source, progress, cancel, memberVersions)); written.Add(o.StorageKey()); }
            if (dstRoot.IsLocal) Durable.Barrier([], [dstRoot.Root]); // rule 10: the copies durable before the switch
            Util.TestHooks.Pause("move-artifact-commit"); // tests relocate a location here (rule 14)
            // Issue 25: each copy still there as written (one HEAD each) before the records point to it; else nothing moves.
            try
            {
                foreach (var w in writers) w.Verify();
                foreach (var o in objects.Where(o => dstRoot.IsLocal && dstProvider.Stat(dstRoot, o.StorageKey()) is null))
                    throw new LaminException(ErrorIds.PathNotFound, $"The copy '{ArtifactService.PathOf(dstRoot, o.StorageKey())}' is gone before the move's commit (deleted by another command or by hand).", ArtifactService.PathOf(dstRoot, o.StorageKey()));
            }
            catch (LaminException e) when (e.ErrorId is ErrorIds.PathNotFound or ErrorIds.FileChanged)
            {
                throw new LaminException(e.ErrorId, $"{e.Message} Nothing moved: {a.Uid} stays in {source.Root}; run Move-LaminArtifact again.", e.Target, e);
            }
            moved = context.Registry.Write(s =>
            {
                var view = new View(s, context, storages);
                var current = VersionFamilies.FamilyIn(s, a.Stem, source.Id);
                foreach (var v in family)
                {
                    var now = current.FirstOrDefault(c => c.Id == v.Id)
                        ?? throw new LaminException(ErrorIds.FileChanged, $"Version {v.Uid} was removed or moved meanwhile; the copies were discarded and nothing moved.", a.Uid);
                    if (now.Hash != v.Hash || now.IsLocked)
                        throw new LaminException(ErrorIds.FileChanged, $"Version {v.Uid} changed meanwhile; the copies were discarded and nothing moved.", a.Uid);
                }
                if (current.Count != family.Count)
                    throw new LaminException(ErrorIds.FileChanged, $"A version of {a.Stem} was added meanwhile; the copies were discarded and nothing moved. Run the move again.", a.Uid);
                if (!view.Storages.TryGetValue(target.Id, out var dst))
                    throw new LaminException(ErrorIds.RecordNotFound, $"The target location was removed meanwhile; the copies were discarded and nothing moved.", targetStorage);
                // SPEC §10 rule 14: the records switch only to the root and generation the copies went into, and only from
                // the root and generation they were read from; else the copies go and the source stays (nothing deleted).
                if (IngestCommit.Fence(target, dst, $"the copies of {a.Uid} at {target.Root} were discarded and nothing moved; run Move-LaminArtifact again", identity) is { } targetMoved)
                    throw targetMoved;
                if (view.Storages.TryGetValue(source.Id, out var srcNow)
                    && IngestCommit.Fence(source, srcNow, $"{a.Uid} was copied from {source.Root}; the copies were discarded and nothing moved; run Move-LaminArtifact again", identity) is { } sourceMoved)
                    throw sourceMoved;
                CheckMoveTarget(view, current, dst, targetStorage);
                VersionFamilies.MoveTo(s, current, target, a.Stem, Util.Clock.UtcNow); // exactly one latest version of the family
                return view.Decorate(s.Artifacts.FindById(a.Id));
            });
        }
        catch
        {
            DiscardMoveCopies(written, objects, dstRoot);
            throw;
        }
        finally
        {
            foreach (var w in writers) w.Dispose(); // committed: nothing to undo; the copies above are removed through the gate
        }


        // SPEC §10 rules 1 and 12: a source object another live artifact includes (a folder around it, files registered
        // inside it, a nested location's) stays; the gate says which, with the family's own records retiring.
        var sourceScope = new GateScope("Move-LaminArtifact") { Retiring = ids };
        var permits = context.Registry.Read(s =>
        {
            var access = new AccessPolicy(s, context.User);
            return objects.ToDictionary(o => o.StorageKey(), o =>
            {
                var users = Describe(access, ObjectUsage.Users(s, source, o.StorageKey(), o.NFiles is not null, ids));
                if (users is not null) return (Permit: (Gate.Permit?)null, Why: $"{users} include(s) those bytes");
                var permit = Gate.TryCheck(s, srcRoot, o.StorageKey(), o.NFiles is not null, sourceScope, out var refusal);
                return (Permit: permit, Why: refusal?.Message);
            });
        });
        foreach (var o in objects)
        {
            var key = o.StorageKey();
            if (permits[key].Permit is not { } permit) warn($"the source {ArtifactService.PathOf(srcRoot, key)} is kept: {permits[key].Why}");
            else
            {
                if (o.NFiles is null && versions.GetValueOrDefault(key) is not { } version)
                {
                    warn($"the source {ArtifactService.PathOf(srcRoot, key)} is kept: it was not there when the move read it, so it is not what the move copied");
                    continue;
                }
                if (o.NFiles is not null)
                {
                    DeleteFolderAsCopied(a, srcRoot, permit, memberVersions, warn);
                    continue;
                }
                // A file goes only while it is what the copy read (issue 25: S3 If-Match, GCS ifGenerationMatch, local re-check).
                try { Gate.Delete(permit.Expecting(versions[key])); }
                catch (LaminException e) when (e.ErrorId == ErrorIds.FileChanged)
                {
                    warn($"{ErrorIds.FileChanged}: {a.Uid} was moved, but {e.Message}");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    warn($"{a.Uid} was moved, but the source {ArtifactService.PathOf(srcRoot, key)} could not be deleted: {e.Message} It is no longer registered; delete it by hand.");
                }
            }
        }
        return moved;
    }

    /// <summary>
    /// The target must not hold the family's key in another family (versions belong to (key, storage):
    /// two families would compete for "latest"), nor bytes of a live artifact where the objects would land.
    /// </summary>
    private static void CheckMoveTarget(View view, IReadOnlyCollection<LaminArtifact> family, LaminStorage dst, string targetStorage)
    {
        var s = view.RequireSession();
        if (VersionFamilies.KeyTakenAt(s, family, dst.Id) is { } taken)
            throw new LaminException(ErrorIds.DestinationExists,
                $"{dst.Root} already holds the key '{taken.Key}' ({Describe(view.Access, taken.Rows)}), another version family; versions of a key belong to one location. " +
                "Remove or move that family first, or choose another location. Nothing was moved.", targetStorage);
        var ids = family.Select(v => v.Id).ToHashSet();
        foreach (var o in VersionFamilies.Objects(family))
        {
            var users = ObjectUsage.Users(s, dst, o.StorageKey(), o.NFiles is not null, ids);
            if (users.Count > 0)
                throw new LaminException(ErrorIds.DestinationExists,
                    $"'{o.StorageKey()}' in {dst.Root} would overlap the data of {Describe(view.Access, users)}; nothing was moved.", targetStorage);
        }
    }

    /// <summary>Artifacts for a message: the ones the user may see by uid and key, the others only counted.</summary>
    private static string? Describe(AccessPolicy access, IReadOnlyCollection<LaminArtifact> users)
    {
        if (users.Count == 0) return null;
        var visible = users.Where(u => access.CanSee(u.SpaceId)).ToList();
        int hidden = users.Count - visible.Count;
        var text = visible.Count > 0 ? ObjectUsage.Describe(visible) : "";
        if (hidden > 0) text += (text.Length > 0 ? " and " : "") + $"{hidden} artifact(s) in a space you can't see";
        return text;
    }

    /// <summary>A refused or failed Move-LaminArtifact removes the copies it made at the target (objects it created at free keys).</summary>
    private static void DiscardMoveCopies(IEnumerable<string> written, IReadOnlyList<LaminArtifact> objects, StorageRoot dstRoot)
    {
        var moveScope = new GateScope("Move-LaminArtifact");
        foreach (var key in written)
            try { Gate.Delete(Gate.OwnObject(dstRoot, key, objects.First(o => o.StorageKey() == key).NFiles is not null, moveScope)); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException) { }
    }

    /// <summary>Copies one object (file or folder) of a moving family to the same key at the target and verifies it; returns its committed writer (the caller verifies it again before the switch, then disposes it).</summary>
    /// <summary>
    /// Issue 25: a moved folder's source members go one by one, each only while it is what the copy read (a member
    /// rewritten since is kept, with a FileChanged warning; a file added since is not a member and stays); then its
    /// emptied folders (locally).
    /// </summary>
    private static void DeleteFolderAsCopied(LaminArtifact a, StorageRoot srcRoot, Gate.Permit folder, IReadOnlyDictionary<string, ObjectVersion> memberVersions, Action<string> warn)
    {
        var members = memberVersions.Where(m => m.Key.StartsWith(folder.Key + "/", StringComparison.Ordinal)).ToList();
        foreach (var (memberKey, version) in members)
        {
            try { Gate.Delete(folder.Member(memberKey).Expecting(version)); }
            catch (LaminException e) when (e.ErrorId == ErrorIds.FileChanged) { warn($"{ErrorIds.FileChanged}: {a.Uid} was moved, but {e.Message}"); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                warn($"{a.Uid} was moved, but the source {ArtifactService.PathOf(srcRoot, memberKey)} could not be deleted: {e.Message} It is no longer registered; delete it by hand.");
            }
        }
        if (!srcRoot.IsLocal) return;
        // Emptied folders, deepest first, up to the folder itself (a folder that still holds anything stays).
        var folders = new HashSet<string>(StringComparer.Ordinal) { folder.Key };
        foreach (var (memberKey, _) in members)
            for (var k = memberKey[..memberKey.LastIndexOf('/')]; k.Length > folder.Key.Length; k = k[..k.LastIndexOf('/')]) folders.Add(k);
        foreach (var k in folders.OrderByDescending(k => k.Length)) Gate.DeleteEmptyFolder(LocalPaths.ResolveUnder(srcRoot.Root, k));
    }

    private static IObjectWriter CopyForMove(LaminArtifact o, IStorageProvider srcProvider, StorageRoot srcRoot, IStorageProvider dstProvider, StorageRoot dstRoot,
        LaminStorage source, ITransferProgress? progress, CancellationToken cancel, IDictionary<string, ObjectVersion> memberVersions)
    {
        var key = o.StorageKey();
        bool folder = o.NFiles is not null;
        var writer = dstProvider.CreateWriter(dstRoot, folder, key, cancel);
        try
        {
        var memberHashes = new List<HashResult>();
        long bytes = 0;
        // A file key is that object alone (S3 may also hold objects below it); a folder is what lies below it.
        var members = srcProvider.List(srcRoot, key).Where(m => folder ? m.Key.StartsWith(key + "/", StringComparison.Ordinal) : m.Key == key);
        // Two roots of one store (one S3 endpoint, GCS): the store copies, no byte passes through here (issue 15).
        var serverSide = writer is IServerSideCopy copier && copier.CanCopyFrom(srcRoot) ? copier : null;
        HashResult? expected = !folder && o.Hash is not null && o.HashType is LaminHash.Md5 or LaminHash.Sha1FirstLast ? new HashResult(o.Hash, o.HashType!) : null;
        foreach (var m in members)
        {
            var member = folder ? m.Key[(key.Length + 1)..] : "";
            // Issue 25: a member as it is before the copy reads it (the folder's hash check below proves what was read).
            if (folder && srcProvider.Version(srcRoot, m.Key) is { } version) memberVersions[m.Key] = version;
            progress?.FileStarted(m.Key, m.Size);
            if (serverSide is not null)
            {
                cancel.ThrowIfCancellationRequested();
                memberHashes.Add(serverSide.CopyMemberFrom(member, srcRoot, m.Key, m.Size, expected));
                progress?.Bytes(m.Size);
            }
            else
            {
                using var src = srcProvider.OpenRead(srcRoot, m.Key);
                using var dst = writer.OpenMember(member, m.Size);
                memberHashes.Add(DataCopier.CopyAndHash(src, m.Size, dst, m.Key, progress, cancel));
            }
            progress?.FileDone();
            bytes += m.Size;
        }
        HashResult? hash = folder ? LaminHash.HashFolder(memberHashes.Select(h => h.Hash)) : memberHashes.Count == 1 ? memberHashes[0] : null;
        // Sizes always; hashes where the algorithm is the recorded one (an ETag md5 or md5-<n> of a large
        // in-place object is not what a copy computes).
        if (hash is null || bytes != o.Size || (o.Hash is not null && o.HashType == hash.Value.HashType && hash.Value.Hash != o.Hash))
            throw new LaminException(ErrorIds.HashMismatch,
                $"The copy of {o.Uid} does not match its record (size {bytes} vs {o.Size}, hash {hash?.Hash} vs {o.Hash}); nothing moved, the artifact stays in {source.Root}.", o.Uid);
        writer.Commit(key, replace: false);
        return writer;
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }
}
