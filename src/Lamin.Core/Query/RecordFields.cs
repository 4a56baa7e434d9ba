using System.Globalization;
using System.Reflection;

namespace Lamin.Core.Query;

/// <summary>
/// The queryable fields of a record type, by their LaminDB (snake_case) names; also accepts the
/// PowerShell property names. Shared by -Filter, search and lookup.
/// </summary>
public sealed class RecordFields<T>
{
    private readonly Dictionary<string, PropertyInfo> _byKey = new(StringComparer.Ordinal);

    public RecordFields(params string[] excluded)
    {
        foreach (var p in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (excluded.Contains(p.Name) || !IsSimple(p.PropertyType)) continue;
            var snake = ToSnake(p.Name);
            Names.Add(snake);
            _byKey[Key(snake)] = p;
        }
    }

    public List<string> Names { get; } = [];

    public IEnumerable<string> TextFieldNames => Names.Where(n => _byKey[Key(n)].PropertyType == typeof(string));

    public PropertyInfo? Find(string name) => _byKey.GetValueOrDefault(Key(name));

    public object? Get(T record, string name) => Find(name)?.GetValue(record);

    private static string Key(string name) => name.Replace("_", "").ToLowerInvariant();

    public static string ToSnake(string pascal)
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < pascal.Length; i++)
        {
            if (char.IsUpper(pascal[i]) && i > 0 && !char.IsUpper(pascal[i - 1])) sb.Append('_');
            sb.Append(char.ToLower(pascal[i], CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    private static bool IsSimple(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(DateTime) || t == typeof(Guid) || t == typeof(decimal);
    }
}
