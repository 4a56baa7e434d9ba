using Lamin.Core.Util;

namespace Lamin.Core.Services;

/// <summary>Default storage, keep-artifacts-local and the local storage (SPEC rules 6–8): one code path for all three.</summary>
public sealed class SettingsService(LaminContext context)
{
    private readonly StorageService _storages = new(context);

    public LaminSettings Get() => context.Registry.Read(s =>
    {
        var access = new AccessPolicy(s, context.User);
        var doc = s.InstanceDocument;
        var storage = s.StorageByUid(doc.DefaultStorageUid);
        return new LaminSettings
        {
            Instance = doc.Name,
            InstanceUid = doc.Uid,
            Storage = storage is null ? null : _storages.Decorate(storage, access),
            LocalStorage = doc.KeepArtifactsLocal ? FindLocal(s.Storages.FindAll(), access) : null,
            KeepArtifactsLocal = doc.KeepArtifactsLocal,
            User = context.User,
            Home = context.Home.Path,
        };
    });

    /// <summary>The local storage of this machine; KeepArtifactsLocalOff / NoLocalStorage as SPEC rule 8 says.</summary>
    public LaminStorage GetLocalStorage() => context.Registry.Read(s =>
    {
        RequireKeepLocal(s.InstanceDocument);
        return FindLocal(s.Storages.FindAll(), new AccessPolicy(s, context.User))
            ?? throw new LaminException(ErrorIds.NoLocalStorage,
                "No local storage location found in current environment: register one with Set-LaminSetting -LocalStorage <folder>.");
    });

    /// <summary>The chosen local storage if present here, else the first managed local location whose marker matches (SPEC rule 6).</summary>
    private LaminStorage? FindLocal(IEnumerable<LaminStorage> all, AccessPolicy access) =>
        ChooseLocal(all, context) is { } found ? _storages.Decorate(found, access) : null;

    /// <summary>The one rule for "this machine's local storage", used by settings and by ingest.</summary>
    internal static LaminStorage? ChooseLocal(IEnumerable<LaminStorage> all, LaminContext context)
    {
        var preferred = context.Instance.LocalStorageUid;
        return all.Where(x => x.Type == "local" && x.InstanceUid == context.InstanceUid)
            .OrderBy(x => x.Uid == preferred ? 0 : 1).ThenBy(x => x.Id)
            .FirstOrDefault(StorageService.IsPresentHere);
    }

    private static void RequireKeepLocal(InstanceDocument doc)
    {
        if (!doc.KeepArtifactsLocal)
            throw new LaminException(ErrorIds.KeepArtifactsLocalOff,
                "Keep-artifacts-local mode is off for this instance, so it has no local storage; turn the mode on with Set-LaminSetting -KeepArtifactsLocal $true.");
    }

    public void SetKeepArtifactsLocal(bool value) => context.Registry.Write(s =>
    {
        var doc = s.InstanceDocument;
        new AccessPolicy(s, context.User).Require(AccessPolicy.AllSpaceId, SpaceRole.Admin, value, "change instance settings");
        doc.KeepArtifactsLocal = value;
        s.Instance.Update(doc);
    });

    /// <summary>
    /// Finds the record for a root or uid, creating (and marking) it when it is not registered, and
    /// refuses locations this instance can't write (StorageNotManaged / StorageManagedElsewhere).
    /// </summary>
    public LaminStorage ResolveWritable(string rootOrUid, Action<string> warn, bool requireLocal = false)
    {
        LaminStorage? record = null;
        if (rootOrUid.Length == 12 && Uids.IsBase62(rootOrUid))
            record = context.Registry.Read(s => s.StorageByUid(rootOrUid) is { } r ? _storages.Resolve(s, new AccessPolicy(s, context.User), r.Uid) : null);
        if (record is null)
        {
            var plan = _storages.Plan(rootOrUid, null, null, null);
            if (requireLocal && !plan.Root.IsLocal)
                throw new LaminException(ErrorIds.InvalidArgument, $"-LocalStorage takes a local folder; '{plan.Root.Root}' is a {plan.Root.Type} root.", rootOrUid);
            // requireManaged: a location this instance could not write is refused before anything is registered.
            record = plan.Existing ?? _storages.Create(plan, warn, requireManaged: true).Record;
        }
        if (requireLocal && record.Type != "local")
            throw new LaminException(ErrorIds.InvalidArgument, $"-LocalStorage takes a local folder; '{record.Root}' is a {record.Type} root.", rootOrUid);
        if (record.InstanceUid is null)
            throw new LaminException(ErrorIds.StorageNotManaged,
                $"Storage '{record.Root}' is not managed by any instance, cannot write to it from here.", rootOrUid);
        if (record.InstanceUid != context.InstanceUid)
            throw new LaminException(ErrorIds.StorageManagedElsewhere,
                $"Storage '{record.Root}' exists in another instance ({StorageService.OwnerText(record.InstanceUid)}), cannot write to it from here.", rootOrUid);
        return record;
    }

    /// <summary>Switches the instance's default write location (persisted in the registry).</summary>
    public LaminStorage SetStorage(string rootOrUid, Action<string> warn)
    {
        var record = ResolveWritable(rootOrUid, warn);
        context.Registry.Write(s =>
        {
            new AccessPolicy(s, context.User).Require(record.SpaceId, SpaceRole.Write, rootOrUid, $"write to {record.Root}");
            var doc = s.InstanceDocument;
            doc.DefaultStorageUid = record.Uid;
            s.Instance.Update(doc);
        });
        var entry = context.Instance;
        entry.Storage = record.Root;
        context.Home.Save(entry);
        return record;
    }

    /// <summary>Chooses this machine's local storage (keep-artifacts-local mode), creating it when needed.</summary>
    public LaminStorage SetLocalStorage(string root, Action<string> warn)
    {
        context.Registry.Read(s => { RequireKeepLocal(s.InstanceDocument); return 0; });
        var record = ResolveWritable(root, warn, requireLocal: true);
        var entry = context.Instance;
        entry.LocalStorageUid = record.Uid;
        context.Home.Save(entry);
        return record;
    }
}
