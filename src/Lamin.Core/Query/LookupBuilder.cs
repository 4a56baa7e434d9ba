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

    /// <summary>
    /// Pairs of (identifier, original value, item) for every entry, in the order given (the caller passes
    /// id order): an empty or null value is named "_"; a name already taken — by an earlier value that
    /// differs only in case or punctuation, or by one of <paramref name="reserved"/> (the lookup object's
    /// own members), compared case-insensitively as PowerShell does — is suffixed "_2", "_3", …
    /// No record is dropped (SPEC §3).
    /// </summary>
    public static List<(string Name, string? Original, TItem Item)> Build<TItem>(IEnumerable<(string? Value, TItem Item)> entries, IEnumerable<string>? reserved = null)
    {
        var taken = new HashSet<string>(reserved ?? [], StringComparer.OrdinalIgnoreCase);
        var result = new List<(string, string?, TItem)>();
        foreach (var (value, item) in entries)
        {
            var name = string.IsNullOrEmpty(value) ? "_" : ToIdentifier(value);
            var unique = name;
            for (int k = 2; !taken.Add(unique); k++) unique = $"{name}_{k}";
            result.Add((unique, value, item));
        }
        return result;
    }
}
