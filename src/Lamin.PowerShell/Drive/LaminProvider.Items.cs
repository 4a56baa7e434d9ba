using System.Management.Automation.Provider;

namespace Lamin.PowerShell.Drive;

/// <summary>Navigation: what is at a path, whether it exists, and the listings (Get-Item, Get-ChildItem, Test-Path).</summary>
public sealed partial class LaminProvider
{
    /// <summary>What is at a path: the root, a location, or an item of a location's key tree (null = nothing).</summary>
    private object? Lookup(string path, out bool isContainer)
    {
        var (uid, key) = Parse(path);
        isContainer = true;
        if (uid is null) { _ = NewContextInstance(); return Root; }
        var storage = Drive.Storage(uid);
        if (storage is null) { isContainer = false; return null; }
        if (key.Length == 0) return storage;
        var item = Drive.List(uid, key).Item(key);
        isContainer = item?.IsContainer ?? false;
        return item?.Record(uid);
    }

    private static readonly object Root = new();

    /// <summary>Requires a current instance (NoCurrentInstance otherwise) without reading the registry.</summary>
    private Lamin.Core.Settings.InstanceEntry NewContextInstance() => NewContext().Instance;

    // The engine reads ItemExists as yes/no and drops whatever it throws (ThrowTerminatingError included).
    // An error that stops the whole command (NoCurrentInstance, RegistryCorrupt..., SPEC §4) therefore answers
    // "exists", so the command's next call (IsItemContainer, GetItem, GetChildItems, content, RemoveItem) throws
    // it, terminating, at every path of the drive, instead of a "Cannot find path" that would hide it. Test-Path
    // (told apart by its dynamic parameters), Resolve-Path and Convert-Path of a path without wildcards ask nothing else:
    // they get the error, written (the only way out of ItemExists), and "does not exist", never a resolved path.
    // The root itself always exists (no I/O).
    protected override bool ItemExists(string path)
    {
        if (Parse(path).Uid is null) return true;
        try { return Lookup(path, out _) is not null; }
        catch (LaminException e) when (LaminCmdlet.TerminatingIds.Contains(e.ErrorId) && DynamicParameters is not TestPathParameters && !AsksOnlyWhetherItExists()) { return true; }
        catch (LaminException e) { WriteError(LaminCmdlet.ToErrorRecord(e)); return false; }
    }

    private static readonly System.Reflection.PropertyInfo? ContextProperty =
        typeof(CmdletProvider).GetProperty("Context", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic);

    /// <summary>
    /// Whether the running command resolves paths and makes no other provider call (Resolve-Path, Convert-Path).
    /// The engine does not say which command calls a provider; its context does (read by reflection; if that
    /// ever fails, the answer is no and such a command sees the path as existing, as before).
    /// </summary>
    private bool AsksOnlyWhetherItExists()
    {
        try
        {
            var context = ContextProperty?.GetValue(this);
            var invocation = context?.GetType().GetProperty("MyInvocation", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)?.GetValue(context) as InvocationInfo;
            if (invocation?.MyCommand is not { ModuleName: "Microsoft.PowerShell.Management", Name: "Resolve-Path" or "Convert-Path" }) return false;
            // A wildcard path is globbed: its container's listing (GetChildNames) comes next and throws the error.
            return !(invocation.BoundParameters.TryGetValue("Path", out var paths) && paths is string[] list
                     && list.Any(WildcardPattern.ContainsWildcardCharacters));
        }
        catch (Exception e) when (e is System.Reflection.TargetInvocationException or MemberAccessException or InvalidOperationException)
        {
            return false;
        }
    }

    protected override object ItemExistsDynamicParameters(string path) => new TestPathParameters();

    protected override bool IsItemContainer(string path) => Parse(path).Uid is null || Probe(() => Lookup(path, out var c) is not null && c);

    private bool Probe(Func<bool> work)
    {
        try { return work(); }
        catch (LaminException e) { Report(e); return false; }
    }

    protected override bool HasChildItems(string path) => Guard(() =>
    {
        var (uid, key) = Parse(path);
        if (uid is null) return Drive.Storages().Count > 0;
        if (Drive.Storage(uid) is null) return false;
        return Drive.List(uid, key.Length == 0 ? "" : key + "/").HasChildren(key);
    }, false);

    protected override void GetItem(string path) => Guard(() =>
    {
        var (uid, _) = Parse(path);
        if (uid is null)
        {
            var context = NewContext();
            WriteItemObject(new InstanceService(context).Describe(context.Instance, true), "", true);
            return;
        }
        var item = Lookup(path, out var container);
        if (item is null) throw NotFound(path);
        // Get-ChildItem of a single artifact comes here too, with its -File / -Directory.
        if (Wanted(item is LaminArtifact, container)) WriteItemObject(item, Trim(path), container);
    });

    private static LaminException NotFound(string path) =>
        new(ErrorIds.PathNotFound, $"Nothing at lamin:{Separator}{Trim(path)}: no location with that uid, or no latest, non-trashed artifact with that key (see Get-LaminArtifact -Trash for trashed ones).", path);

    protected override void GetChildItems(string path, bool recurse) => GetChildItems(path, recurse, uint.MaxValue);

    protected override void GetChildItems(string path, bool recurse, uint depth) => Guard(() =>
    {
        var (uid, key) = Parse(path);
        var filter = Filter is { Length: > 0 } f ? new WildcardPattern(f, WildcardOptions.IgnoreCase) : null;
        int? levels = !recurse ? 0 : depth == uint.MaxValue ? null : (int)Math.Min(depth, int.MaxValue);
        if (uid is null)
        {
            var storages = Drive.Storages();
            foreach (var s in storages)
                if ((filter is null || filter.IsMatch(s.Uid)) && Wanted(artifact: false, container: true)) Emit(s, s.Uid, "", s.Uid, true);
            if (levels is 0) return;
            foreach (var s in storages)
            {
                if (Stopping) return;
                WalkLocation(s.Uid, "", levels is null ? null : levels - 1, filter);
            }
            return;
        }
        if (Drive.Storage(uid) is null) throw NotFound(path);
        if (key.Length > 0)
        {
            var item = Drive.List(uid, key).Item(key) ?? throw NotFound(path);
            if (!item.IsContainer)
            {
                if (Wanted(item.Artifact is not null, false)) WriteItemObject(item.Record(uid), PathOf(uid, key), false);
                return;
            }
        }
        WalkLocation(uid, key, levels, filter);
    });

    /// <summary>
    /// Whether Get-ChildItem's -File / -Directory (<see cref="ChildItemParameters"/>) let an item through: -File lists
    /// artifacts, -Directory containers (locations, key folders, and artifacts whose key is also a folder, which are both).
    /// </summary>
    private bool Wanted(bool artifact, bool container) =>
        DynamicParameters is not ChildItemParameters p || p.File.IsPresent == p.Directory.IsPresent || (p.File.IsPresent ? artifact : container);

    protected override object GetChildItemsDynamicParameters(string path, bool recurse) => new ChildItemParameters();

    protected override object GetChildNamesDynamicParameters(string path) => new ChildItemParameters();

    /// <summary>Streams the key tree below a folder of a location (one registry read for the whole walk).</summary>
    private void WalkLocation(string uid, string folder, int? levels, WildcardPattern? filter)
    {
        // -Filter narrows the registry read by its literal start when only this level is listed.
        var seek = levels is 0 ? DriveService.SeekFor(folder, Filter) : folder.Length == 0 ? "" : folder + "/";
        ListFolder(Drive.List(uid, seek), uid, folder, levels, filter);
    }

    /// <summary>
    /// A folder's items, then each of its containers' in turn, as FileSystem lists a tree: the items of one folder
    /// follow each other, so a recursive listing shows one table per folder (grouped by PSParentPath).
    /// </summary>
    private void ListFolder(DriveListing listing, string uid, string folder, int? levels, WildcardPattern? filter)
    {
        var parentPath = PathOf(uid, folder);   // made once for the folder's items: the string GetParentPath answers
        List<string>? containers = null;
        foreach (var item in listing.Children(folder))
        {
            if (Stopping) return;
            if (item.IsContainer && levels is not 0) (containers ??= []).Add(item.Key);
            if (filter is not null && !filter.IsMatch(item.Name)) continue;
            if (!Wanted(item.Artifact is not null, item.IsContainer)) continue;
            var key = item.Key;
            // A key registered elsewhere with a '\\' (a separator on the drive) is parsed as the engine would.
            if (key.Contains('\\')) WriteItemObject(item.Record(uid), PathOf(uid, key), item.IsContainer);
            else Emit(item.Record(uid), PathOf(uid, key), parentPath, item.Name, item.IsContainer);
        }
        if (containers is null) return;
        foreach (var container in containers)
        {
            if (Stopping) return;
            ListFolder(listing, uid, container, levels is null ? null : levels - 1, filter);
        }
    }

    protected override void GetChildNames(string path, ReturnContainers returnContainers) => Guard(() =>
    {
        var (uid, key) = Parse(path);
        var filter = Filter is { Length: > 0 } f ? new WildcardPattern(f, WildcardOptions.IgnoreCase) : null;
        // Every container when the engine asks for all (it recurses or globs through them); otherwise what -Filter,
        // -File and -Directory let through (Get-ChildItem -Name, also of each folder of -Recurse).
        bool all = returnContainers == ReturnContainers.ReturnAllContainers;
        bool Listed(string name, bool artifact, bool container) =>
            (container && all) || ((filter is null || filter.IsMatch(name)) && Wanted(artifact, container));
        if (uid is null)
        {
            foreach (var s in Drive.Storages())
                if (Listed(s.Uid, false, true)) WriteItemObject(s.Uid, s.Uid, true);
            return;
        }
        if (Drive.Storage(uid) is null) return;
        // Only the names that can match are read (the filter's literal start narrows the key-index seek),
        // unless the engine needs every container to glob further down.
        var listing = Drive.List(uid, returnContainers == ReturnContainers.ReturnAllContainers ? (key.Length == 0 ? "" : key + "/") : DriveService.SeekFor(key, Filter));
        foreach (var item in listing.Children(key))
        {
            if (Stopping) return;
            if (Listed(item.Name, item.Artifact is not null, item.IsContainer)) WriteItemObject(item.Name, PathOf(uid, item.Key), item.IsContainer);
        }
    });
}
