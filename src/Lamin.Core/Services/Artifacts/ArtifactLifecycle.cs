using Lamin.Core.Query;
using View = Lamin.Core.Services.ArtifactService.View;

namespace Lamin.Core.Services;

/// <summary>Changing registered artifacts (SPEC rule 23): trash and permanent removal, description and lock, restore.</summary>
internal sealed class ArtifactLifecycle(LaminContext context, StorageService storages)
{
    /// <summary>
    /// Whether -Permanent deletes the object with the record: always for an object Lamin stored under
    /// .lamindb/, else only with -DeleteFile (an in-place file, also one registered under a virtual key, is kept).
    /// </summary>
    public static bool PermanentDeletesObject(LaminArtifact a, bool deleteFile) =>
        deleteFile || a.StorageKey().StartsWith(ArtifactKeys.AutoPrefix, StringComparison.Ordinal);

    /// <summary>SPEC rule 23: trash, or with <paramref name="permanent"/> delete the record and its managed object.</summary>
    public void Remove(string identity, bool permanent, bool deleteFile, Action<string>? warn = null)
    {
        long? recordedSize = null;
        var toDelete = context.Registry.Write(s =>
        {
            var view = new View(s, context, storages);
            var a = ArtifactQueries.ResolveForChange(view, identity);
            if (!permanent)
            {
                a.IsTrashed = true;
                a.UpdatedAt = Util.Clock.UtcNow;
                s.Artifacts.Update(a);
                VersionFamilies.RecomputeLatest(s, a.Stem);
                return (Gate.Permit?)null;
            }
            var storage = view.Storages[a.StorageId];
            var key = a.StorageKey();
            // SPEC §10 rule 16: older versions of this key whose bytes this version replaced at the same place (a real key
            // reused, a folder version overwritten) still point there; without this record nothing says their bytes are
            // gone, and one of them would become latest with this version's bytes. Refused: they go first, or this is trashed.
            var replaced = VersionFamilies.ReplacedBy(s, a);
            if (replaced.Count > 0)
                throw new LaminException(ErrorIds.ObjectInUse,
                    $"Cannot remove {a.Uid} permanently: its bytes at {ArtifactService.PathOf(view.RootOf(storage), key)} replaced those of older version(s) {ObjectUsage.Describe(replaced)}, " +
                    $"whose records point there. Nothing was changed. Remove those versions first (Remove-LaminArtifact <uid> -Permanent), or move this one to the trash (Remove-LaminArtifact {a.Uid}).", identity);
            bool underManaged = PermanentDeletesObject(a, deleteFile: false);
            if (deleteFile && !underManaged && !storage.IsManaged)
                throw new LaminException(ErrorIds.StorageReadOnly,
                    $"Cannot delete the file of {a.Uid}: {storage.Root} is not managed by the current instance. Remove the record without -DeleteFile.", identity);
            bool deleteObject = storage.IsManaged && (underManaged || deleteFile);
            if (deleteObject)
            {
                // Versions sharing the very same object (folder versions at .lamindb/<stem>, a real key
                // reused by a new version): the object is theirs now and stays; only the record goes.
                var users = ObjectUsage.Users(s, storage, key, a.NFiles is not null, except: [a.Id]);
                if (users.Any(u => u.Stem == a.Stem && u.StorageKey() == key)) deleteObject = false;
            }
            if (deleteObject && storage.Type == "local" && !StorageService.IsPresentHere(storage))
            {
                // Not on this machine (another host, or gone): whatever sits at this path here is not its data.
                if (deleteFile) StorageService.RequirePresentHere(storage, identity);
                deleteObject = false;
            }
            Gate.Permit? permit = null;
            if (deleteObject)
            {
                var root = view.RootOf(storage);
                ArtifactKeys.RequireUsable(a); // rule 13: a crafted key never becomes a path to delete
                if (root.IsLocal)
                {
                    var path = LocalPaths.ResolveUnder(root.Root, key); // rule 6: refused before the record goes
                    // Rule 2 at delete time too: a .lamindb/ that appeared inside a folder artifact (a location
                    // registered there later, or a registry from before the rule) is never deleted with it.
                    if (a.NFiles is not null && Directory.Exists(path) && new FileInfo(path).LinkTarget is null) LocalStorageProvider.FilesBelow(path);
                }
                // SPEC §10 rules 1 and 12: the gate, before the record goes (every location holding the path, hidden rows too).
                permit = Gate.Check(s, root, key, a.NFiles is not null, new GateScope("Remove-LaminArtifact") { Retiring = [a.Id] });
                recordedSize = a.NFiles is null ? a.Size : null;
            }
            s.Artifacts.Delete(a.Id);
            VersionFamilies.RecomputeLatest(s, a.Stem);
            return permit;
        });
        // After the commit: a crash here leaves an unregistered object (found by a check), never a record without its file.
        if (toDelete is null) return;
        try
        {
            // Issue 25: a file goes only while it still is the artifact's (its recorded size), and only as read now
            // (locally its time and inode, S3 If-Match, GCS ifGenerationMatch): one another client wrote is kept.
            if (recordedSize is { } size && StorageProviders.For(toDelete.Root).Version(toDelete.Root, toDelete.Key) is { } now)
            {
                if (now.Size != size)
                    throw new LaminException(ErrorIds.FileChanged,
                        $"Remove-LaminArtifact kept '{ArtifactService.PathOf(toDelete.Root, toDelete.Key)}': it holds {now.Size} bytes, the artifact {size}, so another client wrote it since. " +
                        "The record is removed; check what the file holds and remove it yourself if it is not wanted.", ArtifactService.PathOf(toDelete.Root, toDelete.Key));
                toDelete = toDelete.Expecting(now);
            }
            Gate.Delete(toDelete); // a file deletes its object alone, a folder its members
        }
        catch (LaminException e) when (e.ErrorId == ErrorIds.FileChanged && warn is not null) { warn(e.Message); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The record is gone already: say so, never "nothing was changed".
            var where = ArtifactService.PathOf(toDelete.Root, toDelete.Key);
            throw new LaminException(ErrorIds.StorageIoError,
                $"The artifact '{identity}' was removed from the registry, but its data at {where} could not be deleted: {e.Message} " +
                "Delete it by hand once the cause is fixed (Clear-LaminStorage -Orphaned finds it when it is under .lamindb/).", where, e);
        }
    }

    /// <summary>Changes an artifact's description or lock (a locked artifact refuses every other change with RecordLocked).</summary>
    public LaminArtifact Update(string identity, string? description, bool descriptionSet, bool? locked) => context.Registry.Write(s =>
    {
        var view = new View(s, context, storages);
        var a = ArtifactQueries.Resolve(view, identity);
        view.Access.Require(a.SpaceId, SpaceRole.Write, identity, $"change artifact {a.Uid}");
        bool onlyUnlocking = locked == false && !descriptionSet;
        if (a.IsLocked && !onlyUnlocking)
            throw new LaminException(ErrorIds.RecordLocked, $"The artifact {a.Uid} is locked; unlock it first with Set-LaminArtifact -Identity {a.Uid} -Unlock.", identity);
        if (descriptionSet) a.Description = description;
        if (locked is { } l) a.IsLocked = l;
        a.UpdatedAt = Util.Clock.UtcNow;
        s.Artifacts.Update(a);
        return view.Decorate(s.Artifacts.FindById(a.Id));
    });

    public LaminArtifact Restore(string identity) => context.Registry.Write(s =>
    {
        var view = new View(s, context, storages);
        var a = ArtifactQueries.ResolveForChange(view, identity);
        if (a.IsTrashed && a.Key is not null)
        {
            // SPEC §10 rule 16: the key got another family while this one was in the trash; two latest versions of
            // one key would compete (the drive would write the next version into either).
            var live = VersionFamilies.RivalsOf(s, a);
            if (live.Count > 0)
                throw new LaminException(ErrorIds.DestinationExists,
                    $"Cannot restore {a.Uid}: the key '{a.Key}' in {view.Storages[a.StorageId].Root} has since got another artifact, {live[0].Uid}" +
                    $"{(live[0].IsLatest ? " (its latest version)" : "")}, and a key has one latest version. Nothing was changed. " +
                    $"Trash that one first (Remove-LaminArtifact {live[0].Uid}), or save this version elsewhere with Save-LaminArtifact {a.Uid}.", identity);
        }
        a.IsTrashed = false;
        a.UpdatedAt = Util.Clock.UtcNow;
        s.Artifacts.Update(a);
        VersionFamilies.RecomputeLatest(s, a.Stem);
        return view.Decorate(s.Artifacts.FindById(a.Id));
    });
}
