using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation.Provider;

namespace Lamin.PowerShell.Drive;

/// <summary>
/// The lamin: drive (SPEC §8): lamin:\ holds one container per storage location (by uid); below it the
/// '/'-segments of the keys of its latest, non-trashed artifacts are folders (LaminKeyFolder) and the
/// artifacts are leaves (the same LaminArtifact records Get-LaminArtifact gives). Every call reads the
/// current instance afresh (the drive follows Connect-LaminInstance); nothing is read at import.
/// Provider paths are "&lt;uid&gt;\&lt;key segments&gt;" ("" = all locations); '/' and '\' both separate.
/// </summary>
[CmdletProvider(ProviderName, ProviderCapabilities.Filter | ProviderCapabilities.ShouldProcess)]
[OutputType(typeof(LaminStorage), typeof(LaminKeyFolder), typeof(LaminArtifact), ProviderCmdlet = ProviderCmdlet.GetChildItem)]
[OutputType(typeof(LaminStorage), typeof(LaminKeyFolder), typeof(LaminArtifact), ProviderCmdlet = ProviderCmdlet.GetItem)]
public sealed class LaminProvider : NavigationCmdletProvider, IContentCmdletProvider
{
    public const string ProviderName = "Lamin";
    public const string DefaultDriveName = "lamin";
    /// <summary>The engine's own separator ('\' on Windows, '/' elsewhere), as FileSystem paths show it; both are read.</summary>
    private static readonly char Separator = Path.DirectorySeparatorChar;
    private static readonly char[] Separators = ['\\', '/'];

    // ------------------------------------------------------------------ context and errors

    private LaminContext NewContext() => LaminContext.FromEnvironment(SessionState.Path.CurrentFileSystemLocation.ProviderPath);

    private DriveService? _drive;
    private DriveService Drive => _drive ??= new DriveService(NewContext());

    /// <summary>Runs one provider call: a refusal becomes an ErrorRecord with the catalogue's id (terminating where SPEC §4 says so).</summary>
    private T Guard<T>(Func<T> work, T failed)
    {
        try { return work(); }
        catch (Exception e) when (Refusal(e) is { } refusal) { Report(refusal); return failed; }
    }

    private void Guard(Action work) => Guard<object?>(() => { work(); return null; }, null);

    /// <summary>
    /// <see cref="Guard"/> for a content writer's Close: PowerShell drops an exception thrown there without a trace
    /// (Set-Content on a retired registry reported nothing, issue 28), so every refusal, a terminating one too, is
    /// written as an error record (with -ErrorAction Stop it still stops the command).
    /// </summary>
    private void GuardClose(Action work)
    {
        try { work(); }
        catch (Exception e) when (Refusal(e) is { } refusal) { WriteError(LaminCmdlet.ToErrorRecord(refusal)); }
    }

    /// <summary>What a provider call reports for a failure: the core's refusal, or an I/O failure; null: not ours to catch.</summary>
    private static LaminException? Refusal(Exception e) => e switch
    {
        LaminException refused => refused,
        IOException or UnauthorizedAccessException => LaminCmdlet.IoFailure(e),
        _ => null,
    };

    private void Report(LaminException e)
    {
        var record = LaminCmdlet.ToErrorRecord(e);
        // Thrown with its record, so the engine keeps the catalogue's id (a bare exception would be named by its type).
        if (LaminCmdlet.TerminatingIds.Contains(e.ErrorId)) throw new DriveException(record);
        WriteError(record);
    }

    // ------------------------------------------------------------------ paths

    /// <summary>A provider path as (storage uid or null for lamin:\ itself, key '/'-joined or "").</summary>
    internal static (string? Uid, string Key) Parse(string? path)
    {
        var parts = (path ?? "").Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) return (null, "");
        return (parts[0], string.Join('/', parts.Skip(1)));
    }

    /// <summary>The provider path of a key in a location.</summary>
    internal static string PathOf(string uid, string key) => key.Length == 0 ? uid : uid + Separator + key.Replace('/', Separator);

    /// <summary>How PSPaths name this provider: the module's own name (Lamin.psm1 registers it under module Lamin).</summary>
    public const string QualifiedName = "Lamin\\" + ProviderName;

    /// <summary>
    /// SPEC §3: the PSPath a record has on the drive (Lamin\Lamin::&lt;uid&gt;\&lt;key&gt;, a location Lamin\Lamin::&lt;uid&gt;),
    /// so a record from a cmdlet piped into Remove-Item, Move-Item, Rename-Item, Get-Content or Set-Content acts as the
    /// typed lamin: path does. The drive lists only latest, non-trashed artifacts and its path of a key means the latest
    /// version: an older version or a trashed artifact has no PSPath (an item cmdlet then refuses to bind it), never the
    /// path of another artifact. Lamin.psm1 adds it as a CodeProperty of LaminArtifact and LaminStorage.
    /// </summary>
    public static string? PSPathOf(PSObject record) => record?.BaseObject switch
    {
        LaminStorage s when s.Uid.Length > 0 => QualifiedName + "::" + s.Uid,
        LaminArtifact a when a.IsLatest && !a.IsTrashed && a.StorageUid.Length > 0 =>
            QualifiedName + "::" + PathOf(a.StorageUid, a.Key ?? DriveListing.KeylessName(a)),
        _ => null,
    };

    /// <summary>
    /// Every item the drive writes goes through here. The engine sets PSPath on each item it is given, and adding a
    /// member that the type data (PSPathOf's CodeProperty) already has throws: a record carries its own PSPath note,
    /// added pre-validated, which the engine then sets to the same path.
    /// </summary>
    private new void WriteItemObject(object item, string path, bool isContainer)
    {
        if (item is LaminArtifact or LaminStorage or LaminKeyFolder)
        {
            var record = new PSObject(item);
            if (item is not LaminKeyFolder) record.Properties.Add(new PSNoteProperty("PSPath", null), preValidated: true);
            // The drive's own view (Lamin.Format.ps1xml), shared by the three types as FileSystem's is by files and folders:
            // a listing is one table per folder (Mode, LastWriteTime, Size, Name), never a table of one type and list
            // entries of the others. The records stay the same .NET types Get-LaminArtifact and Get-LaminStorage give.
            record.TypeNames.Insert(0, item.GetType().FullName + DriveViewSuffix);
            item = record;
        }
        base.WriteItemObject(item, path, isContainer);
    }

    /// <summary>Appended to a record's type name for the drive's view (as Get-LaminStorage -Statistics appends "#Statistics").</summary>
    public const string DriveViewSuffix = "#Drive";

    private static string Trim(string path) => Normal(path).Trim(Separator);

    private static string Normal(string path) => path.Replace('/', Separator).Replace('\\', Separator);

    protected override bool IsValidPath(string path) => true;

    protected override string MakePath(string parent, string child)
    {
        var p = Normal(parent ?? "");
        var c = Normal(child ?? "");
        if (p.Length == 0) return c;
        // As the engine's own providers do: a parent with an empty child is that container, with a trailing separator.
        if (c.Length == 0) return p.EndsWith(Separator) ? p : p + Separator;
        return p.TrimEnd(Separator) + Separator + c.TrimStart(Separator);
    }

    // The engine asks GetParentPath and GetChildName of every item written (for PSParentPath and PSChildName),
    // right after WriteItemObject and with the same path string: a listing already knows both, so Emit leaves
    // them here and the two calls answer without parsing (a folder's parent path is one string for all its items).
    private string? _emitPath, _emitParent, _emitName;

    /// <summary>Writes an item whose parent path and name are known (the same strings GetParentPath/GetChildName compute).</summary>
    private void Emit(object record, string path, string parent, string name, bool container)
    {
        _emitPath = path;
        _emitParent = parent;
        _emitName = name;
        try { WriteItemObject(record, path, container); }
        finally { _emitPath = null; }
    }

    protected override string GetParentPath(string path, string root)
    {
        // An item of a listing is never the drive's root itself (that is written by GetItem, not Emit).
        if (_emitPath is not null && ReferenceEquals(path, _emitPath)) return _emitParent!;
        var p = Trim(path ?? "");
        var r = Trim(root ?? "");
        if (p.Length == 0 || (r.Length > 0 && p == r)) return "";
        int i = p.LastIndexOf(Separator);
        return i < 0 ? "" : p[..i];
    }

    protected override string GetChildName(string path)
    {
        if (_emitPath is not null && ReferenceEquals(path, _emitPath)) return _emitName!;
        var p = Trim(path ?? "");
        int i = p.LastIndexOf(Separator);
        return i < 0 ? p : p[(i + 1)..];
    }

    protected override string NormalizeRelativePath(string path, string basePath)
    {
        var p = Trim(path ?? "");
        var b = Trim(basePath ?? "");
        if (b.Length > 0 && p.StartsWith(b + Separator, StringComparison.Ordinal)) return p[(b.Length + 1)..];
        if (p == b) return "";
        return p;
    }

    /// <summary>
    /// A wildcard only in the last segment (lamin:\uid\raw\file-12*, and every Tab press) becomes the
    /// provider's filter, as FileSystem does: the listing then reads only the keys that can match.
    /// </summary>
    protected override bool ConvertPath(string path, string filter, ref string updatedPath, ref string updatedFilter)
    {
        if (!string.IsNullOrEmpty(filter) || string.IsNullOrEmpty(path)) return false;
        var p = Normal(path).TrimEnd(Separator);
        int i = p.LastIndexOf(Separator);
        if (i < 0) return false;
        var leaf = p[(i + 1)..];
        if (!WildcardPattern.ContainsWildcardCharacters(leaf) || WildcardPattern.ContainsWildcardCharacters(p[..i])) return false;
        updatedPath = path;
        updatedFilter = leaf;
        return true;
    }

    // ------------------------------------------------------------------ drives

    protected override Collection<PSDriveInfo> InitializeDefaultDrives() =>
        // No registry or network I/O here (SPEC §8): the drive's root is every location of whichever instance is current.
        [new PSDriveInfo(DefaultDriveName, ProviderInfo, "", "Storage locations and artifacts of the current Lamin instance", null)];

    protected override PSDriveInfo? NewDrive(PSDriveInfo drive)
    {
        if (drive is null) return null;
        var root = drive.Root ?? ""; // as given (SPEC §10 rule 16): a key folder "raw " is not "raw"
        if (root.Length == 0) return drive;
        // A drive for one location or one key folder of it: its root becomes the provider path <uid>[\<folder>].
        return Guard<PSDriveInfo?>(() =>
        {
            var (storage, key) = DriveRoot(root);
            return new PSDriveInfo(drive.Name, drive.Provider, PathOf(storage.Uid, key), drive.Description ?? storage.Root, drive.Credential);
        }, null);
    }

    /// <summary>
    /// What New-PSDrive -Root names: a path of the drive (lamin:\&lt;uid&gt;\&lt;folder&gt;, Lamin\Lamin::&lt;uid&gt;\&lt;folder&gt;,
    /// &lt;uid&gt;\&lt;folder&gt;; the engine has already turned an existing lamin: path into the provider path), or a location
    /// by uid, id, stub or root (normalised as -Storage is). A folder must be a container of the drive.
    /// </summary>
    private (LaminStorage Storage, string Key) DriveRoot(string root)
    {
        var path = root;
        int qualifier = path.IndexOf("::", StringComparison.Ordinal);
        if (qualifier > 0 && path[..qualifier] is var provider
            && (provider.Equals(ProviderName, StringComparison.OrdinalIgnoreCase) || provider.Equals(QualifiedName, StringComparison.OrdinalIgnoreCase)))
            path = path[(qualifier + 2)..];
        else if (DriveOf(path) is { } drive)
            path = MakePath(drive.Drive.Root, path[(drive.Name.Length + 1)..]);
        var (uid, key) = Parse(path);
        if (uid is not null && Drive.Storage(uid) is { } storage)
        {
            if (key.Length == 0) return (storage, "");
            var item = Drive.List(uid, key).Item(key);
            if (item is { IsContainer: true }) return (storage, key);
            throw item is null
                ? NotFound(path)
                : new LaminException(ErrorIds.InvalidPath,
                    $"lamin:{Separator}{PathOf(uid, key)} is an artifact, not a folder; a drive's root is a location or one of its key folders (e.g. -Root lamin:{Separator}{uid}).", root);
        }
        if (!ReferenceEquals(path, root)) throw NotFound(path);   // a lamin: path whose location does not exist
        return (Drive.ResolveDriveRoot(root.TrimEnd(Separators)), "");
    }

    /// <summary>The drive of this provider that a path starts with ("raw:\sub" → raw), or null.</summary>
    private (string Name, PSDriveInfo Drive)? DriveOf(string path)
    {
        int colon = path.IndexOf(':');
        if (colon <= 0 || path[..colon].IndexOfAny(Separators) >= 0) return null;
        var name = path[..colon];
        foreach (var d in SessionState.Drive.GetAllForProvider(ProviderName))
            if (d.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) return (name, d);
        return null;
    }

    // ------------------------------------------------------------------ items

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

    // ------------------------------------------------------------------ changes

    protected override void RemoveItem(string path, bool recurse) => Guard(() =>
    {
        var (uid, key) = Parse(path);
        if (uid is null || key.Length == 0)
            throw new LaminException(ErrorIds.InvalidArgument,
                uid is null ? "lamin:\\ itself can't be removed." : $"Remove-Item does not remove storage locations; use Remove-LaminStorage -Identity {uid}.", path);
        if (Drive.Storage(uid) is null) throw NotFound(path);
        var listing = Drive.List(uid, key);
        var item = listing.Item(key) ?? throw NotFound(path);
        var service = new ArtifactService(NewContext());
        var targets = new List<LaminArtifact>();
        if (item.Artifact is not null) targets.Add(item.Artifact);
        if (item.IsFolder)
        {
            if (!recurse && item.Artifact is null)
                throw new LaminException(ErrorIds.InvalidArgument,
                    $"lamin:{Separator}{PathOf(uid, key)} is a folder of {listing.ArtifactsUnder(key).Count()} artifact(s); pass -Recurse to move them all to the trash.", path);
            if (recurse) targets.AddRange(listing.ArtifactsUnder(key));
        }
        foreach (var a in targets)
        {
            if (Stopping) return;
            var target = $"lamin:{Separator}{PathOf(uid, a.Key ?? DriveListing.KeylessName(a))} ({a.Uid})";
            if (!ShouldProcess(target, "Move to the Lamin trash (Remove-LaminArtifact)")) continue;
            Guard(() => service.Remove(a.Uid, permanent: false, deleteFile: false));
        }
        DriveService.Invalidate();
    });

    protected override void MoveItem(string path, string destination) => Guard(() =>
    {
        var (uid, key) = Parse(path);
        var (toUid, toKey) = Parse(destination);
        if (uid is null || key.Length == 0)
            throw new LaminException(ErrorIds.InvalidArgument, "Move-Item moves artifacts or key folders between locations; a location itself moves with Move-LaminStorage.", path);
        if (toUid is null || (toKey.Length > 0 && toKey != key))
            throw new LaminException(ErrorIds.InvalidArgument,
                $"Move-Item on the lamin: drive moves to another location and keeps the key: pass the location, e.g. Move-Item lamin:{Separator}{PathOf(uid, key)} lamin:\\<other uid>. A key does not change (Rename-Item is not supported).", destination);
        if (Drive.Storage(uid) is null) throw NotFound(path);
        if (Drive.Storage(toUid) is null) throw NotFound(destination);
        var listing = Drive.List(uid, key);
        var item = listing.Item(key) ?? throw NotFound(path);
        var targets = new List<LaminArtifact>();
        if (item.Artifact is not null) targets.Add(item.Artifact);
        if (item.IsFolder) targets.AddRange(listing.ArtifactsUnder(key));
        var service = new ArtifactService(NewContext());
        foreach (var a in targets)
        {
            if (Stopping) return;
            var name = a.Key ?? DriveListing.KeylessName(a);
            if (!ShouldProcess($"lamin:{Separator}{PathOf(uid, name)} ({a.Uid})", $"Move to lamin:{Separator}{toUid} (Move-LaminArtifact -Storage {toUid})")) continue;
            Guard(() =>
            {
                var moved = service.Move(a.Uid, toUid, WriteWarning, null, CancellationToken.None);
                WriteItemObject(moved, PathOf(toUid, moved.Key ?? DriveListing.KeylessName(moved)), false);
            });
        }
        DriveService.Invalidate();
    });

    protected override void CopyItem(string path, string copyPath, bool recurse) =>
        Guard(() => throw Unsupported("Copy-Item",
            "copy files in with Add-LaminArtifact -Path <files> -Destination lamin:\\<uid>\\<folder>\\, copy artifacts out with Save-LaminArtifact (Get-ChildItem lamin:\\<uid>\\<folder> | Save-LaminArtifact -Destination <folder>), and move them between locations with Move-Item or Move-LaminArtifact", path));

    protected override void RenameItem(string path, string newName) =>
        Guard(() => throw Unsupported("Rename-Item",
            "a key names its version family; save the artifact with Save-LaminArtifact, add it under the new key with Add-LaminArtifact -Destination lamin:\\<uid>\\<new key>, and trash the old one with Remove-Item", path));

    protected override void NewItem(string path, string itemTypeName, object newItemValue) =>
        Guard(() => throw Unsupported("New-Item",
            "folders exist while keys have them; write an artifact with Set-Content lamin:\\<uid>\\<key> or add files with Add-LaminArtifact -Destination lamin:\\<uid>\\<folder>\\", path));

    private static LaminException Unsupported(string cmdlet, string instead, string path) =>
        new(ErrorIds.InvalidArgument, $"{cmdlet} is not supported on the lamin: drive: {instead}.", path);

    // ------------------------------------------------------------------ content

    /// <summary>The artifact at a path for Get-Content/Set-Content (an artifact key that is also a folder counts: SPEC §8).</summary>
    private (LaminStorage Storage, string Key, LaminArtifact? Artifact) ContentTarget(string path)
    {
        var (uid, key) = Parse(path);
        if (uid is null || key.Length == 0)
            throw new LaminException(ErrorIds.InvalidPath, $"lamin:{Separator}{Trim(path)} is {(uid is null ? "the drive's root" : "a storage location")}, not an artifact.", path);
        var storage = Drive.Storage(uid) ?? throw NotFound(path);
        var item = Drive.List(uid, key).Item(key);
        return (storage, key, item?.Artifact);
    }

    public IContentReader? GetContentReader(string path) => Guard<IContentReader?>(() =>
    {
        var (_, _, artifact) = ContentTarget(path);
        if (artifact is null)
            throw Drive.List(Parse(path).Uid!, Parse(path).Key).Item(Parse(path).Key) is { IsFolder: true }
                ? new LaminException(ErrorIds.InvalidPath, $"lamin:{Separator}{Trim(path)} is a key folder, not an artifact; list it with Get-ChildItem.", path)
                : NotFound(path);
        var options = DynamicParameters as ContentReaderParameters;
        return new ContentReader(DriveService.OpenContent(artifact), options?.AsByteStream.IsPresent == true, options?.Raw.IsPresent == true);
    }, null);

    public object GetContentReaderDynamicParameters(string path) => new ContentReaderParameters();

    public IContentWriter? GetContentWriter(string path) => Guard<IContentWriter?>(() =>
    {
        var (storage, key, _) = ContentTarget(path);
        // Refused before any input is read (SPEC rule 24); the full rules run again when the content is added.
        if (!storage.IsManaged)
            throw new LaminException(ErrorIds.StorageReadOnly,
                $"Cannot write into {storage.Root} ({storage.Uid}): it is not managed by the current instance. Nothing was written.", path);
        Lamin.Core.Artifacts.ArtifactKeys.Validate(key);
        var options = DynamicParameters as ContentWriterParameters;
        var drive = Drive;
        return new ContentWriter(drive, storage.Uid, key, drive.NewSpoolFile(storage.Uid, key), options?.AsByteStream.IsPresent == true,
            options?.NoNewline.IsPresent == true, WriteWarning, GuardClose);
    }, null);

    public object GetContentWriterDynamicParameters(string path) => new ContentWriterParameters();

    public void ClearContent(string path) =>
        // Set-Content clears first and goes on when a provider does not support clearing; a new version replaces the content.
        throw new PSNotSupportedException("Clear-Content is not supported on the lamin: drive: Set-Content writes a new version of an artifact, and Remove-Item moves it to the trash.");

    public object? ClearContentDynamicParameters(string path) => null;
}

/// <summary>Test-Path's dynamic parameters on the lamin: drive: none; they tell the provider a call comes from Test-Path.</summary>
public sealed class TestPathParameters
{
}

/// <summary>Get-ChildItem's dynamic parameters on the lamin: drive, as FileSystem's: -File and -Directory (also with -Recurse and -Name).</summary>
public sealed class ChildItemParameters
{
    /// <summary>Artifacts only.</summary>
    [Parameter]
    [Alias("af")]
    public SwitchParameter File { get; set; }

    /// <summary>Containers only: storage locations, key folders, and artifacts whose key is also a folder.</summary>
    [Parameter]
    [Alias("ad")]
    public SwitchParameter Directory { get; set; }
}

/// <summary>Get-Content's dynamic parameters on the lamin: drive.</summary>
public sealed class ContentReaderParameters
{
    /// <summary>The whole content as one string (or one byte array with -AsByteStream).</summary>
    [Parameter]
    public SwitchParameter Raw { get; set; }

    /// <summary>Bytes instead of lines of text.</summary>
    [Parameter]
    public SwitchParameter AsByteStream { get; set; }
}

/// <summary>Set-Content's dynamic parameters on the lamin: drive.</summary>
public sealed class ContentWriterParameters
{
    /// <summary>Writes bytes (byte values or byte arrays) instead of lines of text.</summary>
    [Parameter]
    public SwitchParameter AsByteStream { get; set; }

    /// <summary>Writes the strings without a newline after each.</summary>
    [Parameter]
    public SwitchParameter NoNewline { get; set; }
}

/// <summary>A terminating refusal on the drive that carries its ErrorRecord (its FullyQualifiedErrorId is the catalogue's id).</summary>
public sealed class DriveException(ErrorRecord record) : Exception(record.Exception.Message, record.Exception), IContainsErrorRecord
{
    public ErrorRecord ErrorRecord { get; } = record;
}
