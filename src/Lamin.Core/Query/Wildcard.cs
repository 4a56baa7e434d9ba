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
                    int end = SetEnd(pattern, i);
                    if (end < 0) { sb.Append(@"\["); break; } // no closing bracket: a literal '[' (lenient; PowerShell refuses it)
                    AppendSet(sb, pattern, pattern[(i + 1)..end]);
                    i = end;
                    break;
                default: sb.Append(Regex.Escape(c.ToString())); break;
            }
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }

    /// <summary>
    /// Where the set opened at <paramref name="open"/> closes, as PowerShell reads it: a ']' right after the '[' is a
    /// member, a backtick escapes the next character (']' too); -1 when it never closes.
    /// </summary>
    private static int SetEnd(string pattern, int open)
    {
        for (int j = open + 1; j < pattern.Length; j++)
        {
            if (pattern[j] == '`') { j++; continue; }
            if (pattern[j] == ']' && j > open + 1) return j;
        }
        return -1;
    }

    /// <summary>
    /// A bracket set as a regex class: each character literal (so '^', '\\' and '[' mean themselves, as in PowerShell),
    /// x-y a range, a backtick escapes the next character. A reversed range matches nothing and is
    /// refused (InvalidArgument), not passed on to the regex engine to fail as an unexpected error.
    /// </summary>
    private static void AppendSet(StringBuilder sb, string pattern, string set)
    {
        var chars = new List<char>();
        var literal = new List<bool>();
        for (int j = 0; j < set.Length; j++)
        {
            bool escaped = set[j] == '`' && j + 1 < set.Length;
            chars.Add(escaped ? set[++j] : set[j]);
            literal.Add(escaped);
        }
        sb.Append('[');
        for (int j = 0; j < chars.Count; j++)
        {
            if (j + 2 < chars.Count && chars[j + 1] == '-' && !literal[j + 1])
            {
                if (chars[j + 2] < chars[j]) throw Invalid(pattern, $"the range '{chars[j]}-{chars[j + 2]}' is in reverse order");
                sb.Append(EscapeInSet(chars[j])).Append('-').Append(EscapeInSet(chars[j + 2]));
                j += 2;
            }
            else sb.Append(EscapeInSet(chars[j]));
        }
        sb.Append(']');
    }

    private static string EscapeInSet(char c) => c is '\\' or ']' or '[' or '^' or '-' ? "\\" + c : c.ToString();

    private static Errors.LaminException Invalid(string pattern, string why) =>
        new(Errors.ErrorIds.InvalidArgument,
            $"The wildcard pattern '{pattern}' is not valid: {why}. To match '[' itself, escape it with a backtick: '`['.", pattern);

    /// <summary>A matcher built once per query and applied to every record.</summary>
    public static Func<string?, bool> Compile(string pattern)
    {
        if (!HasWildcard(pattern)) return v => string.Equals(v, pattern, StringComparison.OrdinalIgnoreCase);
        var regex = ToRegex(pattern);
        return v => v is not null && regex.IsMatch(v);
    }

    public static bool IsMatch(string? value, string pattern) => Compile(pattern)(value);
}
