using Lamin.Core.Query;
using Lamin.Core.Util;

namespace Lamin.Core.Services;

/// <summary>A validated request to register a location: nothing has been written yet (-WhatIf stops here).</summary>
public sealed record StoragePlan(StorageRoot Root, string? Host, string? Description, int SpaceId, string SpaceName, LaminStorage? Existing, string? Region = null)
{
    /// <summary>A local root whose folder does not exist yet: registering creates it (as LaminDB does; issue 26 point 5).</summary>
    public bool CreatesFolder { get; init; } = Root.IsLocal && !Directory.Exists(Root.Root);
}

/// <summary>Which properties Set-LaminStorage was given (null = leave as is).</summary>
public sealed record StorageChange(string? Description = null, bool DescriptionSet = false, string? Space = null, bool? Lock = null);

/// <summary>Get-LaminStorage's filters.</summary>
public sealed record StorageQuery(string? Identity = null, string? Root = null, string? Type = null, string? Host = null,
    string? Space = null, bool? Managed = null, IEnumerable<KeyValuePair<string, object?>>? Filter = null, bool Statistics = false);

/// <summary>The storage-location registry: every rule of SPEC §5 that concerns Storage records.</summary>
public sealed class StorageService(LaminContext context)
{
    private StorageRegistration Registration => new(context, this);
    public const string UnknownInstance = "__unknown__";

    /// <summary>An owner as words for messages: LaminDB's "__unknown__" placeholder is never shown as a name.</summary>
    public static string OwnerText(string? instanceUid) => instanceUid switch
    {
        null => "no instance",
        UnknownInstance => "an instance not known here",
        _ => instanceUid,
    };
    public static readonly RecordFields<LaminStorage> Fields = new(nameof(LaminStorage.ArtifactCount), nameof(LaminStorage.Size));

    // ---------------------------------------------------------------- reading

    /// <summary>Fills the computed members (Space name, IsManaged) from the session's view.</summary>
    internal LaminStorage Decorate(LaminStorage s, AccessPolicy access)
    {
        s.Space = access.SpaceName(s.SpaceId);
        s.IsManaged = s.InstanceUid == context.InstanceUid;
        return s;
    }

    public List<LaminStorage> Get(StorageQuery q) => context.Registry.Read(s => Get(s, q));

    internal List<LaminStorage> Get(IRegistrySession session, StorageQuery q)
    {
        var access = new AccessPolicy(session, context.User);
        IEnumerable<LaminStorage> rows;
        if (q.Identity is not null && IsRootPattern(q.Identity))
        {
            // SPEC §4: a Get returns every record a wildcard -Identity matches (its root or its uid), none when none does.
            var m = Wildcard.Compile(q.Identity);
            rows = session.Storages.FindAll().Where(r => access.CanSee(r.SpaceId) && (m(r.Root) || m(r.Uid))).ToList();
        }
        else if (q.Identity is not null)
            rows = [Resolve(session, access, q.Identity)];
        else
            rows = session.Storages.FindAll().Where(r => access.CanSee(r.SpaceId));
        var filter = q.Filter is null ? null : new RecordFilter<LaminStorage>(Fields, q.Filter);
        var conditions = new List<Func<LaminStorage, bool>>();
        if (q.Root is not null) conditions.Add(RootFilter(q.Root));
        if (q.Type is not null) { var m = Wildcard.Compile(q.Type); conditions.Add(r => m(r.Type)); }
        if (q.Host is not null) { var m = Wildcard.Compile(q.Host); conditions.Add(r => m(r.Host)); }
        if (q.Space is not null) { var m = Wildcard.Compile(q.Space); conditions.Add(r => m(r.Space)); }
        if (q.Managed is { } managed) conditions.Add(r => r.IsManaged == managed);
        if (filter is not null) conditions.Add(filter.Matches);
        var result = new List<LaminStorage>();
        foreach (var r in rows)
        {
            Decorate(r, access);
            if (conditions.TrueForAll(c => c(r))) result.Add(r);
        }
        if (q.Statistics) AddStatistics(session, result);
        return result;
    }

    /// <summary>-Root: a pattern is matched as typed; a plain root is normalised first (SPEC rule 2), then compared.</summary>
    private Func<LaminStorage, bool> RootFilter(string root)
    {
        var v = root; // as given (SPEC §10 rule 16)
        if (v.Length == 0 || IsRootPattern(v)) { var m = Wildcard.Compile(v); return r => m(r.Root); }
        string normalised;
        try { normalised = StorageRoot.Parse(v, context.CurrentDirectory).Root; }
        catch (LaminException) { return r => string.Equals(r.Root, v, StringComparison.OrdinalIgnoreCase); } // not a root: matches as typed
        return r => r.Root == normalised || r.Root == v;
    }

    private static void AddStatistics(IRegistrySession session, List<LaminStorage> rows)
    {
        var stats = session.ArtifactStatistics();
        foreach (var r in rows)
        {
            var (count, size) = stats.GetValueOrDefault(r.Id);
            r.ArtifactCount = count;
            r.Size = size;
        }
    }

    /// <summary>-Identity (SPEC §4, rule 15): an id, a full uid, a unique uid stub, else a root (normalised).</summary>
    internal LaminStorage Resolve(IRegistrySession session, AccessPolicy access, string identity)
    {
        var found = ResolveRootOrIdentity(session.Storages.FindAll().ToList(), identity, context.CurrentDirectory);
        access.Require(found.SpaceId, SpaceRole.Read, identity, $"see storage location '{identity}'");
        return Decorate(found, access);
    }

    /// <summary>A root pattern: `*` or `[`, or a `?` that is not an S3 endpoint's query string.</summary>
    public static bool IsRootPattern(string value) =>
        value.Contains('*') || value.Contains('[') || (value.Contains('?') && !value.Contains("?endpoint_url=", StringComparison.Ordinal));

    /// <summary>
    /// A location named the way SPEC §4 reads -Identity, in this order: all digits → an id; a full uid; a
    /// unique uid stub; a root — as typed, else normalised against the current directory (SPEC rule 2). A
    /// value with wildcards is matched against the roots, never normalised. A local root registered for
    /// several hosts resolves to the record present on this machine (rule 6), else MultipleRecordsFound.
    /// </summary>
    public static LaminStorage ResolveRootOrIdentity(IReadOnlyCollection<LaminStorage> all, string storage, string currentDirectory)
    {
        var v = storage; // as given (SPEC §10 rule 16): " abc" is a folder's name, not the uid abc
        if (v.Length == 0)
            throw new LaminException(ErrorIds.RecordNotFound, "No storage location was named; pass an id, a uid or a root.", storage);
        bool identityLike = v.All(char.IsAsciiLetterOrDigit);
        if (identityLike)
        {
            LaminStorage? found = null;
            if (v.Length < 12 && v.All(char.IsAsciiDigit) && int.TryParse(v, out var id))
                found = all.FirstOrDefault(x => x.Id == id);
            found ??= all.FirstOrDefault(x => x.Uid == v);
            if (found is null)
            {
                var matches = all.Where(x => x.Uid.StartsWith(v, StringComparison.Ordinal)).Take(11).ToList();
                if (matches.Count > 1)
                    throw new LaminException(ErrorIds.MultipleRecordsFound,
                        $"The uid stub '{v}' matches several storage locations ({string.Join(", ", matches.Take(10).Select(m => m.Uid))}); pass more characters.", storage);
                found = matches.SingleOrDefault();
            }
            if (found is not null) return found;
        }
        List<LaminStorage> candidates;
        if (IsRootPattern(v))
        {
            var match = Wildcard.Compile(v);
            candidates = all.Where(x => match(x.Root)).ToList();
            if (candidates.Count > 1 && candidates.Select(x => x.Root).Distinct().Count() > 1)
                throw new LaminException(ErrorIds.MultipleRecordsFound,
                    $"'{v}' matches several storage locations ({string.Join(", ", candidates.Take(10).Select(m => m.Root))}); name one.", storage);
        }
        else
        {
            candidates = all.Where(x => x.Root == v).ToList();
            if (candidates.Count == 0)
            {
                string? normalised = null;
                try { normalised = StorageRoot.Parse(v, currentDirectory).Root; }
                catch (LaminException) when (identityLike) { /* a mistyped uid, not a root: the uid message below */ }
                if (normalised is not null) candidates = all.Where(x => x.Root == normalised).ToList();
                if (candidates.Count == 0 && !identityLike)
                    throw new LaminException(ErrorIds.RecordNotFound,
                        $"No storage location with root '{normalised ?? v}' is registered; list them with Get-LaminStorage, or register it with New-LaminStorage -Root '{normalised ?? v}'.", storage);
            }
        }
        if (candidates.Count == 0)
            throw new LaminException(ErrorIds.RecordNotFound,
                identityLike
                    ? $"No storage location with id, uid or root '{v}'. List them with Get-LaminStorage, or filter with Get-LaminStorage -Root '{v}*'."
                    : $"No storage location matches '{v}'; list them with Get-LaminStorage.", storage);
        if (candidates.Count == 1) return candidates[0];
        var here = candidates.Where(IsPresentHere).ToList();
        if (here.Count == 1) return here[0];
        throw new LaminException(ErrorIds.MultipleRecordsFound,
            $"The root {candidates[0].Root} is registered for several hosts ({string.Join(", ", candidates.Select(c => $"{c.Host ?? "no host"}: {c.Uid}"))}) " +
            "and none is present on this machine alone; pass the uid.", storage);
    }

    /// <summary>-Identity resolution over records already read (SPEC §4 order), without access checks.</summary>
    public static LaminStorage ResolveIn(IEnumerable<LaminStorage> all, string identity) =>
        ResolveRootOrIdentity(all as IReadOnlyCollection<LaminStorage> ?? all.ToList(), identity, Environment.CurrentDirectory);

    public LaminStorage Resolve(string identity) =>
        context.Registry.Read(s => Resolve(s, new AccessPolicy(s, context.User), identity));

    public List<Ranked<LaminStorage>> Search(string? query, IReadOnlyCollection<string>? fields, int? limit, bool caseSensitive) =>
        context.Registry.Read(s =>
        {
            var access = new AccessPolicy(s, context.User);
            var rows = s.Storages.FindAll().Where(r => access.CanSee(r.SpaceId)).Select(r => Decorate(r, access));
            return SearchRanker.Rank(rows, Fields, query, fields, limit, caseSensitive);
        });

    // ---------------------------------------------------------------- creating (StorageRegistration)

    /// <summary>Validates a registration without writing anything (SPEC rules 1–3): <see cref="StorageRegistration.Plan"/>.</summary>
    public StoragePlan Plan(string? root, string? host, string? description, string? space) => Registration.Plan(root, host, description, space);

    /// <summary>Registers the planned location: <see cref="StorageRegistration.Create"/>.</summary>
    public (LaminStorage Record, bool Existed) Create(StoragePlan plan, Action<string> warn, bool failIfManagedElsewhere = false, bool requireManaged = false) =>
        Registration.Create(plan, warn, failIfManagedElsewhere, requireManaged);

    internal static LaminStorage? FindByRootHost(IRegistrySession s, string root, string? host) =>
        s.StoragesByRoot(root).FirstOrDefault(x => x.Host == host);

    // ---------------------------------------------------------------- changing

    /// <summary>Resolves a record for a change and checks lock and access (SPEC rules 17–18).</summary>
    internal LaminStorage ResolveForChange(IRegistrySession s, AccessPolicy access, string identity, bool unlocking = false)
    {
        var r = Resolve(s, access, identity);
        access.Require(r.SpaceId, SpaceRole.Write, identity, $"change storage location {r.Root}");
        if (r.IsLocked && !unlocking)
            throw new LaminException(ErrorIds.RecordLocked,
                $"The storage location {r.Root} is locked; unlock it first with Set-LaminStorage -Identity {r.Uid} -Unlock.", identity);
        return r;
    }

    public LaminStorage Update(string identity, StorageChange change) => context.Registry.Write(s =>
    {
        Registry.RegistryText.Check("-Description", change.Description);
        var access = new AccessPolicy(s, context.User);
        var r = ResolveForChange(s, access, identity, unlocking: change.Lock == false && change.Space is null && !change.DescriptionSet);
        if (change.Space is not null)
        {
            var target = SpaceService.FindByName(s, change.Space);
            access.Require(target.Id, SpaceRole.Write, change.Space, $"move storage location {r.Root} into space '{target.Name}'");
            r.SpaceId = target.Id;
        }
        if (change.DescriptionSet) r.Description = change.Description;
        if (change.Lock is { } l) r.IsLocked = l;
        r.UpdatedAt = Util.Clock.UtcNow;
        s.Storages.Update(r);
        return Decorate(r, access);
    });

    // ---------------------------------------------------------------- removing

    /// <summary>SPEC rules 9–14, in that order.</summary>
    public void Remove(string identity, bool? permanent) => context.Registry.Write(s =>
    {
        var (r, root, here) = CheckRemoval(s, identity, permanent);
        if (root is null)
        {
            s.Storages.Delete(r.Id); // read-only: drop the record, touch nothing in storage
            return;
        }
        if (here) Gate.RetireMarker(root);
        s.Storages.Delete(r.Id);
    });

    /// <summary>
    /// Every refusal of SPEC rules 9–13 without changing anything, so -WhatIf reports what removing
    /// would really do (the refusal, or whether the marker is freed). Returns the record.
    /// </summary>
    public LaminStorage CheckRemove(string identity, bool? permanent) =>
        context.Registry.Read(s => CheckRemoval(s, identity, permanent).Record);

    /// <summary>Rules 9–13; Root is null for a read-only location (only the record goes).</summary>
    private (LaminStorage Record, StorageRoot? Root, bool Here) CheckRemoval(IRegistrySession s, string identity, bool? permanent)
    {
        if (permanent == false)
            throw new LaminException(ErrorIds.SoftDeleteNotSupported,
                "Soft delete is not possible for Storage (it has no trash); use -Permanent $true or leave -Permanent out.", identity);
        var access = new AccessPolicy(s, context.User);
        var r = ResolveForChange(s, access, identity);
        var artifacts = s.CountArtifactsInStorage(r.Id);
        if (artifacts == 0 && s.HidesArtifactsIn(r.Id))
            throw new LaminException(ErrorIds.StorageHasArtifacts,
                $"Cannot delete storage with artifacts in current instance: {r.Root} holds artifacts in a space you have no access to. " +
                "Ask an admin of the instance to remove or move them first.", r);
        if (artifacts > 0)
            throw new LaminException(ErrorIds.StorageHasArtifacts,
                $"Cannot delete storage with artifacts in current instance: {r.Root} holds {artifacts} artifact(s), trashed ones included. " +
                "Remove them with Remove-LaminArtifact -Permanent, or move them with Move-LaminArtifact, first.", r);
        if (!r.IsManaged) return (r, null, false);
        var root = StorageRoot.Parse(r.Root, context.CurrentDirectory);
        // A local folder that is not on this machine (another host, or moved away) has nothing here to check or free.
        bool here = !root.IsLocal || IsPresentHere(r);
        var leftovers = here ? ManagedObjectsBesideMarker(root, s.RegistryPath) : [];
        if (leftovers.Count > 0)
            throw new LaminException(ErrorIds.StorageNotEmpty,
                $"'{root.PathPart}/.lamindb' contains {leftovers.Count} objects:\n{string.Join("\n", leftovers.Select(o => "  " + o.Key))}\n" +
                "delete them prior to deleting the storage location. Objects that no artifact accounts for can be listed and removed with " +
                $"Clear-LaminStorage -Identity {r.Uid} -Orphaned -WhatIf.", r);
        if (s.InstanceDocument.DefaultStorageUid == r.Uid)
            throw new LaminException(ErrorIds.StorageIsDefault,
                $"Cannot delete the current storage location {r.Root}, switch to another first: Set-LaminSetting -Storage <root>.", r);
        return (r, root, here);
    }

    /// <summary>
    /// What sits under .lamindb/ besides the marker and this instance's own registry files (SPEC rule 12). A move's journal
    /// counts (SPEC §10 rule 17): it is the only registered pointer to a stopped move's copies, cleared by Clear-LaminStorage -Orphaned.
    /// </summary>
    internal static List<StoredObject> ManagedObjectsBesideMarker(StorageRoot root, string? registryPath) =>
        !root.IsLocal && !root.IsCloud ? []
        : StorageProviders.For(root).ListManagedObjects(root).Where(o => MoveJournal.IsJournalKey(o.Key) || !ControlObjects.Contains(root, o.Key, registryPath)).ToList();

    /// <summary>SPEC rule 6: a local location is present on this machine when its marker's line 1 is its uid.</summary>
    public static bool IsPresentHere(LaminStorage s) => s.Type == "local" && WhyNotPresent(s) is null;

    /// <summary>Null when the local location <paramref name="s"/> is present here, else why not (for a message).</summary>
    private static string? WhyNotPresent(LaminStorage s)
    {
        if (!Directory.Exists(s.Root)) return $"the folder {s.Root} does not exist on this machine";
        try
        {
            var marker = LocalStorageProvider.Instance.ReadMarker(new StorageRoot(s.Root, "local", null, null, null));
            if (!marker.Exists) return $"{s.Root} has no marker {Marker.RelativeKey}";
            return marker.StorageUid == s.Uid ? null
                : $"the folder {s.Root} on this machine is marked for the location {marker.StorageUid}, not for {s.Uid}";
        }
        catch (Exception e) when (e is LaminException or IOException or UnauthorizedAccessException)
        {
            return $"its marker can't be read ({e.Message})";
        }
    }

    /// <summary>
    /// SPEC §10 rule 3, the one guard before writing into a location: a local location must be present
    /// on this machine (its marker holds its uid), else StorageNotPresent and nothing is written. Cloud
    /// locations pass. Every writer into a location (adding, moving, relocating) calls this first.
    /// </summary>
    public static void RequirePresentHere(LaminStorage s, object? target = null)
    {
        if (s.Type != "local" || WhyNotPresent(s) is not { } why) return;
        throw new LaminException(ErrorIds.StorageNotPresent,
            $"The storage location {s.Root} (uid {s.Uid}, host {s.Host ?? "none"}) is not present on this machine: {why}. " +
            "Nothing was written. Write there from the machine where it is present, or choose another location with -Storage.", target ?? s.Root);
    }
}

/// <summary>
/// SPEC §10 rule 3 for a run of writes (one cmdlet call): a location's marker is read in full the first time, and
/// read again whenever its lstat (size, modification time, kind) differs from the one seen before that read
/// (issue 15: reading it for every file cost ten system calls per file). A marker removed, rewritten, replaced or
/// turned into a link or folder is read again and refused as before; only a different marker of the same size
/// with the same modification time, to the file system's tick, would pass (a forgery, or a swap within one tick
/// where that tick is coarse: 2 s on FAT).
/// </summary>
public sealed class PresenceCheck
{
    private readonly Dictionary<string, (long Length, DateTime Modified)> _verified = new(StringComparer.Ordinal);

    /// <summary>Throws StorageNotPresent as <see cref="StorageService.RequirePresentHere"/> does.</summary>
    public void Require(LaminStorage s, object? target = null)
    {
        if (s.Type != "local") return;
        var key = s.Uid + "\n" + s.Root;
        var seen = Signature(LocalStorageProvider.MarkerPath(s.Root));
        lock (_verified)
            if (seen is { } now && _verified.TryGetValue(key, out var verified) && verified == now) return;
        StorageService.RequirePresentHere(s, target);
        // Kept only when the marker read is the one both lstats saw (a marker swapped during the read is read again next time).
        if (seen is { } ok && Signature(LocalStorageProvider.MarkerPath(s.Root)) == ok) lock (_verified) _verified[key] = ok;
    }

    /// <summary>The marker's size and modification time from one lstat; null when it is missing, a link or a folder.</summary>
    private static (long, DateTime)? Signature(string marker)
    {
        try
        {
            var f = new FileInfo(marker);
            var a = f.Attributes;
            if ((int)a == -1 || (a & (FileAttributes.ReparsePoint | FileAttributes.Directory)) != 0) return null;
            return (f.Length, f.LastWriteTimeUtc);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
