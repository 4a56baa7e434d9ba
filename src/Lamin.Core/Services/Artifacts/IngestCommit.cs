using Lamin.Core.Query;
using View = Lamin.Core.Services.ArtifactService.View;

namespace Lamin.Core.Services;

/// <summary>Add-LaminArtifact's last step: staged items published at their keys and registered, one transaction per batch (SPEC §10 rules 8, 10, 14, 15).</summary>
internal sealed class IngestCommit(LaminContext context, StorageService storages)
{
    private static readonly GateScope RolledBack = new("Add-LaminArtifact");

    /// <summary>
    /// Registers staged artifacts in one registry transaction: deduplication by hash, (storage, key,
    /// hash) uniqueness, versioning by key; each copied object is renamed to its final key before the
    /// transaction commits, so a registered artifact always has its complete file.
    /// <para>
    /// SPEC §10 rule 8: an item refused on its own (a locked previous version, access revoked, its
    /// location removed or no longer writable, its destination taken) is left out before anything of
    /// it is written; its copy is removed and the others are registered as if it had not been there.
    /// A failure of the transaction itself (a registry error) rolls back the whole batch, and every
    /// object published for it is removed again (all or nothing).
    /// </para>
    /// </summary>
    public List<CommitResult> Commit(IReadOnlyList<StagedArtifact> staged, Action<string> warn)
    {
        // One command's items: repeated outcomes summarised as Add-LaminArtifact does (issue 26 point 4), here for one
        // call (Set-Content on the drive writes one item: its warning is the item's own message).
        var notices = new IngestNotices();
        var results = CommitReporting(staged, notices.Add);
        foreach (var w in notices.Warnings()) warn(w);
        return results;
    }

    /// <summary>As <see cref="Commit(IReadOnlyList{StagedArtifact}, Action{string})"/>, each warned outcome handed to <paramref name="notice"/> (called on the committing thread).</summary>
    public List<CommitResult> CommitReporting(IReadOnlyList<StagedArtifact> staged, Action<IngestNotice> notice)
    {
        var published = new List<(StorageRoot Root, string Key)>();
        Util.TestHooks.Pause("add-artifact-commit"); // tests delete an upload, or clear orphans, here (issue 25)
        var gone = VerifyWritten(staged);
        try
        {
            return context.Registry.Write(s =>
            {
                var view = new View(s, context, storages);
                var batch = new BatchLookups(s, staged);
                var results = new List<CommitResult>(staged.Count);
                foreach (var item in staged)
                {
                    if (gone.TryGetValue(item, out var missing))
                    {
                        item.Dispose(); // never registered; what is left of its upload goes (only while it is the version it wrote)
                        results.Add(new CommitResult(item, null, false, missing));
                        continue;
                    }
                    try
                    {
                        var (artifact, existed) = CommitOne(view, batch, item, notice, published);
                        results.Add(new CommitResult(item, artifact, existed, null));
                    }
                    catch (ItemRefused refused)
                    {
                        item.Dispose(); // its temporary (or the object uploaded at its proposed key) goes now
                        results.Add(new CommitResult(item, null, false, refused.Error));
                    }
                }
                batch.Flush();
                // SPEC §10 rule 10: the data of this batch on stable storage before its transaction commits.
                Durable.Barrier([], staged.Where(i => i.Writer is not null && i.Plan.Root.IsLocal).Select(i => i.Plan.Root.Root).Distinct().ToList());
                // The records emitted are the state this transaction commits: a later item of the batch
                // may have superseded an earlier one (two paths with one key: v1 is no longer latest). One read for all.
                var now = s.Artifacts.FindByIds(results.Where(r => r.Artifact is not null).Select(r => r.Artifact!.Id).ToList()).ToDictionary(a => a.Id);
                return results.Select(r => r.Artifact is null ? r
                    : r with { Artifact = view.Decorate(now.GetValueOrDefault(r.Artifact.Id) ?? r.Artifact) }).ToList();
            });
        }
        catch (Exception failure) when (!RegistryFailure.MayHaveCommitted(failure))
        {
            // Only objects this batch created at keys that were free (never a replaced one): nothing else is touched.
            // (A commit cut off with an unknown outcome keeps them: its records may be there. If they are not,
            // the objects are orphans, which Clear-LaminStorage -Orphaned finds.)
            foreach (var (root, key) in published)
                try { Gate.Delete(Gate.OwnObject(root, key, null, RolledBack)); } catch (Exception e) when (e is IOException or UnauthorizedAccessException or LaminException) { }
            throw;
        }
    }

    /// <summary>
    /// Issue 25: before the registry transaction, each uploaded object is re-checked (one HEAD each, concurrently: the
    /// transaction is not held open for them): an object gone (PathNotFound) or replaced (FileChanged) refuses its item,
    /// which is then never registered; the others go on. Between this check and the commit, the writer's announcement
    /// keeps orphan clearing away from them. Local staging checks at its rename.
    /// </summary>
    private static Dictionary<StagedArtifact, LaminException> VerifyWritten(IReadOnlyList<StagedArtifact> staged)
    {
        var gone = new System.Collections.Concurrent.ConcurrentDictionary<StagedArtifact, LaminException>();
        var cloud = staged.Where(i => i.Writer is not null && !i.Plan.Root.IsLocal).ToList();
        Parallel.ForEach(cloud, new ParallelOptions { MaxDegreeOfParallelism = 16 }, item =>
        {
            try { item.Writer!.Verify(); }
            catch (LaminException e) when (e.ErrorId != ErrorIds.OperationCanceled)
            {
                gone[item] = new LaminException(e.ErrorId,
                    $"{e.Message} '{item.Plan.SourcePath}' was not registered; the other items of the batch were. Add it again.", item.Plan.SourcePath, e);
            }
        });
        return new Dictionary<StagedArtifact, LaminException>(gone);
    }

    /// <summary>
    /// SPEC §10 rule 14: StorageMoved when the location a writer staged into (<paramref name="staged"/>, as it read it
    /// then) has another root or generation in the registry now (<paramref name="now"/>, read in the committing
    /// transaction); null when it is the same. <paramref name="outcome"/> says what became of the write.
    /// </summary>
    internal static LaminException? Fence(LaminStorage staged, LaminStorage now, string outcome, object? target) =>
        now.Generation == staged.Generation && now.Root == staged.Root ? null
            : new LaminException(ErrorIds.StorageMoved,
                $"The storage location {now.Uid} was moved by Move-LaminStorage from {staged.Root} to {now.Root} (generation {staged.Generation} → {now.Generation}) " +
                $"while this command wrote into it: {outcome}.", target);

    /// <summary>A refusal of one item before anything of it was written: the batch goes on without it.</summary>
    private sealed class ItemRefused(LaminException error) : Exception(error.Message, error)
    {
        public LaminException Error { get; } = error;
    }

    private static ItemRefused Refuse(string id, string message, object? target) => new(new LaminException(id, message, target));


    private (LaminArtifact, bool) CommitOne(View view, BatchLookups batch, StagedArtifact item, Action<IngestNotice> notice, List<(StorageRoot, string)> published)
    {
        var s = view.RequireSession();
        var plan = item.Plan;
        // ---- checks: a refusal here has written nothing (registry or storage)
        if (!view.Storages.TryGetValue(plan.Storage.Id, out var storage))
            throw Refuse(ErrorIds.RecordNotFound, $"The storage location of '{plan.SourcePath}' was removed meanwhile; it was not registered.", plan.SourcePath);
        // SPEC §10 rule 14: committed only against the root and generation it was staged into, read here under the
        // registry's write lock (a relocation commits before or after this transaction, never inside it). Its copy
        // at the old root goes with the refusal (the writer's dispose); nothing is registered at the new root.
        if (Fence(plan.Storage, storage, $"'{plan.SourcePath}' was not registered (its copy there was removed); add it again", plan.SourcePath) is { } moved)
            throw new ItemRefused(moved);
        try { view.Access.Require(storage.SpaceId, SpaceRole.Write, plan.SourcePath, $"add '{plan.SourcePath}'"); }
        catch (LaminException e) { throw new ItemRefused(e); }
        if (!plan.InPlace && !storage.IsManaged)
            throw Refuse(ErrorIds.StorageReadOnly,
                $"{storage.Root} is no longer managed by the current instance; '{plan.SourcePath}' was not registered.", plan.SourcePath);
        var hash = item.Hash;
        var sameHash = hash.Hash is null ? [] : batch.ByHash(hash.Hash).Where(a => !a.IsTrashed).ToList();
        bool lookup = plan.InPlace ? plan.SkipHashLookup == false : plan.SkipHashLookup != true;
        if (lookup && item.Size > 0 && sameHash.FirstOrDefault(a => view.Access.CanSee(a.SpaceId)) is { } same)
        {
            notice(new(IngestOutcome.SameHash, $"returning artifact with same hash: {same.Uid} ({view.Decorate(same).FullName})", plan.SourcePath));
            item.Dispose();
            return (view.Decorate(same), true);
        }
        if (sameHash.FirstOrDefault(a => a.StorageId == storage.Id && a.Key == plan.Key && (!plan.ReadBack || a.IsLatest)) is { } sameKeyHash)
        {
            notice(new(IngestOutcome.SameKeyAndHash, $"returning artifact with same storage, key and hash: {sameKeyHash.Uid}", plan.SourcePath));
            item.Dispose();
            return (view.Decorate(sameKeyHash), true);
        }

        var now = Util.Clock.UtcNow;
        var artifact = new LaminArtifact
        {
            Uid = plan.ProposedUid, Key = plan.Key, Description = plan.Description, Suffix = plan.Suffix, Size = item.Size,
            Hash = hash.Hash, HashType = hash.HashType, NFiles = item.NFiles, StorageId = storage.Id, StorageUid = storage.Uid,
            KeyIsVirtual = plan.KeyIsVirtual, RealKey = plan.RealKey, CreatedAt = now, UpdatedAt = now, CreatedBy = context.User,
            SpaceId = storage.SpaceId,
        };
        LaminArtifact? previous = null;
        if (plan.Key is not null)
        {
            // SPEC §10 rule 9: versions belong to (key, storage), as in LaminDB.
            previous = VersionFamilies.LatestAt(batch.ByKey(plan.Key), storage.Id);
            if (previous is not null)
            {
                batch.Flush(); // the family query and the demotion below see (and may change) the batch's own records
                if (previous.IsLocked)
                    throw Refuse(ErrorIds.RecordLocked,
                        $"The artifact {previous.Uid} with key '{plan.Key}' is locked; a new version can't be added until it is unlocked " +
                        $"(Set-LaminArtifact -Identity {previous.Uid} -Unlock). '{plan.SourcePath}' was not registered.", plan.SourcePath);
                VersionFamilies.NextVersion(s, previous, artifact);
            }
        }
        // ---- publishing: the copy goes to its final key (DestinationExists is refused before a byte moves)
        if (item.Writer is not null)
        {
            var finalKey = artifact.StorageKey();
            // Folder versions share one path (overwrite_versions), and a real key reused by a new version replaces the old file.
            bool replace = previous is not null && previous.StorageKey() == finalKey;
            // SPEC §10 rule 1 on the write side: a real key never lands inside (or replaces bytes of) another
            // live artifact, e.g. a registered folder that includes that path; the family's own versions are superseded by design.
            if (!finalKey.StartsWith(ArtifactKeys.AutoPrefix, StringComparison.Ordinal))
            {
                batch.Flush(); // ObjectUsage sees the batch's own records
                var own = previous is null ? [] : VersionFamilies.Family(s, previous.Stem).Select(v => v.Id).ToHashSet();
                var users = ObjectUsage.Users(s, storage, finalKey, plan.IsFolder, own);
                if (users.Count > 0)
                    throw Refuse(ErrorIds.ObjectInUse,
                        $"'{ArtifactService.PathOf(plan.Root, finalKey)}' holds bytes of {ObjectUsage.Describe(users.Where(u => view.Access.CanSee(u.SpaceId)).ToList())}" +
                        $"; writing '{plan.SourcePath}' there would change that artifact. Choose another -Key, or add it with a virtual key. Nothing was written.", plan.SourcePath);
            }
            // SPEC §10 rule 15: a storage error while publishing this item (a sharing or access refusal, a path that can't
            // be created) refuses this item alone; only a registry failure fails the batch.
            try { item.Writer.Commit(finalKey, replace); }
            catch (LaminException e) when (e.ErrorId != ErrorIds.OperationCanceled) { throw new ItemRefused(e); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Refuse(e is UnauthorizedAccessException ? ErrorIds.StorageAccessDenied : ErrorIds.StorageIoError,
                    $"'{plan.SourcePath}' could not be published at '{ArtifactService.PathOf(plan.Root, finalKey)}': {e.Message} It was not registered " +
                    "(its copy was removed); the other items of the batch were. Fix the cause (a file open elsewhere, permissions) and add it again.", plan.SourcePath);
            }
            if (!replace) published.Add((plan.Root, finalKey));
        }
        if (previous is not null) notice(new(IngestOutcome.NewVersion, $"creating new artifact version for key '{plan.Key}' in storage '{storage.Root}'", plan.SourcePath));
        // ---- registry writes: a failure from here on is the transaction's, not the item's
        // The previous version is demoted BEFORE the new one goes in (the unique index of one latest version per key).
        if (previous is not null) VersionFamilies.Demote(s, previous, now);
        batch.Add(artifact); // inserted with the batch's others (Flush), before the transaction commits
        return (view.Decorate(artifact), false);
    }
}
