
namespace Lamin.Core.Services;

/// <summary>One object to move: its key (relative to the root), size and, for a file artifact, the recorded hash.</summary>
public sealed record MoveItem(string Key, long Size, LaminArtifact Artifact, bool IsMember);

/// <summary>The plan of Move-LaminStorage: what moves where, before anything is written.</summary>
public sealed class MovePlan
{
    public required LaminStorage Storage { get; init; }
    public required StorageRoot Source { get; init; }
    public required StorageRoot Destination { get; init; }
    public required string? Region { get; init; }
    public required IReadOnlyList<MoveItem> Items { get; init; }
    public required IReadOnlyList<LaminArtifact> Artifacts { get; init; }
    /// <summary>
    /// The record already points at <see cref="Destination"/>: a -RemoveSource run was interrupted after the
    /// switch, and this plan only removes what is left at <see cref="Source"/> (verified at the destination first).
    /// </summary>
    public bool Finishing { get; init; }
    public int Objects => Items.Count;
    public long Bytes => Items.Sum(i => i.Size);
    public override string ToString() => Finishing
        ? $"finish an interrupted move: remove {Objects} object(s), {Bytes} bytes left at {Source.Root} (already moved to {Destination.Root})"
        : $"{Objects} object(s), {Bytes} bytes of {Artifacts.Count} artifact(s) from {Source.Root} to {Destination.Root}";
}

/// <summary>
/// The plan of Move-LaminStorage, before anything is written: the checks on the location and the destination, what
/// moves (every object of every artifact; keys the destination can store), or the plan that only finishes an
/// interrupted -RemoveSource run.
/// </summary>
internal sealed class MovePlanner(LaminContext context, StorageService storages)
{
    public MovePlan Plan(string identity, string destination, bool removeSource = false) => context.Registry.Read(s =>
    {
        var access = new AccessPolicy(s, context.User);
        if (removeSource && UnfinishedRemoval(s, access, identity, destination) is { } finishing) return finishing;
        var st = storages.ResolveForChange(s, access, identity);
        if (!st.IsManaged)
            throw new LaminException(ErrorIds.StorageReadOnly, $"{st.Root} is not managed by this instance; only its owner can move it.", identity);
        // SPEC §7 and §10: a move takes every artifact's bytes along; one the user can't see would be left behind.
        if (s.HidesArtifactsIn(st.Id))
            throw new LaminException(ErrorIds.AccessDenied,
                $"User '{access.User}' can't move {st.Root}: it holds artifacts in a space the user has no access to. " +
                "Only a user who sees all of them (the instance admin) can move it; nothing was moved.", identity);
        var source = StorageRoot.Parse(st.Root, "/");
        var dest = StorageRoot.Parse(destination, context.CurrentDirectory);
        if (!dest.IsLocal && !dest.IsCloud)
            throw new LaminException(ErrorIds.InvalidDestination, $"Lamin can't write to {dest.Type}:// roots; move to a local folder, s3:// or gs://.", destination);
        if (dest.Root == source.Root)
            throw new LaminException(ErrorIds.InvalidDestination,
                $"{dest.Root} is the location itself. If a Move-LaminStorage -RemoveSource to it was interrupted, run it again with the old root as -Identity: it removes what is left there.", destination);
        if (Contains(source, dest))
            throw new LaminException(ErrorIds.InvalidDestination, $"{dest.Root} is inside {source.Root}; a location can't move into itself.", destination);
        if (s.Storages.FindAll().FirstOrDefault(x => x.Root == dest.Root) is { } taken)
            throw new LaminException(ErrorIds.DestinationRegistered,
                $"{dest.Root} is already registered (uid {taken.Uid}); move to a root no location uses.", destination);
        if (source.IsLocal && Path.GetDirectoryName(s.RegistryPath) == Path.Combine(source.Root, Marker.ManagedFolder))
            throw new LaminException(ErrorIds.StorageHoldsRegistry,
                $"{st.Root} holds this instance's registry ({s.RegistryPath}); moving it would move the registry. Copy the folder while no Lamin command runs, then Connect-LaminInstance -Path <new root>.", identity);
        var artifacts = s.ArtifactsInStorage(st.Id).ToList();
        var provider = StorageProviders.For(source);
        var items = new List<MoveItem>();
        foreach (var a in artifacts.DistinctBy(a => a.StorageKey()))
        {
            var key = a.StorageKey();
            if (a.NFiles is null) items.Add(new MoveItem(key, a.Size, a, false));
            else items.AddRange(provider.List(source, key).Where(o => o.Key != key).Select(o => new MoveItem(o.Key, o.Size, a, true)));
        }
        // SPEC §11: keys the destination's file system can't store (KeyNotPortable) or tell apart (KeyCollision), before anything is copied.
        LocationRules.RequireStorable(dest, items.Select(i => i.Key));
        var region = dest.Type == "s3" ? StorageProviders.For(dest).DetectRegion(dest) : null;
        return new MovePlan { Storage = st, Source = source, Destination = dest, Region = region, Items = items, Artifacts = artifacts };
    });

    /// <summary>
    /// A -RemoveSource run killed after the registry switch: <paramref name="identity"/> names a root no record
    /// has any more, whose marker still names the location that now sits at <paramref name="destination"/>.
    /// </summary>
    private MovePlan? UnfinishedRemoval(Registry.IRegistrySession s, AccessPolicy access, string identity, string destination)
    {
        if (!(identity.Contains('/') || identity.Contains('\\') || identity.StartsWith('~') || identity.StartsWith('.'))) return null;
        StorageRoot old, dest;
        try { old = StorageRoot.Parse(identity, context.CurrentDirectory); dest = StorageRoot.Parse(destination, context.CurrentDirectory); }
        catch (LaminException) { return null; }
        if ((!old.IsLocal && !old.IsCloud) || old.Root == dest.Root) return null;
        var all = s.Storages.FindAll().ToList();
        if (all.Any(x => x.Root == old.Root) || all.FirstOrDefault(x => x.Root == dest.Root) is not { } current) return null;
        var provider = StorageProviders.For(old);
        MarkerInfo marker;
        try { marker = provider.ReadMarker(old); }
        catch (Exception e) when (e is LaminException or IOException or UnauthorizedAccessException) { return null; }
        if (!marker.Exists || marker.StorageUid != current.Uid) return null;
        var st = storages.ResolveForChange(s, access, current.Uid);
        var artifacts = s.ArtifactsInStorage(st.Id).ToList();
        var items = new List<MoveItem>();
        foreach (var a in artifacts.DistinctBy(a => a.StorageKey()))
        {
            var key = a.StorageKey();
            items.AddRange(provider.List(old, key).Where(o => a.NFiles is null ? o.Key == key : o.Key != key).Select(o => new MoveItem(o.Key, o.Size, a, a.NFiles is not null)));
        }
        return new MovePlan { Storage = st, Source = old, Destination = dest, Region = st.Region, Items = items, Artifacts = artifacts, Finishing = true };
    }

    private static bool Contains(StorageRoot outer, StorageRoot inner) =>
        outer.Type == inner.Type && outer.EndpointUrl == inner.EndpointUrl && (outer.IsLocal
            ? LocalPaths.IsUnder(inner.Root, outer.Root)
            : outer.Bucket == inner.Bucket && (outer.Prefix is null || (inner.Prefix ?? "").StartsWith(outer.Prefix + "/", StringComparison.Ordinal) || inner.Prefix == outer.Prefix));
}
