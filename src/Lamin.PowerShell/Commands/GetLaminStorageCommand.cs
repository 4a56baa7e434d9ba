using System.Collections;
using System.Management.Automation;
using Lamin.Core.Model;
using Lamin.Core.Services;

namespace Lamin.PowerShell.Commands;

/// <summary>Lists storage locations, or gets one by id, uid or uid stub.</summary>
[Cmdlet(VerbsCommon.Get, "LaminStorage")]
[OutputType(typeof(LaminStorage))]
public sealed class GetLaminStorageCommand : LaminCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Uid")]
    [ArgumentCompleter(typeof(StorageCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Identity { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(StorageCompleter))]
    public string? Root { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(StorageTypeCompleter))]
    public string? Type { get; set; }

    [Parameter]
    [SupportsWildcards]
    public new string? Host { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(SpaceCompleter))]
    public string? Space { get; set; }

    [Parameter]
    public SwitchParameter Managed { get; set; }

    [Parameter]
    public Hashtable? Filter { get; set; }

    [Parameter]
    public SwitchParameter Statistics { get; set; }

    protected override void Process()
    {
        var query = new StorageQuery(Identity, Root, Type, Host, Space,
            MyInvocation.BoundParameters.ContainsKey(nameof(Managed)) ? Managed.IsPresent : null,
            Filter?.Cast<DictionaryEntry>().Select(e => new KeyValuePair<string, object?>(e.Key.ToString()!, e.Value)),
            Statistics);
        WriteObject(new StorageService(Context).Get(query), enumerateCollection: true);
    }
}

/// <summary>Completes the storage types.</summary>
public sealed class StorageTypeCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Lamin.Core.Roots.StorageRoot.SupportedTypes
            .Where(t => t.StartsWith(wordToComplete, StringComparison.OrdinalIgnoreCase))
            .Select(t => new CompletionResult(t));
}
