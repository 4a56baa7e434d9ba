using System.Management.Automation;
using Lamin.Core.Model;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>Searches artifacts (latest, not trashed) by text, best match first, with a Score.</summary>
[Cmdlet(VerbsCommon.Search, "LaminArtifact")]
[OutputType(typeof(LaminArtifact))]
public sealed class SearchLaminArtifactCommand : LaminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [AllowEmptyString]
    [AllowNull]
    public string? Query { get; set; }

    [Parameter]
    public string[]? Field { get; set; }

    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Limit { get; set; } = 20;

    [Parameter]
    public SwitchParameter CaseSensitive { get; set; }

    protected override void Process()
    {
        foreach (var hit in new ArtifactService(Context).Search(Query, Field, Limit, CaseSensitive))
        {
            var o = new PSObject(hit.Record);
            o.TypeNames.Insert(0, typeof(LaminArtifact).FullName + "#Search");
            o.Properties.Add(new PSNoteProperty("Score", hit.Score));
            WriteObject(o);
        }
    }
}
