using System.Text;
using System.Text.RegularExpressions;

namespace Lamin.Core.Query;

/// <summary>PowerShell-style wildcards (*, ?, [abc], backtick escapes), case-insensitive, for string filters.</summary>
public static class Wildcard
{
    public static bool HasWildcard(string pattern) => pattern.IndexOfAny(['*', '?', '[']) >= 0;

    public static Regex ToRegex(string pattern)
    {
        var sb = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            switch (c)
            {
                case '`' when i + 1 < pattern.Length: sb.Append(Regex.Escape(pattern[++i].ToString())); break;
                case '*': sb.Append(".*"); break;
                case '?': sb.Append('.'); break;
                case '[':
                    int end = pattern.IndexOf(']', i + 1);
                    if (end < 0) { sb.Append(@"\["); break; }
                    sb.Append('[').Append(pattern[(i + 1)..end].Replace(@"\", @"\\")).Append(']');
                    i = end;
                    break;
                default: sb.Append(Regex.Escape(c.ToString())); break;
            }
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }

    /// <summary>A matcher built once per query and applied to every record.</summary>
    public static Func<string?, bool> Compile(string pattern)
    {
        if (!HasWildcard(pattern)) return v => string.Equals(v, pattern, StringComparison.OrdinalIgnoreCase);
        var regex = ToRegex(pattern);
        return v => v is not null && regex.IsMatch(v);
    }

    public static bool IsMatch(string? value, string pattern) => Compile(pattern)(value);
}
