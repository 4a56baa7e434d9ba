
namespace Lamin.Core.Services;

/// <summary>
/// The registry reads and writes of one batch in few round trips (a team instance's server is a network
/// hop away): the dedupe lookups by hash and the version lookups by key are answered by one query each
/// for the whole batch, then kept up to date with the batch's own records; the new records wait in
/// <see cref="Pending"/> and go in together (<see cref="IRecordTable{T}.InsertMany"/>). Anything that
/// asks the registry about the batch's records otherwise (a version's family, ObjectUsage, an update)
/// calls <see cref="Flush"/> first, so it sees them exactly as it did when each was inserted at once.
/// </summary>
internal sealed class BatchLookups
{
    private readonly IRegistrySession _s;
    private readonly Dictionary<string, List<LaminArtifact>> _byHash = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<LaminArtifact>> _byKey = new(StringComparer.Ordinal);
    private readonly List<LaminArtifact> _pending = [];

    public BatchLookups(IRegistrySession s, IReadOnlyList<StagedArtifact> staged)
    {
        _s = s;
        var hashes = staged.Select(i => i.Hash.Hash).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        foreach (var h in hashes) _byHash[h] = [];
        foreach (var a in s.ArtifactsByHashes(hashes)) if (a.Hash is not null && _byHash.TryGetValue(a.Hash, out var l)) l.Add(a);
        var keys = staged.Select(i => i.Plan.Key).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        foreach (var k in keys) _byKey[k] = [];
        foreach (var a in s.ArtifactsByKeys(keys)) if (a.Key is not null && _byKey.TryGetValue(a.Key, out var l)) l.Add(a);
    }

    /// <summary>Artifacts with this hash, the batch's own included, in id order (as <see cref="IRegistrySession.ArtifactsByHash"/>).</summary>
    public List<LaminArtifact> ByHash(string hash) => _byHash.TryGetValue(hash, out var l) ? l : [.. _s.ArtifactsByHash(hash)];

    /// <summary>Artifacts with this key, the batch's own included (as <see cref="IRegistrySession.ArtifactsByKey"/>).</summary>
    public List<LaminArtifact> ByKey(string key) => _byKey.TryGetValue(key, out var l) ? l : [.. _s.ArtifactsByKey(key)];

    public IReadOnlyList<LaminArtifact> Pending => _pending;

    public void Add(LaminArtifact a)
    {
        _pending.Add(a);
        if (a.Hash is not null) { if (!_byHash.TryGetValue(a.Hash, out var h)) _byHash[a.Hash] = h = [.. _s.ArtifactsByHash(a.Hash)]; h.Add(a); }
        if (a.Key is not null) { if (!_byKey.TryGetValue(a.Key, out var k)) _byKey[a.Key] = k = [.. _s.ArtifactsByKey(a.Key)]; k.Add(a); }
    }

    /// <summary>Inserts the records waiting (each gets its id).</summary>
    public void Flush()
    {
        if (_pending.Count == 0) return;
        _s.Artifacts.InsertMany(_pending);
        _pending.Clear();
    }
}
