namespace Lamin.Core.Query;

/// <summary>
/// -Key matches without regard to case, while the LiteDB key index is ordinal: a key prefix is sought once
/// per spelling that the case-insensitive match accepts (each an index seek; a longer prefix is cut).
/// </summary>
public static class KeyCase
{
    /// <summary>At most this many case variants of a -Key prefix are looked up (one index seek each); a longer prefix is cut.</summary>
    private const int MaxCaseVariants = 64;

    /// <summary>
    /// The literal part of a -Key pattern (up to its first wildcard), cut where it stops being cheap to seek
    /// in every letter case: at a non-ASCII character that has another case, or where the number of case
    /// variants would pass <paramref name="maxVariants"/>. -Key matches case-insensitively, the key index is ordinal.
    /// With <paramref name="maxVariants"/> 1 it is the part one ordinal seek covers (cut at the first character
    /// that has another case): the lamin: drive's -Filter.
    /// </summary>
    internal static string LiteralPrefixAnyCase(string pattern, int maxVariants = MaxCaseVariants)
    {
        int i = 0, variants = 1;
        while (i < pattern.Length && pattern[i] is not ('*' or '?' or '[' or '`'))
        {
            var c = pattern[i];
            int n = char.IsAsciiLetter(c) ? AsciiCaseForms[char.ToLowerInvariant(c) - 'a'].Length
                : char.IsAscii(c) || !HasCase[c] ? 1 : 0;
            if (n == 0 || variants * n > maxVariants) break;
            variants *= n;
            i++;
        }
        return pattern[..i];
    }

    /// <summary>
    /// Every spelling of <paramref name="prefix"/> that -Key's case-insensitive match accepts: each ASCII letter
    /// in every character that upper- or lower-cases to it (k also as the Kelvin sign, s as the long s, i as the dotless i…).
    /// </summary>
    internal static IReadOnlyList<string> CaseVariants(string prefix)
    {
        var result = new List<string> { "" };
        foreach (var c in prefix)
        {
            var forms = char.IsAsciiLetter(c) ? AsciiCaseForms[char.ToLowerInvariant(c) - 'a'] : [c];
            result = result.SelectMany(r => forms.Select(f => r + f)).ToList();
        }
        return result;
    }

    /// <summary>For a..z: the characters whose invariant upper or lower case is that letter (in either case), the letter's two cases first.</summary>
    private static readonly char[][] AsciiCaseForms = BuildAsciiCaseForms();

    /// <summary>Characters that have another case, or are another character's case (ß, the case of ẞ): never seeked as they are.</summary>
    private static readonly System.Collections.BitArray HasCase = BuildHasCase();

    private static System.Collections.BitArray BuildHasCase()
    {
        var bits = new System.Collections.BitArray(char.MaxValue + 1);
        for (int ch = 0; ch <= char.MaxValue; ch++)
        {
            var c = (char)ch;
            foreach (var m in new[] { char.ToUpperInvariant(c), char.ToLowerInvariant(c) })
                if (m != c) { bits[c] = true; bits[m] = true; }
        }
        bits['\u0130'] = bits['\u0131'] = true; // the Turkish i's: a culture's case, whatever the invariant tables say
        return bits;
    }

    private static char[][] BuildAsciiCaseForms()
    {
        var forms = Enumerable.Range(0, 26).Select(k => new List<char> { (char)('a' + k), (char)('A' + k) }).ToArray();
        for (int ch = 128; ch <= char.MaxValue; ch++)
        {
            var c = (char)ch;
            if (char.IsSurrogate(c)) continue;
            foreach (var m in new[] { char.ToUpperInvariant(c), char.ToLowerInvariant(c) })
                if (char.IsAsciiLetter(m) && !forms[char.ToLowerInvariant(m) - 'a'].Contains(c)) forms[char.ToLowerInvariant(m) - 'a'].Add(c);
        }
        foreach (var turkish in "\u0130\u0131") if (!forms['i' - 'a'].Contains(turkish)) forms['i' - 'a'].Add(turkish);
        return forms.Select(f => f.ToArray()).ToArray();
    }

}
