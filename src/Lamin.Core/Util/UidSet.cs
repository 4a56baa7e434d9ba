namespace Lamin.Core.Util;

/// <summary>
/// A set of uids kept compactly, for a pipeline that must remember every artifact it was given but is rarely
/// asked: a base62 uid of up to 20 characters is stored as 16 bytes (<see cref="Uids.TryPack"/>) in a plain list
/// until the first lookup, and only then indexed (a hash set of the same 16 bytes); anything else is kept as its
/// string. Exact: two different strings are never taken for one.
/// </summary>
public sealed class UidSet
{
    private readonly record struct Packed(ulong High, ulong Low);

    private List<Packed>? _log = [];
    private HashSet<Packed>? _index;
    private HashSet<string>? _other;

    public int Count => (_log?.Count ?? 0) + (_index?.Count ?? 0) + (_other?.Count ?? 0);

    /// <summary>Adds <paramref name="uid"/>. Before the first lookup, a uid added twice is kept twice (and counted so).</summary>
    public void Add(string uid)
    {
        if (!Pack(uid, out var p)) (_other ??= new HashSet<string>(StringComparer.Ordinal)).Add(uid);
        else if (_index is not null) _index.Add(p);
        else _log!.Add(p);
    }

    public bool Contains(string uid)
    {
        if (!Pack(uid, out var p)) return _other?.Contains(uid) == true;
        if (_index is null) { _index = [.. _log!]; _log = null; }
        return _index.Contains(p);
    }

    private static bool Pack(string uid, out Packed packed)
    {
        var ok = Uids.TryPack(uid, out var n);
        packed = new Packed((ulong)(n >> 64), (ulong)n);
        return ok;
    }
}
