using System.Collections;

namespace Lamin.PowerShell.Commands;

/// <summary>
/// Lists artifacts (latest versions, not trashed, by default), or gets them by id, uid or uid prefix;
/// a piped storage location lists its artifacts.
/// </summary>
[Cmdlet(VerbsCommon.Get, "LaminArtifact", DefaultParameterSetName = "Identity", HelpUri = HelpLinks.Base + "Get-LaminArtifact")]
[OutputType(typeof(LaminArtifact))]
public sealed class GetLaminArtifactCommand : LaminCmdlet
{
    [Parameter(Position = 0, ParameterSetName = "Identity")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Identity { get; set; }

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public PSObject[]? InputObject { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(KeyCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Key { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(StorageCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Storage { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Hash { get; set; }

    [Parameter]
    public Hashtable? Filter { get; set; }

    [Parameter]
    public SwitchParameter Trash { get; set; }

    [Parameter]
    public SwitchParameter AllVersions { get; set; }

    protected override void Process()
    {
        var storage = Storage is null ? null : ResolveStorageIdentity(Storage);
        if (InputObject is null && Identity is null) { List(null, storage); return; }
        Dispatch(InputObject, Identity, (kind, value) =>
        {
            if (kind == RecordKind.Storage) List(null, value);
            else List(value, storage);
        }, RecordKind.Artifact, RecordKind.KeyFolder, RecordKind.Storage);
    }

    private void List(string? identity, string? storage)
    {
        var query = new ArtifactQuery(identity, Key, storage, Hash,
            Filter?.Cast<DictionaryEntry>().Select(e => new KeyValuePair<string, object?>(e.Key.ToString()!, e.Value)),
            Trash, AllVersions);
        long count = 0;
        foreach (var a in new ArtifactService(Context).Stream(query)) { WriteObject(a); count++; } // a page at a time (issue 28)
        WriteVerbose($"{count} artifact(s) match" + (identity is null ? "" : $" '{identity}'") + (Key is null ? "" : $" with key '{Key}'") +
                     (storage is null ? " in every location you may see" : $" in storage '{storage}'") + (Trash ? " (trash)" : AllVersions ? " (all versions)" : " (latest versions)") + ".");
    }
}
