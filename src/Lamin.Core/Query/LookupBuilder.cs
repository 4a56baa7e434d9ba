using System.Text;

namespace Lamin.Core.Query;

/// <summary>
/// Get-LaminLookup's name rules (SPEC §3): the value lower-cased, each run of characters other than
/// letters and digits turned into "_", a leading digit prefixed with "_". The first record wins a name.
/// </summary>
public static class LookupBuilder
{
    public static string ToIdentifier(string value)
    {
        var sb = new StringBuilder();
        bool inRun = false;
        foreach (var c in value.ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c)) { sb.Append(c); inRun = false; }
            else if (!inRun) { sb.Append('_'); inRun = true; }
        }
        if (sb.Length > 0 && char.IsDigit(sb[0])) sb.Insert(0, '_');
        return sb.Length == 0 ? "_" : sb.ToString();
    }

    /// <summary>Pairs of (identifier, original value, item), first occurrence of each identifier only.</summary>
    public static List<(string Name, string Original, TItem Item)> Build<TItem>(IEnumerable<(string? Value, TItem Item)> entries)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<(string, string, TItem)>();
        foreach (var (value, item) in entries)
        {
            if (value is null) continue;
            var name = ToIdentifier(value);
            if (seen.Add(name)) result.Add((name, value, item));
        }
        return result;
    }
}
