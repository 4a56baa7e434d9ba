using System.Collections.Concurrent;
using System.Reflection;

namespace Lamin.Core.Registry;

/// <summary>
/// The one rule for text a registry stores, the same on both engines (issue 25): PostgreSQL refuses a NUL in
/// text (SQLSTATE 22021) and cannot encode an unpaired UTF-16 surrogate, while LiteDB stored both, so an
/// instance that worked on LiteDB could not be copied to a team instance. Refused, wherever the text comes from:
/// <list type="bullet">
/// <item>the C0 control characters U+0000–U+001F except TAB (U+0009), LF (U+000A) and CR (U+000D), which a
/// multi-line description may hold;</item>
/// <item>DEL (U+007F);</item>
/// <item>an unpaired surrogate (a high surrogate not followed by a low one, or a low one on its own).</item>
/// </list>
/// Everything else (any other Unicode text, C1 controls included) is stored as given. Keys and roots have
/// stricter rules of their own (ArtifactKeys, StorageRoot: no control character at all), checked before this.
/// Cmdlet parameters are checked with <see cref="Check"/> before anything is written (InvalidArgument naming
/// the parameter); every record both registries insert or update passes <see cref="CheckRecord{T}"/> (the
/// last line, InvalidArgument naming the record and field); Copy-LaminInstance checks every source record
/// with it before it writes anything.
/// </summary>
public static class RegistryText
{
    /// <summary>What is wrong with <paramref name="value"/> (e.g. "the control character U+0000 (NUL)"), or null when the registry may store it.</summary>
    public static string? Problem(string? value)
    {
        if (value is null) return null;
        for (int i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c < ' ' && c is not ('\t' or '\n' or '\r'))
                return $"the control character U+{(int)c:X4}{(c == '\0' ? " (NUL)" : "")} at position {i}";
            if (c == '\u007F') return $"the control character U+007F (DEL) at position {i}";
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) { i++; continue; }
                return $"an unpaired surrogate U+{(int)c:X4} at position {i}";
            }
            if (char.IsLowSurrogate(c)) return $"an unpaired surrogate U+{(int)c:X4} at position {i}";
        }
        return null;
    }

    /// <summary>A parameter (<paramref name="field"/>, e.g. "-Description") whose value becomes registry text: InvalidArgument naming it when <see cref="Problem"/> finds something.</summary>
    public static void Check(string field, string? value)
    {
        if (Problem(value) is { } why)
            throw new LaminException(ErrorIds.InvalidArgument,
                $"{field} contains {why}, which a Lamin registry does not store (control characters other than tab and line breaks, " +
                "and unpaired surrogates, are refused on every engine); nothing was written. Remove it and run the command again.", field);
    }

    /// <summary>The record's first stored text field that breaks the rule, with the reason; null when every field is fine.</summary>
    public static (string Field, string Why)? FindProblem<T>(T record) where T : class
    {
        foreach (var p in TextFields(typeof(T)))
            if (Problem(p.GetValue(record) as string) is { } why) return (p.Name, why);
        return null;
    }

    /// <summary>
    /// Every stored text field of a record about to be inserted or updated (both engines): InvalidArgument naming
    /// the record (its kind and uid or name) and the field; the session is rolled back, nothing of it is written.
    /// </summary>
    public static void CheckRecord<T>(T record) where T : class
    {
        if (FindProblem(record) is { } bad)
            throw new LaminException(ErrorIds.InvalidArgument,
                $"The {Describe(record)} has {bad.Why} in its field {bad.Field}, which a Lamin registry does not store " +
                "(control characters other than tab and line breaks, and unpaired surrogates, are refused on every engine); nothing of this command was written.",
                Name(record));
    }

    /// <summary>A record as messages name it: "artifact 'uid'", "storage location 'uid'", "space 'name'", …</summary>
    public static string Describe(object record) => record switch
    {
        LaminArtifact a => $"artifact '{Safe(a.Uid)}'",
        LaminStorage s => $"storage location '{Safe(s.Uid)}'",
        LaminSpace s => $"space '{Safe(s.Uid)}' ({Safe(s.Name)})",
        LaminSpaceAccess g => $"grant {g.Id} (space id {g.SpaceId}, user '{Safe(g.User)}')",
        InstanceDocument d => $"instance record '{Safe(d.Uid)}'",
        _ => record.GetType().Name,
    };

    private static string? Name(object record) => record switch
    {
        LaminArtifact a => a.Uid,
        LaminStorage s => s.Uid,
        LaminSpace s => s.Uid,
        InstanceDocument d => d.Uid,
        _ => null,
    };

    /// <summary>A value shown in a message, its offending characters made visible (a NUL would cut a message short).</summary>
    private static string Safe(string? s) =>
        s is null ? "" : string.Concat(s.Select(c => c < ' ' || c == '\u007F' || char.IsSurrogate(c) ? $"\\u{(int)c:X4}" : c.ToString()));

    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> Fields = new();

    /// <summary>The public string properties a registry stores (not [Computed]: computed or filled on reading).</summary>
    private static PropertyInfo[] TextFields(Type t) => Fields.GetOrAdd(t, type => type
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.PropertyType == typeof(string) && p.CanRead && p.CanWrite && p.GetIndexParameters().Length == 0
                    && p.GetCustomAttribute<Model.ComputedAttribute>() is null)
        .ToArray());
}
