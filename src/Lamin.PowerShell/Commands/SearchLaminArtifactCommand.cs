using Lamin.Core.Query;

namespace Lamin.PowerShell.Commands;

/// <summary>Searches artifacts (latest, not trashed) by text, best match first, with a Score.</summary>
[Cmdlet(VerbsCommon.Search, "LaminArtifact", HelpUri = HelpLinks.Base + "Search-LaminArtifact")]
[OutputType(typeof(LaminArtifact))]
public sealed class SearchLaminArtifactCommand : SearchCommandBase<LaminArtifact>
{
    protected override IEnumerable<Ranked<LaminArtifact>> Search() =>
        new ArtifactService(Context).Search(Query, Field, Limit, CaseSensitive);
}
