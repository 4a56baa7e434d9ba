using System.Collections;

namespace Lamin.PowerShell.Commands;

/// <summary>Lists storage locations, or gets them by id, uid, uid stub or root; a piped space lists its locations.</summary>
[Cmdlet(VerbsCommon.Get, "LaminStorage", DefaultParameterSetName = "Identity", HelpUri = HelpLinks.Base + "Get-LaminStorage")]
[OutputType(typeof(LaminStorage))]
public sealed class GetLaminStorageCommand : LaminCmdlet
{
    [Parameter(Position = 0, ParameterSetName = "Identity")]
    [ArgumentCompleter(typeof(StorageCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Identity { get; set; }

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public PSObject[]? InputObject { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(StorageRootCompleter))]
    public string? Root { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(StorageTypeCompleter))]
    [ValidateStorageType]
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
        if (InputObject is null && Identity is null) { List(null, Space); return; }
        Dispatch(InputObject, Identity, (kind, value) =>
        {
            if (kind == RecordKind.Space) List(null, value);
            else List(ResolveStorageIdentity(value), Space);
        }, RecordKind.Storage, RecordKind.Space);
    }

    private void List(string? identity, string? space)
    {
        var query = new StorageQuery(identity, ResolveLocalPath(Root, keepWildcards: true), Type, Host, space,
            MyInvocation.BoundParameters.ContainsKey(nameof(Managed)) ? Managed.IsPresent : null,
            Filter?.Cast<DictionaryEntry>().Select(e => new KeyValuePair<string, object?>(e.Key.ToString()!, e.Value)),
            Statistics);
        var found = new StorageService(Context).Get(query);
        WriteVerbose($"{found.Count} storage location(s) match" + (identity is null ? "" : $" '{identity}'") + (space is null ? "" : $" in space '{space}'") + ".");
        foreach (var s in found)
        {
            if (!Statistics) { WriteObject(s); continue; }
            var o = new PSObject(s);
            o.TypeNames.Insert(0, typeof(LaminStorage).FullName + "#Statistics"); // its own view: counts and sizes
            WriteObject(o);
        }
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

/// <summary>-Type: one of the storage types (SPEC rule 1), or a wildcard pattern over them.</summary>
public sealed class ValidateStorageTypeAttribute : ValidateArgumentsAttribute
{
    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        var value = arguments?.ToString() ?? "";
        if (WildcardPattern.ContainsWildcardCharacters(value)) return;
        if (!Lamin.Core.Roots.StorageRoot.SupportedTypes.Contains(value, StringComparer.OrdinalIgnoreCase))
            throw new ValidationMetadataException(
                $"'{value}' is not a storage type; use one of {string.Join(", ", Lamin.Core.Roots.StorageRoot.SupportedTypes)} (wildcards allowed).");
    }
}
