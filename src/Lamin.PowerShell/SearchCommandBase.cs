using Lamin.Core.Query;

namespace Lamin.PowerShell;

/// <summary>The shared shape of Search-Lamin*: query, fields, limit, case; results carry a Score and a search view.</summary>
public abstract class SearchCommandBase<T> : LaminCmdlet where T : class
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [AllowEmptyString]
    [AllowNull]
    public string? Query { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(SearchFieldCompleter))]
    public string[]? Field { get; set; }

    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Limit { get; set; } = 20;

    [Parameter]
    public SwitchParameter CaseSensitive { get; set; }

    protected abstract IEnumerable<Ranked<T>> Search();

    protected override void Process()
    {
        var hits = Search().ToList();
        WriteVerbose($"{hits.Count} {typeof(T).Name} record(s) match '{Query}'" + (Field is { Length: > 0 } ? $" in {string.Join(", ", Field)}" : " in every text field") +
                     (Limit > 0 ? $" (at most {Limit}; -Limit 0 shows all)" : "") + "; hashes match only whole or by 8+ leading characters.");
        foreach (var hit in hits)
        {
            var o = new PSObject(hit.Record);
            o.TypeNames.Insert(0, typeof(T).FullName + "#Search");
            o.Properties.Add(new PSNoteProperty("Score", hit.Score));
            WriteObject(o);
        }
    }
}

/// <summary>Completes the text fields a Search-Lamin* cmdlet searches.</summary>
public sealed class SearchFieldCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters)
    {
        var names = commandName.Contains("Artifact", StringComparison.OrdinalIgnoreCase)
            ? Lamin.Core.Services.ArtifactService.Fields.TextFieldNames
            : Lamin.Core.Services.StorageService.Fields.TextFieldNames;
        return names.Where(n => n.StartsWith(wordToComplete, StringComparison.OrdinalIgnoreCase)).Select(n => new CompletionResult(n));
    }
}
