using Lamin.Core.Query;
using View = Lamin.Core.Services.ArtifactService.View;

namespace Lamin.Core.Services;

/// <summary>Reading artifacts (SPEC §4): Get and its streamed listing, -Identity resolution (ids, uids, stubs, wildcards), Search.</summary>
internal sealed class ArtifactQueries(LaminContext context, StorageService storages)
{
    public List<LaminArtifact> Get(ArtifactQuery q) => context.Registry.Read(s => Select(new View(s, context, storages), q, null));

    /// <summary>
    /// The records of <paramref name="q"/>: from its own rows (an identity, the key or hash index, else every record), or
    /// from one <paramref name="page"/> of records in id order (<see cref="Stream"/>); the same rules for both.
    /// </summary>
    private List<LaminArtifact> Select(View view, ArtifactQuery q, List<LaminArtifact>? page)
    {
        var s = view.RequireSession();
        IEnumerable<LaminArtifact> rows;
        if (page is null && q.Identity is not null && Wildcard.HasWildcard(q.Identity))
            rows = Matching(view, q.Identity).Where(a => a.IsTrashed == q.Trash && (q.AllVersions || q.Trash || a.IsLatest)); // SPEC §4: a Get returns every match
        else if (page is null && q.Identity is not null) rows = [Resolve(view, q.Identity)];
        else
        {
            rows = page is not null ? page
                : q.Key is { } k && !k.StartsWith('*') && !k.StartsWith('?') && !k.StartsWith('[')
                ? s.ArtifactsByKeyPrefixIgnoreCase(WildcardFreePrefix(k))
                : q.Hash is not null ? s.ArtifactsByHash(q.Hash) : s.Artifacts.FindAll();
            rows = rows.Where(a => view.Access.CanSee(a.SpaceId) && a.IsTrashed == q.Trash && (q.AllVersions || q.Trash || a.IsLatest));
        }
        var conditions = new List<Func<LaminArtifact, bool>>();
        if (q.Key is not null) { var m = Wildcard.Compile(q.Key); conditions.Add(a => m(a.Key)); }
        if (q.Hash is not null) conditions.Add(a => a.Hash == q.Hash);
        if (q.Storage is not null)
        {
            var storage = ResolveStorage(context, view, q.Storage);
            conditions.Add(a => a.StorageId == storage.Id);
        }
        if (q.Filter is not null) { var f = new RecordFilter<LaminArtifact>(ArtifactService.Fields, q.Filter); conditions.Add(a => f.Matches(view.Decorate(a))); }
        return rows.Where(a => conditions.TrueForAll(c => c(a))).Select(view.Decorate).ToList();
    }

    /// <summary>
    /// <see cref="Get(ArtifactQuery)"/> as a stream, for a listing that no index narrows (every artifact, or those of one
    /// location, with or without -Filter): a page of records in id order per read session, so memory stays flat and the
    /// first records come at once at any size (`Get-LaminArtifact -Storage x | Select-Object -First 10` read every record
    /// of the location first: 3.9 s at a million on PostgreSQL; issue 28). Each record comes once; a record added during the
    /// listing may come too. A query by identity, key or hash reads its (index-bounded) rows in one session as before.
    /// </summary>
    public IEnumerable<LaminArtifact> Stream(ArtifactQuery q, int pageSize = 1000)
    {
        if (q.Identity is not null || q.Key is not null || q.Hash is not null)
        {
            foreach (var a in Get(q)) yield return a;
            yield break;
        }
        int last = int.MinValue;
        while (true)
        {
            var (page, read, lastId) = context.Registry.Read(s =>
            {
                var rows = s.Artifacts.FindPage(last, pageSize);
                return (Select(new View(s, context, storages), q, rows), rows.Count, rows.Count == 0 ? last : rows[^1].Id);
            });
            foreach (var a in page) yield return a;
            if (read < pageSize) yield break;
            last = lastId;
        }
    }

    /// <summary>The part of a -Key pattern before its first wildcard or escape: every match starts with it, without regard to case.</summary>
    internal static string WildcardFreePrefix(string pattern)
    {
        int i = pattern.IndexOfAny(['*', '?', '[', '`']);
        return i < 0 ? pattern : pattern[..i];
    }

    /// <summary>
    /// The artifacts the user may see whose uid or key a wildcard -Identity matches (SPEC §4), from the key or uid
    /// index when the pattern starts with plain characters.
    /// </summary>
    internal static IEnumerable<LaminArtifact> Matching(View view, string pattern)
    {
        var s = view.RequireSession();
        var m = Wildcard.Compile(pattern);
        var prefix = WildcardFreePrefix(pattern);
        var candidates = prefix.Length == 0 ? s.Artifacts.FindAll()
            : Util.Uids.IsBase62(prefix) ? s.ArtifactsByKeyPrefixIgnoreCase(prefix).Concat(s.ArtifactsByUidPrefix(prefix)).DistinctBy(a => a.Id)
            : s.ArtifactsByKeyPrefixIgnoreCase(prefix);
        return candidates.Where(a => view.Access.CanSee(a.SpaceId) && (m(a.Uid) || (a.Key is { } k && m(k))));
    }

    /// <summary>-Identity: id, uid, or a uid prefix; a prefix of up to 16 characters prefers the latest version.</summary>
    internal static LaminArtifact Resolve(View view, string identity)
    {
        var s = view.RequireSession();
        identity = identity.Trim();
        if (Wildcard.HasWildcard(identity)) return view.Decorate(ResolvePattern(view, identity));
        LaminArtifact? found = null;
        if (identity.Length is > 0 and < 12 && identity.All(char.IsAsciiDigit) && int.TryParse(identity, out var id))
            found = s.Artifacts.FindById(id);
        if (found is null && identity.Length > 0)
        {
            found = s.ArtifactByUid(identity);
            if (found is null && Util.Uids.IsBase62(identity))
            {
                var matches = s.ArtifactsByUidPrefix(identity)
                    .Where(x => x.Uid.StartsWith(identity, StringComparison.Ordinal)).Take(1000).ToList(); // LiteDB's LIKE ignores case
                if (matches.Count > 1 && identity.Length <= ArtifactVersions.StemLength)
                {
                    var latest = matches.Where(m => m.IsLatest).ToList();
                    if (latest.Count > 0) matches = latest;
                }
                if (matches.Count > 1)
                    throw new LaminException(ErrorIds.MultipleRecordsFound,
                        $"The uid stub '{identity}' matches several artifacts ({string.Join(", ", matches.Take(10).Select(m => m.Uid))}); pass more characters.", identity);
                found = matches.SingleOrDefault();
            }
        }
        if (found is null)
            throw new LaminException(ErrorIds.RecordNotFound,
                $"No record found with uid '{identity}'. Did you forget a keyword as in Get-LaminArtifact -Key '{identity}'?", identity);
        view.Access.Require(found.SpaceId, SpaceRole.Read, identity, $"see artifact '{identity}'");
        return view.Decorate(found);
    }

    /// <summary>
    /// A wildcard -Identity for a cmdlet that changes state: the one latest, non-trashed artifact it matches (else the one
    /// trashed artifact, for Restore); several → MultipleRecordsFound, none → RecordNotFound (SPEC §4).
    /// </summary>
    private static LaminArtifact ResolvePattern(View view, string pattern)
    {
        var all = Matching(view, pattern).Take(10_000).ToList();
        var chosen = all.Where(a => a.IsLatest && !a.IsTrashed).ToList();
        if (chosen.Count == 0) chosen = all.Where(a => a.IsTrashed).ToList();
        if (chosen.Count > 1)
            throw new LaminException(ErrorIds.MultipleRecordsFound,
                $"The pattern '{pattern}' matches several artifacts ({string.Join(", ", chosen.Take(10).Select(a => a.Key ?? a.Uid))}); name one by its uid, or list them with Get-LaminArtifact '{pattern}' and pipe the ones you mean.", pattern);
        return chosen.SingleOrDefault() ?? throw new LaminException(ErrorIds.RecordNotFound,
            $"No artifact's uid or key matches '{pattern}'. List what there is with Get-LaminArtifact -Key '*'.", pattern);
    }

    public LaminArtifact Resolve(string identity) => context.Registry.Read(s => Resolve(new View(s, context, storages), identity));

    /// <summary>A storage given as root (as typed or normalised), id, uid or uid stub, that the user may see.</summary>
    internal static LaminStorage ResolveStorage(LaminContext context, View view, string storage)
    {
        var found = StorageService.ResolveRootOrIdentity(view.Storages.Values, storage, context.CurrentDirectory);
        view.Access.Require(found.SpaceId, SpaceRole.Read, storage, $"see storage location '{storage}'");
        return found;
    }

    public List<Ranked<LaminArtifact>> Search(string? query, IReadOnlyCollection<string>? fields, int? limit, bool caseSensitive) =>
        context.Registry.Read(s =>
        {
            var view = new View(s, context, storages);
            var rows = s.Artifacts.FindAll().Where(a => !a.IsTrashed && a.IsLatest && view.Access.CanSee(a.SpaceId)).Select(view.Decorate);
            return SearchRanker.Rank(rows, ArtifactService.Fields, query, fields, limit, caseSensitive, ArtifactService.HashFields);
        });

    /// <summary>
    /// -Identity for a cmdlet that changes the artifact: one the user may write, not locked (RecordLocked says how to unlock it).
    /// </summary>
    internal static LaminArtifact ResolveForChange(View view, string identity)
    {
        var a = Resolve(view, identity);
        view.Access.Require(a.SpaceId, SpaceRole.Write, identity, $"change artifact {a.Uid}");
        if (a.IsLocked)
            throw new LaminException(ErrorIds.RecordLocked, $"The artifact {a.Uid} is locked; unlock it first with Set-LaminArtifact -Identity {a.Uid} -Unlock.", identity);
        return a;
    }

    /// <summary>Several artifacts resolved in one registry read (Save-LaminArtifact over a pipeline).</summary>
    public List<LaminArtifact> ResolveMany(IEnumerable<string> identities) => context.Registry.Read(s =>
    {
        var view = new View(s, context, storages);
        return identities.Select(i => Resolve(view, i)).ToList();
    });
}
