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
        int i = 0;
        long variants = 1;
        while (i < pattern.Length && pattern[i] is not ('*' or '?' or '[' or '`'))
        {
            var c = pattern[i];
            int n = char.IsAsciiLetter(c) ? AsciiCaseForms[char.ToLowerInvariant(c) - 'a'].Length
                : char.IsAscii(c) || !HasCase[c] ? 1 : 0;
            if (n == 0) break;
            if (maxVariants != int.MaxValue) // int.MaxValue: no cap (SpellingsPresent)
            {
                if (variants * n > maxVariants) break;
                variants *= n;
            }
            i++;
        }
        return pattern[..i];
    }

    /// <summary>
    /// A string above every string that starts with <paramref name="prefix"/>, both in UTF-16 order (LiteDB's ordinal
    /// collation) and in code point order (PostgreSQL's collation "C"): the prefix with its last character raised by
    /// one. Characters that can't be raised simply (U+D7FF and above: surrogates, where the two orders differ) are
    /// dropped from the end first, so a prefix ending in an emoji or a full-width letter still seeks a range (a wider
    /// one: callers keep only the keys that start with the prefix). Null when no character is left: seek by pattern.
    /// </summary>
    internal static string? UpperBound(string prefix)
    {
        int n = prefix.Length;
        while (n > 0 && (prefix[n - 1] >= '\uD7FF' || prefix[n - 1] == '\0')) n--;
        if (n == 0) return null;
        return prefix[..(n - 1)] + (char)(prefix[n - 1] + 1);
    }

    /// <summary>At most this many spellings are carried by <see cref="SpellingsPresent"/> before it gives up.</summary>
    private const int MaxLiveSpellings = 64;

    /// <summary>
    /// The spellings of <paramref name="pattern"/>'s literal prefix (as <see cref="LiteralPrefixAnyCase"/> cuts it, with
    /// no cap on variants) under which some key starts. They are grown a character at a time, and at each letter only
    /// the case forms that <paramref name="present"/> finds (given candidate prefixes, it returns those some key
    /// starts with) are kept: keys spelled one way cost a probe per case form of each letter, where seeking every
    /// spelling would cost 2^letters seeks and cutting the prefix at 64 spellings reads every key under the cut
    /// (issue 15: 'prefix-42/*' over 100,000 keys read all of them). Null when more than 64 spellings stay alive
    /// (the caller seeks the capped prefix instead); empty when no key can match.
    /// </summary>
    internal static IReadOnlyList<string>? SpellingsPresent(string pattern, Func<IReadOnlyList<string>, IReadOnlyList<string>> present)
    {
        var literal = LiteralPrefixAnyCase(pattern, int.MaxValue);
        IReadOnlyList<string> live = [""];
        int probed = 0; // characters of the literal the live spellings were last checked against
        for (int i = 0; i < literal.Length; i++)
        {
            var c = literal[i];
            if (!char.IsAsciiLetter(c)) continue;
            var tail = literal[probed..i];
            var candidates = new List<string>(live.Count * 2);
            foreach (var spelling in live)
                foreach (var form in AsciiCaseForms[char.ToLowerInvariant(c) - 'a'])
                    candidates.Add(spelling + tail + form);
            live = present(candidates);
            probed = i + 1;
            if (live.Count == 0) return [];
            if (live.Count > MaxLiveSpellings) return null;
        }
        var rest = literal[probed..];
        return rest.Length == 0 ? live : live.Select(x => x + rest).ToList();
    }

    /// <summary>
    /// The spellings to seek for <paramref name="pattern"/>: those some key has (<see cref="SpellingsPresent"/>), or,
    /// when too many stay alive, every spelling of the literal prefix cut at 64. [""] means every key.
    /// </summary>
    internal static IReadOnlyList<string> SpellingsToSeek(string pattern, Func<IReadOnlyList<string>, IReadOnlyList<string>> present) =>
        SpellingsPresent(pattern, present) ?? CaseVariants(LiteralPrefixAnyCase(pattern));

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
