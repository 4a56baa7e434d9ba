using System.Text.RegularExpressions;

namespace Lamin.Core.Query;

/// <summary>A record with its search score.</summary>
public sealed record Ranked<T>(T Record, int Score);

/// <summary>
/// LaminDB's search (SPEC rule 16): a row matches when a text field contains the query; its rank is
/// the sum over fields of: exact 200, whole sub-phrase bounded by " |.,;:" 10, word start 2,
/// word end 2, contains 1. The query is literal (no regex), trimmed, case-insensitive by default.
/// Hash fields (<paramref name="hashFields"/>) are not text: they match only whole (200) or by a
/// prefix of at least <see cref="MinHashPrefix"/> characters (2), and a row that matches only in a
/// hash field ranks after every row that matches in another field.
/// </summary>
public static class SearchRanker
{
    /// <summary>The shortest query that matches a hash by its start.</summary>
    public const int MinHashPrefix = 8;

    public static List<Ranked<T>> Rank<T>(IEnumerable<T> records, RecordFields<T> fields, string? query,
        IReadOnlyCollection<string>? onlyFields = null, int? limit = 20, bool caseSensitive = false,
        IReadOnlyCollection<string>? hashFields = null)
    {
        if (string.IsNullOrWhiteSpace(query))
            throw new LaminException(ErrorIds.InvalidSearchQuery, "There is nothing to search for: pass a non-empty text as -Query.", query);
        var names = onlyFields is { Count: > 0 } ? onlyFields.ToList() : fields.TextFieldNames.ToList();
        foreach (var n in names)
            if (fields.Find(n) is null)
                throw new LaminException(ErrorIds.UnknownField, $"Unknown field '{n}'. Available fields: {string.Join(", ", fields.TextFieldNames)}.", n);

        var q = Regex.Escape(query.Trim());
        var opts = RegexOptions.CultureInvariant | (caseSensitive ? 0 : RegexOptions.IgnoreCase);
        var rules = new (Regex Pattern, int Weight)[]
        {
            (new Regex($"^{q}$", opts), 200),
            (new Regex($"(^|[ |.,;:]){q}($|[ |.,;:])", opts), 10),
            (new Regex($"(^|[ |]){q}", opts), 2),
            (new Regex($"{q}($|[ |])", opts), 2),
            (new Regex(q, opts), 1),
        };
        var isHash = names.ToDictionary(n => n, n => hashFields?.Any(h => fields.Find(h) == fields.Find(n)) == true);
        var trimmed = query.Trim();
        var comparison = caseSensitive ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        var ranked = new List<(Ranked<T> Hit, bool TextMatch)>();
        foreach (var r in records)
        {
            int score = 0;
            bool textMatch = false;
            foreach (var n in names)
            {
                if (fields.Get(r, n) is not string value) continue;
                if (isHash[n])
                {
                    score += HashWeight(value, trimmed, comparison);
                    continue;
                }
                foreach (var (pattern, weight) in rules)
                    if (pattern.IsMatch(value)) { score += weight; textMatch = true; }
            }
            if (score > 0) ranked.Add((new Ranked<T>(r, score), textMatch));
        }
        // Text matches first, then hash-only matches; stable: ties keep registry order.
        var ordered = ranked.OrderByDescending(x => x.TextMatch).ThenByDescending(x => x.Hit.Score).Select(x => x.Hit);
        return (limit is > 0 ? ordered.Take(limit.Value) : ordered).ToList();
    }

    /// <summary>A hash matches whole (200) or by a prefix of at least <see cref="MinHashPrefix"/> characters (2); never inside.</summary>
    private static int HashWeight(string hash, string query, StringComparison comparison) =>
        hash.Equals(query, comparison) ? 200
        : query.Length >= MinHashPrefix && hash.StartsWith(query, comparison) ? 2
        : 0;
}
