using System.Management.Automation;
using Lamin.Core.Model;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>Searches storage locations by text, best match first, with a Score.</summary>
[Cmdlet(VerbsCommon.Search, "LaminStorage")]
[OutputType(typeof(LaminStorage))]
public sealed class SearchLaminStorageCommand : LaminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [AllowEmptyString]
    [AllowNull]
    public string? Query { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(StorageFieldCompleter))]
    public string[]? Field { get; set; }

    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Limit { get; set; } = 20;

    [Parameter]
    public SwitchParameter CaseSensitive { get; set; }

    protected override void Process()
    {
        foreach (var hit in new StorageService(Context).Search(Query, Field, Limit, CaseSensitive))
        {
            var o = new PSObject(hit.Record);
            o.TypeNames.Insert(0, typeof(LaminStorage).FullName + "#Search");
            o.Properties.Add(new PSNoteProperty("Score", hit.Score));
            WriteObject(o);
        }
    }
}

/// <summary>Completes the text fields of storage records.</summary>
public sealed class StorageFieldCompleter : System.Management.Automation.IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters) =>
        StorageService.Fields.TextFieldNames.Where(n => n.StartsWith(wordToComplete, StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n));
}
