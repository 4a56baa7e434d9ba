using Lamin.Core.Registry.Postgres;
using Lamin.Core.Settings;

namespace Lamin.Core.Services;

/// <summary>A validated New-LaminInstance request; nothing is written before <see cref="InstanceService.Create"/>.</summary>
public sealed record InstancePlan(string Name, StorageRoot Root, string? Host, string RegistryPath, string? Region = null)
{
    /// <summary>A team instance's database (SPEC §7); null for a LiteDB registry file.</summary>
    public PostgresConnection? Database { get; init; }

    /// <summary>Where the registry goes, for -WhatIf and messages (never a password).</summary>
    public string RegistryDescription => Database?.Redacted ?? RegistryPath;
}

/// <summary>Instances: create, connect, list, remove (SPEC §2, LaminDB 2.13).</summary>
public sealed class InstanceService(LaminContext context)
{
    private LaminHome Home => context.Home;

    /// <summary>The one rule for instance names (they become file names under LAMIN_HOME): see <see cref="LaminHome.ValidateName"/>.</summary>
    public static void ValidateName(string? name) => LaminHome.ValidateName(name);

    public InstancePlan Plan(string? name, string? storage, string? host) => Plan(name, storage, host, null);

    /// <summary>
    /// Validates New-LaminInstance; with <paramref name="database"/> the registry is that PostgreSQL database
    /// (SPEC §7): reachable, logged in, and holding no Lamin registry yet (InstanceExists), checked before anything is written.
    /// </summary>
    public InstancePlan Plan(string? name, string? storage, string? host, PostgresConnection? database)
    {
        var root = StorageRoot.Parse(storage, context.CurrentDirectory);
        if (host is not null && !root.IsLocal)
            throw new LaminException(ErrorIds.HostRequiresLocalRoot, $"-Host is for local roots only; '{root.Root}' is a {root.Type} root.", host);
        if (!root.IsLocal && !root.IsCloud)
            throw new LaminException(ErrorIds.InvalidRoot, $"An instance's default storage must be writable: a local folder, s3:// or gs://, not {root.Type}://.", storage);
        name ??= root.InferName();
        ValidateName(name);
        if (Home.Find(name) is { } known)
            throw new LaminException(ErrorIds.InstanceExists,
                $"An instance named '{name}' is already known here (registry {known.RegistryPath}); connect with Connect-LaminInstance '{name}', or pick another -Name.", name);
        if (database is not null)
        {
            if (new PostgresRegistry(database).Exists())
                throw new LaminException(ErrorIds.InstanceExists,
                    $"The database {database.Redacted} already holds a Lamin registry; connect to it with Connect-LaminInstance -Database '{database.Redacted}'.", database.Redacted);
            var cloudRegion = root.Type == "s3" ? StorageProviders.For(root).DetectRegion(root) : null;
            return new InstancePlan(name, root, host, "", cloudRegion) { Database = database };
        }
        var registryPath = root.IsLocal
            ? Path.Combine(root.Root, Marker.ManagedFolder, LaminRegistry.FileName)
            : Home.CloudRegistryPath(name);
        if (File.Exists(registryPath))
            throw new LaminException(ErrorIds.InstanceExists,
                $"'{root.Root}' already holds an instance registry ({registryPath}); connect to it with Connect-LaminInstance -Path '{root.Root}'.", storage);
        // S3: the bucket must exist (StorageNotFound otherwise) and its region is recorded; checked before anything is written.
        var region = root.Type == "s3" ? StorageProviders.For(root).DetectRegion(root) : null;
        return new InstancePlan(name, root, host, registryPath, region);
    }

    /// <summary>Creates the registry, registers and marks the default storage, and makes the instance current.</summary>
    public LaminInstance Create(InstancePlan plan, Action<string> warn)
    {
        if (plan.Root.IsLocal)
        {
            // Refuse before writing anything when the folder is another instance's (LaminDB's StorageAlreadyManaged on init).
            var marker = LocalStorageProvider.Instance.ReadMarker(plan.Root);
            if (marker.Exists)
                throw new LaminException(ErrorIds.StorageAlreadyManaged,
                    $"Storage location {plan.Root.Root} is already marked with uid {marker.StorageUid}, meaning that it is managed by another LaminDB instance. " +
                    "Pick another root, or connect to the instance that manages it.", plan.Root.Root);
        }
        var id = Guid.NewGuid();
        var now = Util.Clock.UtcNow;
        // SPEC §7: on PostgreSQL the creator is the login role (the database records it as session_user).
        var creator = plan.Database?.Username ?? context.User;
        var doc = new InstanceDocument { InstanceId = id, Name = plan.Name, Uid = Util.Uids.InstanceUid(id), CreatedBy = creator, CreatedAt = now };
        bool createdRoot = plan.Root.IsLocal && !Directory.Exists(plan.Root.Root);
        var registry = RegistryFactory.Create(plan.Database, plan.RegistryPath, doc, SpaceService.NewAllSpace(creator));
        var entry = new InstanceEntry { Name = plan.Name, Id = id, Uid = doc.Uid, RegistryPath = plan.RegistryPath, Storage = plan.Root.Root };
        if (plan.Database is not null) { entry.Backend = registry.Backend; entry.Database = plan.Database.Redacted; }
        try
        {
            var scoped = new LaminContext(Home, creator, context.CurrentDirectory);
            Home.Save(entry);
            var previous = Home.CurrentName;
            Home.CurrentName = plan.Name;
            try
            {
                var storages = new StorageService(scoped);
                var storagePlan = new StoragePlan(plan.Root, plan.Host, null, AccessPolicy.AllSpaceId, SpaceService.AllSpaceName, null, plan.Region);
                var (record, _) = storages.Create(storagePlan, warn, failIfManagedElsewhere: true);
                if (record.InstanceUid != doc.Uid)
                    throw new LaminException(ErrorIds.StorageNotManaged, $"Cannot manage storage without write access: {plan.Root.Root}", plan.Root.Root);
                registry.Write(s =>
                {
                    var d = s.InstanceDocument;
                    d.DefaultStorageUid = record.Uid;
                    s.Instance.Update(d);
                });
            }
            catch
            {
                Home.CurrentName = previous;
                throw;
            }
        }
        catch
        {
            // Leave nothing behind: the registry, the settings entry, folders we made.
            Home.Delete(plan.Name);
            try { registry.DiscardNew(); } catch (LaminException) { /* the first error is the one to report */ }
            if (plan.Root.IsLocal && createdRoot) LocalStorageProvider.Instance.RemoveEmptyFolders(plan.Root);
            else if (plan.Root.IsLocal) RemoveIfEmpty(Path.Combine(plan.Root.Root, Marker.ManagedFolder));
            throw;
        }
        return Describe(entry, isCurrent: true);
    }

    private static void RemoveIfEmpty(string dir)
    {
        Gate.DeleteEmptyFolder(dir);
    }

    /// <summary>An instance as shown to users; the default root is read from the registry when it can be.</summary>
    public LaminInstance Describe(InstanceEntry e, bool isCurrent, Action<string>? warn = null)
    {
        var instance = new LaminInstance { Name = e.Name, Id = e.Id, Uid = e.Uid, RegistryPath = e.RegistryPath, Storage = e.Storage, IsCurrent = isCurrent };
        if (e.IsPostgres) { instance.Backend = e.Backend!; instance.Database = e.Database; instance.RegistryPath = null; }
        try
        {
            RegistryFactory.Open(e).Read(s =>
            {
                var d = s.InstanceDocument;
                instance.KeepArtifactsLocal = d.KeepArtifactsLocal;
                instance.Storage = s.StorageByUid(d.DefaultStorageUid)?.Root ?? e.Storage;
                return 0;
            });
        }
        catch (LaminException ex) when (warn is not null)
        {
            warn($"instance '{e.Name}': {ex.Message}");
        }
        return instance;
    }

    public IEnumerable<LaminInstance> List(string? namePattern, Action<string> warn)
    {
        var current = Home.CurrentName;
        var match = namePattern is null ? (_ => true) : Query.Wildcard.Compile(namePattern);
        return Home.List()
            .Where(e => match(e.Name))
            .Select(e => Describe(e, e.Name == current, warn));
    }

    public InstanceEntry Find(string name) => Home.Find(name.Trim())
        ?? throw new LaminException(ErrorIds.InstanceNotFound,
            $"No instance named '{name}' is known here. List them with Get-LaminInstance, or connect by location with Connect-LaminInstance -Path <root>.", name);

    public LaminInstance Connect(string name)
    {
        var entry = Find(name);
        RegistryFactory.Open(entry).Verify(); // a registry there (PostgreSQL: reachable, logged in)
        Home.CurrentName = entry.Name;
        return Describe(entry, isCurrent: true);
    }

    /// <summary>Connects to the registry at a storage root (or a registry file) and remembers it in LAMIN_HOME.</summary>
    public LaminInstance ConnectPath(string path)
    {
        var resolved = LocalPaths.Resolve(path, context.CurrentDirectory);
        var registryPath = Directory.Exists(resolved) ? Path.Combine(resolved, Marker.ManagedFolder, LaminRegistry.FileName) : resolved;
        var registry = new LaminRegistry(registryPath);
        var doc = registry.Read(s => s.InstanceDocument);
        // SPEC §10 rule 6: the name comes from a file anyone may have crafted; it becomes instances/<name>.json.
        if (!LaminHome.IsValidName(doc.Name))
            throw new LaminException(ErrorIds.InvalidInstanceName,
                $"The registry at '{registryPath}' names its instance '{Shorten(doc.Name)}', which is not a valid instance name " +
                "(up to 100 letters, digits, '-', '_' or '.', not starting or ending with '.', not a Windows device name such as NUL); nothing was connected. Is this registry genuine?", path);
        var known = Home.Find(doc.Name);
        if (known is not null && known.Id != doc.InstanceId)
            throw new LaminException(ErrorIds.InstanceExists,
                $"Another instance named '{doc.Name}' (registry {known.RegistryPath}) is already known here; remove it from this machine's list first.", path);
        var entry = known ?? new InstanceEntry { Name = doc.Name, Id = doc.InstanceId, Uid = doc.Uid };
        entry.RegistryPath = registryPath;
        Home.Save(entry);
        Home.CurrentName = entry.Name;
        return Describe(entry, isCurrent: true);
    }

    /// <summary>
    /// Connects to the team instance in a PostgreSQL database (SPEC §7) and remembers it in LAMIN_HOME:
    /// the connection without any password. A database without a Lamin registry → RegistryNotFound.
    /// </summary>
    public LaminInstance ConnectDatabase(PostgresConnection database)
    {
        var doc = new PostgresRegistry(database).Recheck().Read(s => s.InstanceDocument);
        if (!LaminHome.IsValidName(doc.Name))
            throw new LaminException(ErrorIds.InvalidInstanceName,
                $"The registry in {database.Redacted} names its instance '{Shorten(doc.Name)}', which is not a valid instance name; nothing was connected.", database.Redacted);
        var known = Home.Find(doc.Name);
        if (known is not null && known.Id != doc.InstanceId)
            throw new LaminException(ErrorIds.InstanceExists,
                $"Another instance named '{doc.Name}' ({(known.IsPostgres ? known.Database : "registry " + known.RegistryPath)}) is already known here; remove it from this machine's list first.", database.Redacted);
        var entry = known ?? new InstanceEntry { Name = doc.Name, Id = doc.InstanceId, Uid = doc.Uid };
        entry.RegistryPath = "";
        entry.Backend = "PostgreSQL";
        entry.Database = database.Redacted;
        Home.Save(entry);
        Home.CurrentName = entry.Name;
        return Describe(entry, isCurrent: true);
    }

    /// <summary>
    /// Copy-LaminInstance (SPEC §7; issue 25: in two phases, so two live registries never share one uid):
    /// <list type="number">
    /// <item>in one write of the source: Admin, every record's text checked (RegistryText: a row PostgreSQL can't
    /// store is named, nothing written anywhere), and the source marked "moving to &lt;database&gt;" (every
    /// other write on it refuses from then on), committed;</item>
    /// <item>the destination written and verified record by record in one transaction (PostgresRegistry.Import),
    /// committed; a failure that leaves it without the copy takes the mark back; a commit whose answer was lost
    /// (the server could not be asked) is reported as unknown, the mark kept;</item>
    /// <item>the source retired (readable; writes and orphan clearing refuse with InstanceMoved), and the team
    /// instance made current under the same name.</item>
    /// </list>
    /// A copy stopped between its phases leaves the mark: a rerun (this method) or the next write on the source
    /// settles it (InstanceMove: the destination holding this instance → retired, else the mark taken back).
    /// <paramref name="dryRun"/> (-WhatIf): the counts, after checking the destination; nothing written.
    /// </summary>
    public PostgresRegistry.CopyCounts CopyTo(PostgresConnection destination, bool dryRun, Action<string, long, long>? progress) =>
        new InstanceCopy(context).CopyTo(destination, dryRun, progress);

    /// <summary>A value in a message, cut to 60 characters.</summary>
    internal static string Shorten(string? s) => s is null ? "" : s.Length > 60 ? s[..57] + "..." : s;

    public void Disconnect() => Home.CurrentName = null;

    /// <summary>
    /// Removes an instance: refuses while any managed location holds artifacts or anything under
    /// .lamindb/ besides the marker and the registry; then frees the markers and deletes the registry.
    /// </summary>
    public void Remove(string name) => Remove(name, dropRegistry: false);

    /// <summary>
    /// On a team instance (SPEC §7): forgets it on this machine (settings only); with
    /// <paramref name="dropRegistry"/> the instance admin also drops the schema `lamin` from the database.
    /// </summary>
    public void Remove(string name, bool dropRegistry)
    {
        var entry = Find(name);
        if (entry.IsPostgres)
        {
            if (dropRegistry)
            {
                var pg = RegistryFactory.OpenTeam(entry);
                pg.Read(s =>
                {
                    new AccessPolicy(s, context.User).Require(AccessPolicy.AllSpaceId, SpaceRole.Admin, name, $"drop the registry of '{entry.Name}'");
                    return 0;
                });
                pg.Drop();
            }
            Home.Delete(entry.Name);
            return;
        }
        if (dropRegistry)
            throw new LaminException(ErrorIds.InvalidArgument, $"-DropRegistry is for team instances on PostgreSQL; '{entry.Name}' keeps its registry in a file, which Remove-LaminInstance deletes.", name);
        var source = new LaminRegistry(entry.RegistryPath);
        // Issue 25: a registry retired by Copy-LaminInstance (or marked as moving) is the record that tells every
        // machine where the instance went, and its locations' markers are the team instance's now: neither goes.
        // A move stopped half-way is settled first (a write session does that); then a retired or still-moving
        // registry is only forgotten on this machine.
        var doc = source.Read(s => s.InstanceDocument);
        if (doc.MovingTo is not null && doc.MovedTo is null)
        {
            try { source.Write(_ => { }); } catch (LaminException e) when (e.ErrorId == ErrorIds.InstanceMoved) { }
            doc = source.Read(s => s.InstanceDocument);
        }
        if ((doc.MovedTo ?? doc.MovingTo) is { } database)
        {
            Home.Delete(entry.Name);
            throw new LaminException(ErrorIds.InstanceMoved,
                $"The instance '{entry.Name}' was {(doc.MovedTo is null ? "being " : "")}moved to the team instance in {database}: its registry {entry.RegistryPath} " +
                "is kept (it tells other machines where the instance went) and so are its locations' markers and folders (the team instance's now). " +
                $"'{entry.Name}' was only forgotten on this machine. Connect to the team instance with Connect-LaminInstance -Database '{database}'" +
                (doc.MovedTo is null ? $", or finish the move with Copy-LaminInstance -Destination '{database}' from a machine that can reach it." : "."),
                entry.RegistryPath);
        }
        IRegistry registry = source;
        var managed = registry.Read(s =>
        {
            // SPEC §10 rule 7: removing an instance is the instance admin's (its creator's) decision.
            new AccessPolicy(s, context.User).Require(AccessPolicy.AllSpaceId, SpaceRole.Admin, name, $"remove the instance '{entry.Name}'");
            if (s.Artifacts.Count() > 0)
                throw new LaminException(ErrorIds.StorageNotEmpty,
                    $"The instance '{entry.Name}' still holds {s.Artifacts.Count()} artifact(s); remove them with Remove-LaminArtifact -Permanent first.", name);
            // Only folders whose marker is still this record's: one freed and taken over since belongs to someone else.
            var roots = s.Storages.FindAll().Where(x => x.InstanceUid == entry.Uid && (x.Type != "local" || StorageService.IsPresentHere(x)))
                .Select(x => StorageRoot.Parse(x.Root, context.CurrentDirectory)).ToList();
            foreach (var root in roots.Where(r => r.IsLocal && Directory.Exists(r.Root)))
            {
                var leftovers = StorageService.ManagedObjectsBesideMarker(root, entry.RegistryPath);
                if (leftovers.Count > 0)
                    throw new LaminException(ErrorIds.StorageNotEmpty,
                        $"'{root.PathPart}/.lamindb' contains {leftovers.Count} objects:\n{string.Join("\n", leftovers.Select(o => "  " + o.Key))}\n" +
                        "delete them prior to deleting the instance", name);
            }
            return roots;
        });
        // The registry first (SPEC §11): a registry file another process holds open on Windows stops the removal
        // while every marker still names the instance, instead of leaving a registry whose locations were freed.
        var dir = Path.GetDirectoryName(entry.RegistryPath)!;
        foreach (var f in Directory.EnumerateFiles(dir).Where(f => LaminRegistry.IsRegistryCompanion(Path.GetFileName(f), Path.GetFileName(entry.RegistryPath), LocationRules.ForLocal(dir)))
                     .OrderBy(f => Path.GetFileName(f) == Path.GetFileName(entry.RegistryPath) ? 0 : 1)) // the registry itself before its companions
            Gate.RetireControlFile(f, Gate.ControlFile.Registry);
        foreach (var root in managed.Where(r => r.IsLocal && Directory.Exists(r.Root)))
            Gate.RetireMarker(root);
        foreach (var root in managed.Where(r => r.IsLocal)) LocalStorageProvider.Instance.RemoveEmptyFolders(root);
        RemoveIfEmpty(dir);
        Home.Delete(entry.Name);
    }
}
