using System.Collections.ObjectModel;
using System.Management.Automation.Provider;

namespace Lamin.PowerShell.Drive;

/// <summary>
/// The lamin: drive (SPEC §8): lamin:\ holds one container per storage location (by uid); below it the
/// '/'-segments of the keys of its latest, non-trashed artifacts are folders (LaminKeyFolder) and the
/// artifacts are leaves (the same LaminArtifact records Get-LaminArtifact gives). Every call reads the
/// current instance afresh (the drive follows Connect-LaminInstance); nothing is read at import.
/// Provider paths are "&lt;uid&gt;\&lt;key segments&gt;" ("" = all locations); '/' and '\' both separate.
/// </summary>
[CmdletProvider(ProviderName, ProviderCapabilities.Filter | ProviderCapabilities.ShouldProcess)]
[OutputType(typeof(LaminStorage), typeof(LaminKeyFolder), typeof(LaminArtifact), ProviderCmdlet = ProviderCmdlet.GetChildItem)]
[OutputType(typeof(LaminStorage), typeof(LaminKeyFolder), typeof(LaminArtifact), ProviderCmdlet = ProviderCmdlet.GetItem)]
public sealed partial class LaminProvider : NavigationCmdletProvider, IContentCmdletProvider
{
    public const string ProviderName = "Lamin";
    public const string DefaultDriveName = "lamin";
    /// <summary>The engine's own separator ('\' on Windows, '/' elsewhere), as FileSystem paths show it; both are read.</summary>
    private static readonly char Separator = Path.DirectorySeparatorChar;
    private static readonly char[] Separators = ['\\', '/'];

    // ------------------------------------------------------------------ context and errors

    private LaminContext NewContext() => LaminContext.FromEnvironment(SessionState.Path.CurrentFileSystemLocation.ProviderPath);

    private DriveService? _drive;
    private DriveService Drive => _drive ??= new DriveService(NewContext());

    /// <summary>Runs one provider call: a refusal becomes an ErrorRecord with the catalogue's id (terminating where SPEC §4 says so).</summary>
    private T Guard<T>(Func<T> work, T failed)
    {
        try { return work(); }
        catch (Exception e) when (Refusal(e) is { } refusal) { Report(refusal); return failed; }
    }

    private void Guard(Action work) => Guard<object?>(() => { work(); return null; }, null);

    /// <summary>
    /// <see cref="Guard"/> for a content writer's Close: PowerShell drops an exception thrown there without a trace
    /// (Set-Content on a retired registry reported nothing, issue 28), so every refusal, a terminating one too, is
    /// written as an error record (with -ErrorAction Stop it still stops the command).
    /// </summary>
    private void GuardClose(Action work)
    {
        try { work(); }
        catch (Exception e) when (Refusal(e) is { } refusal) { WriteError(LaminCmdlet.ToErrorRecord(refusal)); }
    }

    /// <summary>What a provider call reports for a failure: the core's refusal, or an I/O failure; null: not ours to catch.</summary>
    private static LaminException? Refusal(Exception e) => e switch
    {
        LaminException refused => refused,
        IOException or UnauthorizedAccessException => LaminCmdlet.IoFailure(e),
        _ => null,
    };

    private void Report(LaminException e)
    {
        var record = LaminCmdlet.ToErrorRecord(e);
        // Thrown with its record, so the engine keeps the catalogue's id (a bare exception would be named by its type).
        if (LaminCmdlet.TerminatingIds.Contains(e.ErrorId)) throw new DriveException(record);
        WriteError(record);
    }

    // ------------------------------------------------------------------ drives

    protected override Collection<PSDriveInfo> InitializeDefaultDrives() =>
        // No registry or network I/O here (SPEC §8): the drive's root is every location of whichever instance is current.
        [new PSDriveInfo(DefaultDriveName, ProviderInfo, "", "Storage locations and artifacts of the current Lamin instance", null)];

    protected override PSDriveInfo? NewDrive(PSDriveInfo drive)
    {
        if (drive is null) return null;
        var root = drive.Root ?? ""; // as given (SPEC §10 rule 16): a key folder "raw " is not "raw"
        if (root.Length == 0) return drive;
        // A drive for one location or one key folder of it: its root becomes the provider path <uid>[\<folder>].
        return Guard<PSDriveInfo?>(() =>
        {
            var (storage, key) = DriveRoot(root);
            return new PSDriveInfo(drive.Name, drive.Provider, PathOf(storage.Uid, key), drive.Description ?? storage.Root, drive.Credential);
        }, null);
    }

    /// <summary>
    /// What New-PSDrive -Root names: a path of the drive (lamin:\&lt;uid&gt;\&lt;folder&gt;, Lamin\Lamin::&lt;uid&gt;\&lt;folder&gt;,
    /// &lt;uid&gt;\&lt;folder&gt;; the engine has already turned an existing lamin: path into the provider path), or a location
    /// by uid, id, stub or root (normalised as -Storage is). A folder must be a container of the drive.
    /// </summary>
    private (LaminStorage Storage, string Key) DriveRoot(string root)
    {
        var path = root;
        int qualifier = path.IndexOf("::", StringComparison.Ordinal);
        if (qualifier > 0 && path[..qualifier] is var provider
            && (provider.Equals(ProviderName, StringComparison.OrdinalIgnoreCase) || provider.Equals(QualifiedName, StringComparison.OrdinalIgnoreCase)))
            path = path[(qualifier + 2)..];
        else if (DriveOf(path) is { } drive)
            path = MakePath(drive.Drive.Root, path[(drive.Name.Length + 1)..]);
        var (uid, key) = Parse(path);
        if (uid is not null && Drive.Storage(uid) is { } storage)
        {
            if (key.Length == 0) return (storage, "");
            var item = Drive.List(uid, key).Item(key);
            if (item is { IsContainer: true }) return (storage, key);
            throw item is null
                ? NotFound(path)
                : new LaminException(ErrorIds.InvalidPath,
                    $"lamin:{Separator}{PathOf(uid, key)} is an artifact, not a folder; a drive's root is a location or one of its key folders (e.g. -Root lamin:{Separator}{uid}).", root);
        }
        if (!ReferenceEquals(path, root)) throw NotFound(path);   // a lamin: path whose location does not exist
        return (Drive.ResolveDriveRoot(root.TrimEnd(Separators)), "");
    }

    /// <summary>The drive of this provider that a path starts with ("raw:\sub" → raw), or null.</summary>
    private (string Name, PSDriveInfo Drive)? DriveOf(string path)
    {
        int colon = path.IndexOf(':');
        if (colon <= 0 || path[..colon].IndexOfAny(Separators) >= 0) return null;
        var name = path[..colon];
        foreach (var d in SessionState.Drive.GetAllForProvider(ProviderName))
            if (d.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) return (name, d);
        return null;
    }
}

/// <summary>A terminating refusal on the drive that carries its ErrorRecord (its FullyQualifiedErrorId is the catalogue's id).</summary>
public sealed class DriveException(ErrorRecord record) : Exception(record.Exception.Message, record.Exception), IContainsErrorRecord
{
    public ErrorRecord ErrorRecord { get; } = record;
}
