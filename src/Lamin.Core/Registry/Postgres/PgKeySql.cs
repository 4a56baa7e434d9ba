using System.Text;
using Npgsql;

namespace Lamin.Core.Registry.Postgres;

/// <summary>
/// The SQL conditions the session's lookups send for uids and keys: exact prefixes (LIKE under collation "C", with the
/// range that keeps an index seek under row-level security) and keys compared through their indexed heads.
/// </summary>
internal static class PgKeySql
{
    /// <summary>A LIKE pattern that matches exactly the strings starting with <paramref name="prefix"/> (collation "C": byte-wise, so ordinal).</summary>
    internal static string PrefixPattern(string prefix)
    {
        var sb = new StringBuilder(prefix.Length + 1);
        foreach (var c in prefix)
        {
            if (c is '\\' or '%' or '_') sb.Append('\\');
            sb.Append(c);
        }
        return sb.Append('%').ToString();
    }

    /// <summary>
    /// The rows whose <paramref name="column"/> (collation "C") starts with <paramref name="prefix"/>: a range
    /// [prefix, prefix with its last character raised) and the LIKE that is exact. Under row-level security
    /// the planner puts the policies' conditions first and may use only leakproof conditions of the query for
    /// an index: text comparisons are leakproof, LIKE is not, so the range is what keeps the index seek.
    /// Arguments: <see cref="PrefixArgs"/>.
    /// </summary>
    internal static string PrefixCondition(string column, string prefix) =>
        PrefixCondition(column, prefix, $"{column} >= $2 AND {column} < $3");

    private static string PrefixCondition(string column, string prefix, string range) =>
        Lamin.Core.Query.KeyCase.UpperBound(prefix) is null ? $"{column} LIKE $1" : $"{range} AND {column} LIKE $1";

    internal static object?[] PrefixArgs(string prefix) =>
        Lamin.Core.Query.KeyCase.UpperBound(prefix) is { } upper ? [PrefixPattern(prefix), prefix, upper] : [PrefixPattern(prefix)];

    // Keys are indexed by their first KeyHeadChars characters (Upgrade-3.sql: the columns _key_head and
    // _real_key_head, left(key, 500)): a whole key of multi-byte characters can outgrow a btree entry. Every key
    // condition seeks the head and compares the whole key; the head conditions follow from the key's (a head is
    // a prefix of its key), so they never drop a row. Plain columns and text comparisons: leakproof, so a role
    // under row-level security seeks the index too.
    internal const int KeyHeadChars = 500;

    /// <summary>The indexed head column of a key column (key, _real_key, optionally qualified: a.key).</summary>
    internal static string HeadOf(string column) =>
        column.EndsWith("_real_key", StringComparison.Ordinal) ? column + "_head" : column[..^"key".Length] + "_key_head";

    /// <summary><paramref name="column"/> equals the value of parameter <paramref name="value"/> ($n).</summary>
    internal static string KeyEquals(string column, string value) =>
        $"{HeadOf(column)} = left({value}, {KeyHeadChars}) AND {column} = {value}";

    /// <summary>
    /// <paramref name="column"/> in [<paramref name="lower"/>, <paramref name="upper"/>) (SQL expressions); <paramref name="lowerHead"/>:
    /// a prefix of the lower bound of at most KeyHeadChars characters (then every key in the range has a head at or above it).
    /// By default the bound's own head, left(lower, 500): only for a parameter ($n), never for a column, since left() is
    /// not leakproof and a condition passing a column to it could not seek the index under row-level security.
    /// </summary>
    internal static string KeyRange(string column, string lower, string upper, string? lowerHead = null) =>
        $"{HeadOf(column)} >= {lowerHead ?? $"left({lower}, {KeyHeadChars})"} AND {HeadOf(column)} < {upper} AND {column} >= {lower} AND {column} < {upper}";

    /// <summary>
    /// A prefix of <paramref name="value"/> that is at most KeyHeadChars characters in any server encoding (160 UTF-16
    /// units, whole pairs: at most 500 bytes), for <see cref="KeyRange"/>'s lowerHead when the bound is a column.
    /// </summary>
    internal static string SafeHead(string value)
    {
        if (value.Length <= 160) return value;
        return char.IsHighSurrogate(value[159]) ? value[..159] : value[..160];
    }

    /// <summary><see cref="PrefixCondition"/> for a key column: the range seeks its head. Arguments: <see cref="PrefixArgs"/>.</summary>
    internal static string KeyPrefixCondition(string column, string prefix) =>
        PrefixCondition(column, prefix, KeyRange(column, "$2", "$3"));
}
