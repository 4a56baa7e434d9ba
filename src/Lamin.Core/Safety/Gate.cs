using Lamin.Core.Services;

namespace Lamin.Core.Safety;

/// <summary>
/// The one gate every delete, overwrite and rename-over-existing of the core passes (SPEC §10 rule 12,
/// issue 24). Nothing else calls <c>File.Delete</c>, <c>Directory.Delete</c>, an overwriting
/// <c>File.Move</c>, <c>File.Replace</c>, an S3/GCS delete or <see cref="IStorageProvider.DeleteUnchecked"/>:
/// <c>GateBypassTests</c> reads the sources and fails when anything does.
/// <para>
/// The rules, all here: refused are a storage root of any location the registry knows (any host, any
/// space, visible or not) and anything that holds one; a marker, lease, lock or registry file wherever it
/// sits; a managed <c>.lamindb/</c> folder itself; bytes of any live artifact (of every location whose root
/// holds the target, nested ones too, and rows the role can't see: those are answered yes/no by the
/// registry, naming nothing); and anything outside the place the operation was asked to write. Only the
/// objects an operation retires itself (<see cref="GateScope.Retiring"/>) are let through.
/// </para>
/// <para>
/// A check returns a <see cref="Permit"/>; only a permit deletes. Objects an operation created itself and
/// that no committed record can name (a rolled-back batch's uploads, a writer's own temporaries) get a
/// permit from <see cref="OwnObject"/>, which still refuses control files and roots.
/// </para>
/// <para>
/// This file holds every rule and every act. Beside it only helpers without a rule or a delete of their own:
/// <c>Gate.Permit.cs</c> (the permit and the scope) and <c>Gate.Place.cs</c> (how places compare).
/// </para>
/// </summary>
public static partial class Gate
{
    // ============================================================== the rules

    /// <summary>
    /// Checks the delete (or overwrite) of <paramref name="key"/> under <paramref name="root"/> against the whole
    /// registry; throws a catalogued refusal or returns the permit.
    /// </summary>
    public static Permit Check(IRegistrySession s, StorageRoot root, string key, bool folder, GateScope scope)
    {
        RequireNotControl(root, key, s.RegistryPath, scope);
        var place = Place.Of(root, key);
        var refusal = CheckPlace(s, place, folder, scope, Where(root, key));
        Util.CoreTrace.Write($"gate: {scope.Operation} may {(refusal is null ? "" : "not ")}delete or overwrite '{Where(root, key)}'{(refusal is null ? "" : $" ({refusal.ErrorId})")}");
        if (refusal is not null) throw refusal;
        return new Permit(root, key, folder, scope.Operation);
    }

    /// <summary>As <see cref="Check"/>, but the refusal is returned (a bulk operation keeps the object and goes on).</summary>
    public static Permit? TryCheck(IRegistrySession s, StorageRoot root, string key, bool folder, GateScope scope, out LaminException? refusal)
    {
        try { refusal = null; return Check(s, root, key, folder, scope); }
        catch (LaminException e) { refusal = e; return null; }
    }

    /// <summary>
    /// A permit for an object this operation published itself and that no committed record names (its batch
    /// rolled back, or it is the operation's own temporary): no registry to ask (it may be the registry that
    /// failed), but never a root, a managed folder, a marker, lease, lock or registry file.
    /// </summary>
    public static Permit OwnObject(StorageRoot root, string key, bool? folder, GateScope scope)
    {
        RequireNotControl(root, key, null, scope);
        return new Permit(root, key, folder, scope.Operation);
    }

    private static void RequireNotControl(StorageRoot root, string key, string? registryPath, GateScope scope)
    {
        if (key.Length == 0 || key.Trim('/').Length == 0)
            throw new LaminException(ErrorIds.InvalidPath,
                $"{scope.Operation} refused to delete or overwrite the root of the storage location {root.PathPart}: an empty key names no object. Nothing was changed.", root.Root);
        var rules = LocationRules.For(root);
        var segments = key.Split('/');
        if (rules.IsManagedFolderName(segments[^1]))
            throw new LaminException(ErrorIds.InvalidPath,
                $"{scope.Operation} refused to delete or overwrite '{Where(root, key)}': it is a managed .lamindb folder (a location's or an instance's own data). Nothing was changed.", Where(root, key));
        if (ProtectedObjects.Contains(key, registryPath, rules) || ControlObjects.Contains(root, key, registryPath))
            throw new LaminException(ErrorIds.InvalidPath,
                $"{scope.Operation} refused to delete or overwrite '{Where(root, key)}': it is a marker, lease, lock or registry file, which only the command that owns it changes. Nothing was changed.", Where(root, key));
    }

    /// <summary>The place rules: known roots, nested locations, hidden rows, live bytes. Null: allowed.</summary>
    private static LaminException? CheckPlace(IRegistrySession s, Place target, bool folder, GateScope scope, string shown)
    {
        foreach (var st in KnownStorages(s))
        {
            var loc = Place.OfRoot(st.Type, st.Root);
            if (!loc.SameStore(target)) continue;
            var cmp = ObjectUsage.KeyComparison(st);
            if (loc.IsSameAs(target, cmp) || loc.IsUnder(target, cmp))
                return new LaminException(ErrorIds.InvalidPath,
                    $"{scope.Operation} refused to delete or overwrite '{shown}': it {(loc.IsSameAs(target, cmp) ? "is" : "holds")} the root of the storage location {st.Root} ({st.Uid}). " +
                    "A location is removed with Remove-LaminStorage, never deleted as a file or folder. Nothing was changed.", shown);
            if (!target.IsUnder(loc, cmp)) continue;
            var key = target.RelativeTo(loc);
            var users = ObjectUsage.Users(s, st, key, folder, scope.Retiring as ICollection<int> ?? scope.Retiring.ToHashSet());
            if (users.Count > 0)
                return new LaminException(ErrorIds.ObjectInUse,
                    $"{scope.Operation} refused to delete or overwrite '{shown}': it holds data of {(users.Count == 1 ? "the artifact" : $"{users.Count} artifacts")} {ObjectUsage.Describe(users)}. " +
                    "Nothing was changed. Remove those artifacts first (Remove-LaminArtifact), or choose another path.", shown);
        }
        // Locations the role can't see (PostgreSQL, SPEC §7): the registry answers yes or no.
        if (s.HiddenLocationAt(target.Type, target.Endpoint, target.Path, folder, ignoreCase: target.IgnoreCase))
            return new LaminException(ErrorIds.AccessDenied,
                $"{scope.Operation} refused to delete or overwrite '{shown}': it lies in, or holds, a storage location in a space you have no access to. Nothing was changed.", shown);
        return null;
    }

    /// <summary>The storage records of a session, read once per session (a bulk delete checks many objects in one read).</summary>
    private static List<LaminStorage> KnownStorages(IRegistrySession s) =>
        SessionStorages.GetValue(s, x => x.Storages.FindAll().ToList());

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IRegistrySession, List<LaminStorage>> SessionStorages = new();

    /// <summary>
    /// Where a local destination outside every location may be replaced (Save-LaminArtifact -Force): refused when it
    /// is, holds or lies in a managed folder, is a registry file, is or holds a known root, or holds bytes of a live artifact.
    /// </summary>
    public static void CheckLocalDestination(IRegistrySession s, string path, bool isFolder, GateScope scope)
    {
        var rules = LocationRules.ForLocal(path);
        var name = Path.GetFileName(LocalPaths.TrimTrailingSeparator(path));
        if (rules.ContainsManagedFolder(path) || rules.IsRegistryCompanion(name) || (s.RegistryPath is { } reg && rules.Equals(Path.GetFullPath(reg), path)))
            throw new LaminException(ErrorIds.InvalidPath,
                $"{scope.Operation} refused to replace '{path}': it is, or lies in, a managed .lamindb folder or a registry file (Lamin's own data). Choose a destination outside every .lamindb folder. Nothing was changed.", path);
        if (isFolder) LocalStorageProvider.FilesBelow(path); // rule 2: a folder that holds a .lamindb/ (InvalidPath)
        // The place as written: the folders above it with their links followed (the entry itself is replaced, never what a link at it points to).
        var parent = Path.GetDirectoryName(Path.GetFullPath(path));
        var resolved = parent is null ? path : Path.Combine(LocalPaths.ResolveLinks(parent), Path.GetFileName(path));
        if (!string.Equals(resolved, Path.GetFullPath(path), StringComparison.Ordinal))
        {
            // Rule 6: inside a location, a link never leads a write out of it.
            foreach (var st in KnownStorages(s).Where(x => x.Type == "local"))
                if (LocationRules.Contains(st.Root, Path.GetFullPath(path)) && !LocationRules.Contains(st.Root, resolved))
                    throw new LaminException(ErrorIds.InvalidPath,
                        $"{scope.Operation} refused to write '{path}': a symbolic link inside the storage location {st.Root} leads it out to '{resolved}'. Name the real destination instead. Nothing was changed.", path);
            CheckLocalDestination(s, resolved, isFolder, scope);
        }
        var refusal = CheckPlace(s, Place.OfLocal(path, rules), isFolder, scope, path);
        if (refusal is null) return;
        if (refusal.ErrorId == ErrorIds.ObjectInUse)
            throw new LaminException(ErrorIds.DestinationHoldsArtifact, refusal.Message.Replace("Remove those artifacts first (Remove-LaminArtifact), or choose another path.", "Save to another destination."), path);
        throw refusal;
    }

    // ============================================================== the acts

    /// <summary>
    /// Deletes what the permit names (a missing object is not an error). A permit that carries the identity its command
    /// verified (<see cref="Permit.Expecting"/>) deletes only that object: S3 If-Match on the ETag (after a re-check of
    /// size, ETag and last-modified), GCS ifGenerationMatch, locally a re-check of size, last-write time and inode right
    /// before the unlink. An object written since is kept: FileChanged, naming it (a bulk caller reports and goes on).
    /// </summary>
    public static void Delete(Permit permit)
    {
        Util.CoreTrace.Write($"gate: {permit.Operation} deletes '{Where(permit.Root, permit.Key)}'{(permit.Expected is null ? "" : " if unchanged")}");
        var provider = StorageProviders.For(permit.Root);
        if (permit.Expected is { } expected)
        {
            if (provider.DeleteIfUnchanged(permit.Root, permit.Key, expected) != ConditionalDelete.Changed) return;
            var where = Where(permit.Root, permit.Key);
            throw new LaminException(ErrorIds.FileChanged,
                $"{permit.Operation} kept '{where}': it changed after the command verified it ({expected}), so another client wrote it since; it was not deleted. " +
                "Check what it holds; remove it yourself if it is not wanted.", where);
        }
        if (permit.Folder is { } folder) provider.DeleteUnchecked(permit.Root, permit.Key, folder);
        else provider.DeleteUnchecked(permit.Root, permit.Key);
    }

    /// <summary>
    /// Replaces <paramref name="target"/> by the staged file or folder next to it (Save-LaminArtifact): one rename
    /// for a file, the previous folder aside, the new one in, the aside removed for a folder. Never deletes first.
    /// The caller checked the target with <see cref="CheckLocalDestination"/>; <paramref name="staged"/> must be a
    /// sibling temporary of the target.
    /// </summary>
    public static void ReplaceLocal(string staged, string target, bool folder)
    {
        RequireOwnTemporaryName(staged);
        if (!string.Equals(Path.GetDirectoryName(staged), Path.GetDirectoryName(target), StringComparison.Ordinal))
            throw new InvalidOperationException("A replace stages its copy next to its target.");
        var platform = LocalPlatform.Current;
        if (!folder)
        {
            SharingRules.Retry(() => platform.ReplaceFile(staged, target)); // one rename: atomic on POSIX and NTFS
            Durable.SyncDirectory(Path.GetDirectoryName(target)!);
            return;
        }
        if (File.Exists(target)) // a file where the folder goes: aside, in, aside gone (as a folder replace does)
        {
            var aside = staged + "-old";
            SharingRules.Retry(() => platform.MoveFile(target, aside));
            try { SharingRules.Retry(() => platform.MoveFolder(staged, target)); }
            catch { SharingRules.Retry(() => platform.MoveFile(aside, target)); throw; }
            SharingRules.Retry(() => platform.DeleteFile(aside));
        }
        else FolderReplace.Replace(staged, target, staged + "-old");
        Durable.SyncDirectory(Path.GetDirectoryName(target)!);
    }

    /// <summary>The prefix of Save-LaminArtifact's copy next to its target.</summary>
    public const string SaveTemporaryPrefix = ".lamin-save-";

    /// <summary>The prefixes of the temporaries deleted as such: staged objects and probes (one prefix), Save's copies. Drive spools have their own rule.</summary>
    public static readonly IReadOnlyList<string> TemporaryPrefixes = [LocalStorageProvider.TempPrefix, SaveTemporaryPrefix];

    private static void RequireOwnTemporaryName(string path)
    {
        var name = Path.GetFileName(LocalPaths.TrimTrailingSeparator(path));
        if (!TemporaryPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
            throw new LaminException(ErrorIds.InvalidPath, $"Refused to delete '{path}' as a temporary: its name is not one Lamin gives its temporaries.", path);
    }

    /// <summary>Deletes a temporary file or folder of Lamin's own (its name says so); a missing one is not an error.</summary>
    public static void DeleteOwnTemporary(string path)
    {
        RequireOwnTemporaryName(path);
        var platform = LocalPlatform.Current;
        if (new FileInfo(path).LinkTarget is not null) { platform.DeleteFile(path); return; } // the link, never its target
        if (Directory.Exists(path)) SharingRules.Retry(() => platform.DeleteFolder(path, recursive: true));
        else if (File.Exists(path)) SharingRules.Retry(() => platform.DeleteFile(path));
    }

    /// <summary>
    /// Deletes a drive spool folder (SPEC §10 rule 17): a folder named <paramref name="prefix"/>* or a 32-digit hex
    /// name (the layout before spools named their process), inside a folder named <paramref name="spoolFolder"/>
    /// (LAMIN_HOME/spool, directly or in a location's subfolder). Links are never followed.
    /// </summary>
    public static void DeleteDriveSpool(string folder, string spoolFolder, string prefix)
    {
        var full = LocalPaths.TrimTrailingSeparator(Path.GetFullPath(folder));
        var name = Path.GetFileName(full);
        var parent = Path.GetDirectoryName(full);
        bool named = name.StartsWith(prefix, StringComparison.Ordinal) || (name.Length == 32 && name.All(char.IsAsciiHexDigitLower));
        bool placed = parent is not null && (Path.GetFileName(parent) == spoolFolder || Path.GetFileName(Path.GetDirectoryName(parent) ?? "") == spoolFolder);
        if (!named || !placed)
            throw new LaminException(ErrorIds.InvalidPath, $"Refused to delete '{folder}' as a drive spool: it is not a spool folder in LAMIN_HOME.", folder);
        if (new FileInfo(full).LinkTarget is not null) return;
        if (Directory.Exists(full)) SharingRules.Retry(() => LocalPlatform.Current.DeleteFolder(full, recursive: true));
    }

    /// <summary>Removes a folder when it is empty (a folder an operation created and left unused); false when it is not.</summary>
    public static bool DeleteEmptyFolder(string path)
    {
        try
        {
            if (!Directory.Exists(path) || new FileInfo(path).LinkTarget is not null || Directory.EnumerateFileSystemEntries(path).Any()) return false;
            LocalPlatform.Current.DeleteFolder(path, recursive: false); // not recursive: a folder that is not empty is never deleted
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>The files Lamin keeps for itself, each retired only by the command that owns it.</summary>
    public enum ControlFile
    {
        /// <summary>A LiteDB registry file or companion (Remove-LaminInstance, a failed New-LaminInstance).</summary>
        Registry,
        /// <summary>A settings file in LAMIN_HOME (an instance entry, the current-instance file).</summary>
        Settings,
        /// <summary>A location's marker (.lamindb/storage_uid.txt: Remove-LaminStorage, Remove-LaminInstance, a failed New-LaminStorage).</summary>
        Marker,
        /// <summary>A lease (.lamindb/_lease.json) released by its holder.</summary>
        Lease,
        /// <summary>A log or lock file next to a registry, removed by the registry that wrote it.</summary>
        RegistryLog,
    }

    /// <summary>Retires a control file of the given kind; refused when the path is not a file of that kind.</summary>
    public static void RetireControlFile(string path, ControlFile kind)
    {
        var name = Path.GetFileName(path);
        var rules = LocationRules.ForLocal(path);
        bool ok = kind switch
        {
            ControlFile.Registry => rules.IsRegistryCompanion(name) || name.EndsWith(".db", StringComparison.OrdinalIgnoreCase) || name.Contains(".db-", StringComparison.OrdinalIgnoreCase),
            ControlFile.Settings => IsSettingsName(name),
            ControlFile.Marker => rules.Equals(name, Marker.FileName),
            ControlFile.Lease => rules.Equals(name, Path.GetFileName(Lease.RelativeKey)),
            ControlFile.RegistryLog => name.EndsWith(".log", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".lock", StringComparison.OrdinalIgnoreCase) || name.Contains("-log", StringComparison.OrdinalIgnoreCase),
            _ => false,
        };
        if (!ok) throw new LaminException(ErrorIds.InvalidPath, $"Refused to delete '{path}': it is not a {kind} file of Lamin's.", path);
        SharingRules.Retry(() => LocalPlatform.Current.DeleteFile(path));
    }

    private static bool IsSettingsName(string name) => name.EndsWith(".json", StringComparison.Ordinal) || name.EndsWith(".txt", StringComparison.Ordinal);

    /// <summary>Writes a settings file (LAMIN_HOME) atomically: the staged sibling renamed over it.</summary>
    public static void ReplaceControlFile(string staged, string target, ControlFile kind)
    {
        if (kind != ControlFile.Settings) throw new InvalidOperationException("Only settings files are replaced whole.");
        SharingRules.Retry(() => LocalPlatform.Current.ReplaceFile(staged, target));
    }

    /// <summary>Retires a location's marker (the location is removed, or its creation failed).</summary>
    public static void RetireMarker(StorageRoot root) => StorageProviders.For(root).DeleteMarker(root);

    /// <summary>
    /// Removes the marker a stopped Move-LaminStorage wrote at its destination before switching the record: only
    /// when it names <paramref name="storageUid"/> and no location (visible or hidden) has that root. Returns
    /// whether it was removed; a marker any location stands on stays.
    /// </summary>
    public static bool RetireStrayMarker(IRegistrySession s, StorageRoot root, string storageUid, GateScope scope)
    {
        var provider = StorageProviders.For(root);
        MarkerInfo marker;
        try { marker = provider.ReadMarker(root); }
        catch (LaminException) { return false; }
        if (!marker.Exists || marker.StorageUid != storageUid) return false;
        var here = Place.OfRoot(root.Type, root.Root);
        foreach (var st in KnownStorages(s))
        {
            var loc = Place.OfRoot(st.Type, st.Root);
            if (loc.SameStore(here) && loc.IsSameAs(here, ObjectUsage.KeyComparison(st))) return false;
        }
        var markerPlace = Place.Of(root, Marker.RelativeKey);
        if (s.HiddenLocationAt(markerPlace.Type, markerPlace.Endpoint, markerPlace.Path, false, ignoreCase: markerPlace.IgnoreCase)) return false;
        provider.DeleteMarker(root);
        return true;
    }

    /// <summary>Releases a lease file (its holder, or the winner of a takeover): the object at a lease key alone.</summary>
    public static void RetireLease(IStorageProvider provider, StorageRoot root, string key)
    {
        if (!Lease.IsLeaseKey(key)) throw new LaminException(ErrorIds.InvalidPath, $"Refused to delete '{key}' as a lease: it is not a lease key.", key);
        provider.DeleteUnchecked(root, key, folder: false);
    }

    /// <summary>
    /// Retires a Move-LaminStorage journal (<see cref="MoveJournal"/>, SPEC §10 rule 17): its move switched the
    /// record, or its listed copies were removed. The object at a journal key alone; a missing one is not an error.
    /// </summary>
    public static void RetireMoveJournal(StorageRoot root, string key)
    {
        if (!MoveJournal.IsJournalKey(key)) throw new LaminException(ErrorIds.InvalidPath, $"Refused to delete '{key}' as a move journal: it is not a journal key.", key);
        StorageProviders.For(root).DeleteUnchecked(root, key, folder: false);
    }

    /// <summary>
    /// Retires a writer's announcement (<see cref="WriterAnnouncements"/>, issue 25): its writer committed what it
    /// wrote, or its process is gone. The object at an announcement key alone; a missing one is not an error.
    /// </summary>
    public static void RetireWriterAnnouncement(StorageRoot root, string key)
    {
        if (!WriterAnnouncements.IsAnnouncementKey(key)) throw new LaminException(ErrorIds.InvalidPath, $"Refused to delete '{key}' as a writer's announcement: it is not an announcement key.", key);
        StorageProviders.For(root).DeleteUnchecked(root, key, folder: false);
    }

    private static string Where(StorageRoot root, string key) => StorageProviders.For(root).PathOf(root, key);
}
