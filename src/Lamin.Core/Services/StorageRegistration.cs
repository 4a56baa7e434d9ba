using Lamin.Core.Util;

namespace Lamin.Core.Services;

/// <summary>
/// Registering a storage location (New-LaminStorage, and the default location of New-LaminInstance): the plan that
/// validates without writing (SPEC rules 1–3), then the marker and the record under the registry lock (rule 5),
/// with the marker taken back when the insert fails. <see cref="StorageService"/> holds the queries and changes.
/// </summary>
internal sealed class StorageRegistration(LaminContext context, StorageService storages)
{
    /// <summary>Validates a registration without writing anything (SPEC rules 1–3).</summary>
    public StoragePlan Plan(string? root, string? host, string? description, string? space)
    {
        var parsed = StorageRoot.Parse(root, context.CurrentDirectory);
        if (parsed.IsLocal) RequireFolderRoot(parsed.Root, root);
        host = string.IsNullOrWhiteSpace(host) ? null : host.Trim();
        if (host is not null && !parsed.IsLocal)
            throw new LaminException(ErrorIds.HostRequiresLocalRoot,
                $"-Host names the machine behind a local folder; '{parsed.Root}' is a {parsed.Type} root. Drop -Host for cloud roots.", root);
        if (host is not null && host.Any(char.IsControl))
            throw new LaminException(ErrorIds.InvalidArgument, "-Host can't contain control characters.", host);
        Registry.RegistryText.Check("-Host", host);
        Registry.RegistryText.Check("-Description", description); // before the marker is written (issue 25)
        return context.Registry.Read(s =>
        {
            var access = new AccessPolicy(s, context.User);
            var target = space is null ? s.Spaces.FindById(AccessPolicy.AllSpaceId) : SpaceService.FindByName(s, space);
            access.Require(target.Id, SpaceRole.Write, space, $"register a storage location in space '{target.Name}'");
            var existing = StorageService.FindByRootHost(s, parsed.Root, host);
            return new StoragePlan(parsed, host, description, target.Id, target.Name, existing is null ? null : storages.Decorate(existing, access));
        }) is var plan && plan.Existing is null && parsed.Type == "s3"
            ? plan with { Region = StorageProviders.For(parsed).DetectRegion(parsed) } // a HEAD request: no side effect (SPEC rule 4)
            : plan;
    }

    /// <summary>A local root is a folder, or will be one: a regular file at it or above it is InvalidRoot.</summary>
    private static void RequireFolderRoot(string resolved, string? typed)
    {
        for (var p = resolved; p is not null; p = Path.GetDirectoryName(p))
        {
            if (Directory.Exists(p)) return;
            if (File.Exists(p))
                throw new LaminException(ErrorIds.InvalidRoot,
                    p == resolved
                        ? $"'{resolved}' is a file; a storage location is a folder. Pass the folder that holds it, or a new folder."
                        : $"'{resolved}' can't be a folder: '{p}' is a file. Pass a folder path.", typed);
        }
    }

    /// <summary>
    /// Registers the planned location: under the registry lock, re-checks (root, host), reads or writes
    /// the marker (SPEC rule 5) and inserts the record. Returns the existing record (Existed = true)
    /// when another call won the race. A marker this call wrote is removed again if the insert fails.
    /// </summary>
    public (LaminStorage Record, bool Existed) Create(StoragePlan plan, Action<string> warn, bool failIfManagedElsewhere = false, bool requireManaged = false)
    {
        var marking = new Marking(plan.Root);
        try
        {
            return context.Registry.Write(s => CreateIn(s, plan, warn, failIfManagedElsewhere, requireManaged, marking));
        }
        catch
        {
            marking.Undo();
            throw;
        }
    }

    /// <summary>What creating a record wrote on disk, so a failure can take exactly that back.</summary>
    internal sealed class Marking(StorageRoot root)
    {
        private bool _rootExisted, _folderExisted;
        public bool MarkerWritten { get; private set; }

        public void BeforeWrite()
        {
            _rootExisted = !root.IsLocal || Directory.Exists(root.Root);
            _folderExisted = !root.IsLocal || Directory.Exists(Path.Combine(root.Root, Marker.ManagedFolder));
        }

        public void Written() => MarkerWritten = true;

        public void Undo()
        {
            try
            {
                if (MarkerWritten) Gate.RetireMarker(root);
                if (!root.IsLocal) return;
                if (!_folderExisted) Gate.DeleteEmptyFolder(Path.Combine(root.Root, Marker.ManagedFolder));
                if (!_rootExisted) Gate.DeleteEmptyFolder(root.Root);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    internal (LaminStorage, bool) CreateIn(IRegistrySession s, StoragePlan plan, Action<string> warn, bool failIfManagedElsewhere, bool requireManaged, Marking marking)
    {
        var access = new AccessPolicy(s, context.User);
        var existing = StorageService.FindByRootHost(s, plan.Root.Root, plan.Host);
        if (existing is not null)
        {
            warn($"returning the existing storage location with the same root and host: {existing.Root} (uid {existing.Uid})");
            return (storages.Decorate(existing, access), true);
        }
        var instance = s.InstanceDocument;
        var now = Util.Clock.UtcNow;
        var record = new LaminStorage
        {
            Uid = Uids.NewStorageUid(),
            Root = plan.Root.Root,
            Type = plan.Root.Type,
            Host = plan.Host,
            Region = plan.Region,
            Description = plan.Description,
            SpaceId = plan.SpaceId,
            CreatedAt = now,
            UpdatedAt = now,
            CreatedBy = context.User,
        };

        var ownership = DecideOwnership(plan.Root, record.Uid, instance, warn, failIfManagedElsewhere, marking);
        record.Uid = ownership.StorageUid;
        record.InstanceUid = ownership.InstanceUid;

        var sameUid = s.StorageByUid(record.Uid);
        if (sameUid is not null && sameUid.Host == plan.Host)
        {
            warn($"the folder {plan.Root.Root} is already registered as {sameUid.Root} with uid {sameUid.Uid}; returning that record");
            return (storages.Decorate(sameUid, access), true);
        }
        if (sameUid is not null)
        {
            // The same path named on another host: its own record, without a marker on this machine (the marker here is sameUid's).
            record.Uid = Uids.NewStorageUid();
            record.InstanceUid = instance.Uid;
            warn($"the folder {plan.Root.Root} on this machine is marked for {sameUid.Uid} (host {sameUid.Host ?? "none"}); " +
                 $"registered it for host {plan.Host ?? "none"} as {record.Uid}, which is not present on this machine");
        }
        if (requireManaged && record.InstanceUid != instance.Uid)
            throw record.InstanceUid is null
                ? new LaminException(ErrorIds.StorageNotManaged, $"Storage '{record.Root}' is not managed by any instance, cannot write to it from here.", record.Root)
                : new LaminException(ErrorIds.StorageManagedElsewhere, $"Storage '{record.Root}' exists in another instance ({StorageService.OwnerText(record.InstanceUid)}), cannot write to it from here.", record.Root);
        s.Storages.Insert(record);
        if (record.InstanceUid != instance.Uid)
            warn($"referenced read-only storage location at {record.Root}" + (record.InstanceUid is null ? "" : record.InstanceUid == StorageService.UnknownInstance ? ", is managed by another instance" : $", is managed by instance with uid {record.InstanceUid}"));
        return (storages.Decorate(record, access), false);
    }

    private sealed record Ownership(string StorageUid, string? InstanceUid);

    private Ownership DecideOwnership(StorageRoot root, string newUid, InstanceDocument instance, Action<string> warn, bool failIfManagedElsewhere, Marking marking)
    {
        if (!root.IsLocal && !root.IsCloud)
            return new Ownership(newUid, null); // http(s)/hf: never written to.
        IStorageProvider provider;
        try { provider = StorageProviders.For(root); }
        catch (LaminException e) when (e.ErrorId == ErrorIds.ProviderNotAvailable)
        {
            warn($"{e.Message} Registering {root.Root} read-only.");
            return new Ownership(newUid, null);
        }
        MarkerInfo marker;
        try { marker = provider.ReadMarker(root); }
        catch (Exception e) when (e is UnauthorizedAccessException || e is LaminException { ErrorId: ErrorIds.StorageAccessDenied })
        {
            warn($"due to lack of read access, Lamin won't manage this storage location: {root.Root}");
            return new Ownership(newUid, null);
        }
        if (!marker.Exists)
        {
            marking.BeforeWrite();
            try
            {
                provider.WriteMarker(root, Marker.Content(newUid, instance.Name, instance.InstanceId, instance.Uid));
                marking.Written();
                return new Ownership(newUid, instance.Uid);
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException || e is LaminException { ErrorId: ErrorIds.StorageAccessDenied })
            {
                marking.Undo();
                warn($"due to lack of write access, Lamin won't manage this storage location: {root.Root}");
                return new Ownership(newUid, null);
            }
        }
        if (marker.InstanceUid == instance.Uid)
            return new Ownership(marker.StorageUid!, instance.Uid); // our own marker (e.g. a registry restored from backup)
        var text = $"storage location {root.Root} is already marked with uid {marker.StorageUid}, meaning that it is managed by another LaminDB instance";
        if (failIfManagedElsewhere)
            throw new LaminException(ErrorIds.StorageAlreadyManaged, "S" + text[1..] + ". Pick another root, or connect to the instance that manages it.", root.Root);
        warn(text);
        return new Ownership(marker.StorageUid!, StorageService.UnknownInstance);
    }
}
