using System.Collections;
using System.Management.Automation;
using Lamin.Core.Model;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>Lists artifacts (latest versions, not trashed, by default), or gets one by id, uid or uid prefix.</summary>
[Cmdlet(VerbsCommon.Get, "LaminArtifact")]
[OutputType(typeof(LaminArtifact))]
public sealed class GetLaminArtifactCommand : LaminCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Uid")]
    [ValidateNotNullOrEmpty]
    public string? Identity { get; set; }

    [Parameter]
    [SupportsWildcards]
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
        var query = new ArtifactQuery(Identity, Key, Storage, Hash,
            Filter?.Cast<DictionaryEntry>().Select(e => new KeyValuePair<string, object?>(e.Key.ToString()!, e.Value)),
            Trash, AllVersions);
        WriteObject(new ArtifactService(Context).Get(query), enumerateCollection: true);
    }
}
