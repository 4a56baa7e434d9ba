using System.Management.Automation.Provider;

namespace Lamin.PowerShell.Drive;

/// <summary>Content: Get-Content and Set-Content of an artifact (IContentCmdletProvider).</summary>
public sealed partial class LaminProvider
{
    /// <summary>The artifact at a path for Get-Content/Set-Content (an artifact key that is also a folder counts: SPEC §8).</summary>
    private (LaminStorage Storage, string Key, LaminArtifact? Artifact) ContentTarget(string path)
    {
        var (uid, key) = Parse(path);
        if (uid is null || key.Length == 0)
            throw new LaminException(ErrorIds.InvalidPath, $"lamin:{Separator}{Trim(path)} is {(uid is null ? "the drive's root" : "a storage location")}, not an artifact.", path);
        var storage = Drive.Storage(uid) ?? throw NotFound(path);
        var item = Drive.List(uid, key).Item(key);
        return (storage, key, item?.Artifact);
    }

    public IContentReader? GetContentReader(string path) => Guard<IContentReader?>(() =>
    {
        var (_, _, artifact) = ContentTarget(path);
        if (artifact is null)
            throw Drive.List(Parse(path).Uid!, Parse(path).Key).Item(Parse(path).Key) is { IsFolder: true }
                ? new LaminException(ErrorIds.InvalidPath, $"lamin:{Separator}{Trim(path)} is a key folder, not an artifact; list it with Get-ChildItem.", path)
                : NotFound(path);
        var options = DynamicParameters as ContentReaderParameters;
        return new ContentReader(DriveService.OpenContent(artifact), options?.AsByteStream.IsPresent == true, options?.Raw.IsPresent == true);
    }, null);

    public object GetContentReaderDynamicParameters(string path) => new ContentReaderParameters();

    public IContentWriter? GetContentWriter(string path) => Guard<IContentWriter?>(() =>
    {
        var (storage, key, _) = ContentTarget(path);
        // Refused before any input is read (SPEC rule 24); the full rules run again when the content is added.
        if (!storage.IsManaged)
            throw new LaminException(ErrorIds.StorageReadOnly,
                $"Cannot write into {storage.Root} ({storage.Uid}): it is not managed by the current instance. Nothing was written.", path);
        Lamin.Core.Artifacts.ArtifactKeys.Validate(key);
        var options = DynamicParameters as ContentWriterParameters;
        var drive = Drive;
        return new ContentWriter(drive, storage.Uid, key, drive.NewSpoolFile(storage.Uid, key), options?.AsByteStream.IsPresent == true,
            options?.NoNewline.IsPresent == true, WriteWarning, GuardClose);
    }, null);

    public object GetContentWriterDynamicParameters(string path) => new ContentWriterParameters();

    public void ClearContent(string path) =>
        // Set-Content clears first and goes on when a provider does not support clearing; a new version replaces the content.
        throw new PSNotSupportedException("Clear-Content is not supported on the lamin: drive: Set-Content writes a new version of an artifact, and Remove-Item moves it to the trash.");

    public object? ClearContentDynamicParameters(string path) => null;
}
