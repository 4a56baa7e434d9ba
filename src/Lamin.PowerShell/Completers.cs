using System.Collections;
using System.Management.Automation.Language;

namespace Lamin.PowerShell;

/// <summary>Shared shape of the completers: ask the registry, never throw, quote when needed.</summary>
public abstract class RegistryCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = wordToComplete.Trim('\'', '"');
        List<(string Value, string Tooltip)> candidates;
        try
        {
            candidates = Candidates(LaminContext.FromEnvironment(Environment.CurrentDirectory), fakeBoundParameters).ToList();
        }
        catch (Exception)
        {
            return [];
        }
        return candidates
            .Where(c => c.Value.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .Select(c => new CompletionResult(Quote(c.Value), c.Value, CompletionResultType.ParameterValue, c.Tooltip));
    }

    protected abstract IEnumerable<(string Value, string Tooltip)> Candidates(LaminContext context);

    /// <summary>The candidates, knowing the parameters already typed (a completer that narrows by them overrides this).</summary>
    protected virtual IEnumerable<(string Value, string Tooltip)> Candidates(LaminContext context, IDictionary boundParameters) => Candidates(context);

    private static string Quote(string v) =>
        v.Any(ch => char.IsWhiteSpace(ch) || "'\"`$&|;,(){}@#<>".Contains(ch)) ? "'" + v.Replace("'", "''") + "'" : v;
}

/// <summary>Completes storage uids and roots.</summary>
public sealed class StorageCompleter : RegistryCompleter
{
    protected override IEnumerable<(string, string)> Candidates(LaminContext context) =>
        new StorageService(context).Get(new StorageQuery())
            .SelectMany(s => new[] { (s.Uid, s.Root), (s.Root, s.Uid) });
}

/// <summary>Completes space names.</summary>
public sealed class SpaceCompleter : RegistryCompleter
{
    protected override IEnumerable<(string, string)> Candidates(LaminContext context) =>
        new SpaceService(context).Get(null).Select(s => (s.Name, s.Description ?? s.Name));
}

/// <summary>Completes instance names from LAMIN_HOME (no registry read).</summary>
public sealed class InstanceCompleter : RegistryCompleter
{
    protected override IEnumerable<(string, string)> Candidates(LaminContext context) =>
        context.Home.List().Select(e => (e.Name, e.RegistryPath));
}

/// <summary>Completes storage roots only (for -Root, which filters by root and takes no uid).</summary>
public sealed class StorageRootCompleter : RegistryCompleter
{
    protected override IEnumerable<(string, string)> Candidates(LaminContext context) =>
        new StorageService(context).Get(new StorageQuery()).Select(s => (s.Root, s.Uid)).DistinctBy(c => c.Root);
}

/// <summary>
/// Completes -Key with the keys of the registered artifacts (latest, not trashed; in -Storage's location when it is
/// already typed), never with file names of the current folder (issue 26 point 10: `-Key &lt;Tab&gt;` offered `./`):
/// a key is a name inside a storage location, not a path here.
/// </summary>
public sealed class KeyCompleter : RegistryCompleter
{
    protected override IEnumerable<(string, string)> Candidates(LaminContext context) => Candidates(context, new Hashtable());

    protected override IEnumerable<(string, string)> Candidates(LaminContext context, IDictionary boundParameters)
    {
        var storage = boundParameters["Storage"] switch
        {
            string s when s.Length > 0 => s,
            PSObject { BaseObject: string s } when s.Length > 0 => s,
            PSObject { BaseObject: Lamin.Core.Model.LaminStorage r } => r.Uid,
            Lamin.Core.Model.LaminStorage r => r.Uid,
            _ => null,
        };
        return new ArtifactService(context).Get(new ArtifactQuery(Storage: storage))
            .Where(a => !string.IsNullOrEmpty(a.Key))
            .Select(a => (a.Key!, $"{a.Uid} in {a.Storage}"))
            .DistinctBy(c => c.Item1, StringComparer.Ordinal)
            .OrderBy(c => c.Item1, StringComparer.Ordinal);
    }
}
