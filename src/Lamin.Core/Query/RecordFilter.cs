using System.Collections;
using System.Globalization;

namespace Lamin.Core.Query;

/// <summary>
/// Django-style filters (SPEC rule 15): keys are "field" or "field__lookup", values are compared
/// with the field's type. Built once, then applied to each record.
/// </summary>
public sealed class RecordFilter<T>
{
    public static readonly string[] Lookups = ["exact", "iexact", "contains", "icontains", "startswith", "endswith", "in", "gt", "gte", "lt", "lte", "isnull"];

    private readonly List<Func<T, bool>> _predicates = [];

    public RecordFilter(RecordFields<T> fields, IEnumerable<KeyValuePair<string, object?>> conditions)
    {
        foreach (var (key, rawValue) in conditions)
        {
            var parts = key.Split("__");
            if (parts.Length > 2)
                throw new LaminException(ErrorIds.UnknownFieldLookup,
                    $"'{key}' has more than one lookup; use field__lookup with one of: {string.Join(", ", Lookups)}.", key);
            var fieldName = parts[0];
            var lookup = parts.Length == 2 ? parts[1].ToLowerInvariant() : "exact";
            var prop = fields.Find(fieldName) ?? throw new LaminException(ErrorIds.UnknownField,
                $"Unknown field '{fieldName}'. Available fields: {string.Join(", ", fields.Names)}.", key);
            if (!Lookups.Contains(lookup))
                throw new LaminException(ErrorIds.UnknownFieldLookup,
                    $"Unsupported lookup '{parts[1]}' for field '{fieldName}'. Valid lookups: {string.Join(", ", Lookups)}.", key);
            var type = Nullable.GetUnderlyingType(prop.PropertyType) ?? prop.PropertyType;
            var name = RecordFields<T>.ToSnake(prop.Name);
            Func<T, object?> get = r => prop.GetValue(r);
            _predicates.Add(Build(name, type, lookup, Unwrap(rawValue), get));
        }
    }

    public bool Matches(T record) => _predicates.All(p => p(record));

    private static object? Unwrap(object? v) =>
        v?.GetType().FullName == "System.Management.Automation.PSObject"
            ? v.GetType().GetProperty("BaseObject")!.GetValue(v)
            : v;

    private static Func<T, bool> Build(string name, Type type, string lookup, object? value, Func<T, object?> get)
    {
        switch (lookup)
        {
            case "isnull":
                bool wantNull = ToBool(name + "__isnull", value);
                return r => (get(r) is null) == wantNull;
            case "in":
                if (value is string || value is not IEnumerable items)
                    throw new LaminException(ErrorIds.InvalidFilterValue, $"'{name}__in' expects a list, e.g. @('a','b').", value);
                var set = items.Cast<object?>().Select(i => Convert(name, type, Unwrap(i))).ToList();
                return r => set.Any(s => Equals(get(r), s));
            case "iexact" or "contains" or "icontains" or "startswith" or "endswith":
                var text = value?.ToString() ?? throw new LaminException(ErrorIds.InvalidFilterValue, $"'{name}__{lookup}' needs a value.", value);
                var cmp = lookup is "iexact" or "icontains" ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
                return lookup switch
                {
                    "iexact" => r => string.Equals(Text(get(r)), text, cmp),
                    "contains" or "icontains" => r => Text(get(r))?.Contains(text, cmp) == true,
                    "startswith" => r => Text(get(r))?.StartsWith(text, cmp) == true,
                    _ => r => Text(get(r))?.EndsWith(text, cmp) == true,
                };
            case "gt" or "gte" or "lt" or "lte":
                var bound = Convert(name, type, value) as IComparable
                    ?? throw new LaminException(ErrorIds.InvalidFilterValue, $"'{name}__{lookup}' needs a value to compare with.", value);
                return r =>
                {
                    if (get(r) is not IComparable v) return false;
                    int c = v.CompareTo(bound);
                    return lookup switch { "gt" => c > 0, "gte" => c >= 0, "lt" => c < 0, _ => c <= 0 };
                };
            default:
                if (value is null) return r => get(r) is null;
                var expected = Convert(name, type, value);
                return r => Equals(get(r), expected);
        }
    }

    private static string? Text(object? v) => v switch
    {
        null => null,
        DateTime d => d.ToString("o", CultureInfo.InvariantCulture),
        _ => System.Convert.ToString(v, CultureInfo.InvariantCulture),
    };

    private static bool ToBool(string name, object? value) => value switch
    {
        bool b => b,
        string s when bool.TryParse(s, out var b) => b,
        int i => i != 0,
        _ => throw new LaminException(ErrorIds.InvalidFilterValue, $"Field '{name}' expected $true or $false but got '{value}'.", value),
    };

    private static object? Convert(string name, Type type, object? value)
    {
        if (value is null) return null;
        try
        {
            if (type == typeof(string)) return System.Convert.ToString(value, CultureInfo.InvariantCulture);
            if (type == typeof(bool)) return ToBool(name, value);
            if (type.IsEnum) return Enum.Parse(type, value.ToString()!, ignoreCase: true);
            if (type == typeof(DateTime))
                return value is DateTime d ? d.ToUniversalTime()
                    : DateTime.Parse(value.ToString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            if (type == typeof(Guid)) return value is Guid g ? g : Guid.Parse(value.ToString()!);
            return System.Convert.ChangeType(value, type, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException or ArgumentException)
        {
            var what = type == typeof(int) || type == typeof(long) ? "a number" : $"a {type.Name}";
            throw new LaminException(ErrorIds.InvalidFilterValue, $"Field '{name}' expected {what} but got '{value}'.", value, e);
        }
    }
}
