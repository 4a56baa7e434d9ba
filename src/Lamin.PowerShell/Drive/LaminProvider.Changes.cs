namespace Lamin.PowerShell.Drive;

/// <summary>Item operations: Remove-Item and Move-Item/Rename-Item of artifacts, and the item cmdlets the drive refuses.</summary>
public sealed partial class LaminProvider
{
    protected override void RemoveItem(string path, bool recurse) => Guard(() =>
    {
        var (uid, key) = Parse(path);
        if (uid is null || key.Length == 0)
            throw new LaminException(ErrorIds.InvalidArgument,
                uid is null ? "lamin:\\ itself can't be removed." : $"Remove-Item does not remove storage locations; use Remove-LaminStorage -Identity {uid}.", path);
        if (Drive.Storage(uid) is null) throw NotFound(path);
        var listing = Drive.List(uid, key);
        var item = listing.Item(key) ?? throw NotFound(path);
        var service = new ArtifactService(NewContext());
        var targets = new List<LaminArtifact>();
        if (item.Artifact is not null) targets.Add(item.Artifact);
        if (item.IsFolder)
        {
            if (!recurse && item.Artifact is null)
                throw new LaminException(ErrorIds.InvalidArgument,
                    $"lamin:{Separator}{PathOf(uid, key)} is a folder of {listing.ArtifactsUnder(key).Count()} artifact(s); pass -Recurse to move them all to the trash.", path);
            if (recurse) targets.AddRange(listing.ArtifactsUnder(key));
        }
        foreach (var a in targets)
        {
            if (Stopping) return;
            var target = $"lamin:{Separator}{PathOf(uid, a.Key ?? DriveListing.KeylessName(a))} ({a.Uid})";
            if (!ShouldProcess(target, "Move to the Lamin trash (Remove-LaminArtifact)")) continue;
            Guard(() => service.Remove(a.Uid, permanent: false, deleteFile: false));
        }
        DriveService.Invalidate();
    });

    protected override void MoveItem(string path, string destination) => Guard(() =>
    {
        var (uid, key) = Parse(path);
        var (toUid, toKey) = Parse(destination);
        if (uid is null || key.Length == 0)
            throw new LaminException(ErrorIds.InvalidArgument, "Move-Item moves artifacts or key folders between locations; a location itself moves with Move-LaminStorage.", path);
        if (toUid is null || (toKey.Length > 0 && toKey != key))
            throw new LaminException(ErrorIds.InvalidArgument,
                $"Move-Item on the lamin: drive moves to another location and keeps the key: pass the location, e.g. Move-Item lamin:{Separator}{PathOf(uid, key)} lamin:\\<other uid>. A key does not change (Rename-Item is not supported).", destination);
        if (Drive.Storage(uid) is null) throw NotFound(path);
        if (Drive.Storage(toUid) is null) throw NotFound(destination);
        var listing = Drive.List(uid, key);
        var item = listing.Item(key) ?? throw NotFound(path);
        var targets = new List<LaminArtifact>();
        if (item.Artifact is not null) targets.Add(item.Artifact);
        if (item.IsFolder) targets.AddRange(listing.ArtifactsUnder(key));
        var service = new ArtifactService(NewContext());
        foreach (var a in targets)
        {
            if (Stopping) return;
            var name = a.Key ?? DriveListing.KeylessName(a);
            if (!ShouldProcess($"lamin:{Separator}{PathOf(uid, name)} ({a.Uid})", $"Move to lamin:{Separator}{toUid} (Move-LaminArtifact -Storage {toUid})")) continue;
            Guard(() =>
            {
                var moved = service.Move(a.Uid, toUid, WriteWarning, null, CancellationToken.None);
                WriteItemObject(moved, PathOf(toUid, moved.Key ?? DriveListing.KeylessName(moved)), false);
            });
        }
        DriveService.Invalidate();
    });

    protected override void CopyItem(string path, string copyPath, bool recurse) =>
        Guard(() => throw Unsupported("Copy-Item",
            "copy files in with Add-LaminArtifact -Path <files> -Destination lamin:\\<uid>\\<folder>\\, copy artifacts out with Save-LaminArtifact (Get-ChildItem lamin:\\<uid>\\<folder> | Save-LaminArtifact -Destination <folder>), and move them between locations with Move-Item or Move-LaminArtifact", path));

    protected override void RenameItem(string path, string newName) =>
        Guard(() => throw Unsupported("Rename-Item",
            "a key names its version family; save the artifact with Save-LaminArtifact, add it under the new key with Add-LaminArtifact -Destination lamin:\\<uid>\\<new key>, and trash the old one with Remove-Item", path));

    protected override void NewItem(string path, string itemTypeName, object newItemValue) =>
        Guard(() => throw Unsupported("New-Item",
            "folders exist while keys have them; write an artifact with Set-Content lamin:\\<uid>\\<key> or add files with Add-LaminArtifact -Destination lamin:\\<uid>\\<folder>\\", path));

    private static LaminException Unsupported(string cmdlet, string instead, string path) =>
        new(ErrorIds.InvalidArgument, $"{cmdlet} is not supported on the lamin: drive: {instead}.", path);
}
