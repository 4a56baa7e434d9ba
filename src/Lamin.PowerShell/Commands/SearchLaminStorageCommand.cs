using Lamin.Core.Query;

namespace Lamin.PowerShell.Commands;

/// <summary>Searches storage locations by text, best match first, with a Score.</summary>
[Cmdlet(VerbsCommon.Search, "LaminStorage", HelpUri = HelpLinks.Base + "Search-LaminStorage")]
[OutputType(typeof(LaminStorage))]
public sealed class SearchLaminStorageCommand : SearchCommandBase<LaminStorage>
{
    protected override IEnumerable<Ranked<LaminStorage>> Search() =>
        new StorageService(Context).Search(Query, Field, Limit, CaseSensitive);
}
