
namespace Lamin.Core.Storage;

public sealed partial class LocalStorageProvider
{
    /// <summary>Writes under .lamindb/.lamin-tmp-&lt;pid&gt;-&lt;random&gt; and renames into place on commit.</summary>
    private sealed class LocalWriter : IObjectWriter
    {
        private readonly StorageRoot _root;
        private readonly bool _folder;
        private readonly string _temp;
        private bool _committed;

        private readonly string? _createdManaged;
        private readonly HashSet<string> _memberFolders = [];

        public LocalWriter(StorageRoot root, bool folder)
        {
            _root = root;
            _folder = folder;
            // .lamindb/ itself must not lead out of the root (a symlink put there): rule 6 on the temporary too.
            // Named by host, process id and start time (SPEC §11): orphan clearing tells a live writer from a reused pid.
            var name = Util.ProcessIdentity.Current().TemporaryName(TempPrefix);
            var managed = ManagedFolderOf(root);
            if (LocalPaths.IsRealFolder(managed)) _temp = Path.Combine(managed, name); // no walk needed (issue 15)
            else
            {
                _temp = LocalPaths.ResolveUnder(root.Root, $"{Marker.ManagedFolder}/{name}");
                var dir = Path.GetDirectoryName(_temp)!;
                _createdManaged = FirstMissing(dir);
                if (!Directory.Exists(dir)) Directory.CreateDirectory(dir);
            }
            if (folder) { Directory.CreateDirectory(_temp); _memberFolders.Add(_temp); }
        }

        public Stream OpenMember(string relativePath, long size)
        {
            var path = _folder ? Path.Combine(_temp, relativePath.Replace('/', Path.DirectorySeparatorChar)) : _temp;
            if (_folder)
            {
                var parent = Path.GetDirectoryName(path)!;
                Directory.CreateDirectory(parent);
                for (var d = parent; d.Length > _temp.Length; d = Path.GetDirectoryName(d)!) _memberFolders.Add(d);
            }
            // Flushed to disk when the copier flushes it (SPEC §10 rule 10): data before the registry commit.
            return Durable.Create(path, FileMode.CreateNew);
        }

        public void Commit(string finalKey, bool replace)
        {
            // Rule 6: the final path's folders, links followed, stay inside the root (InvalidKey otherwise). A name
            // directly in .lamindb/ (every key-less artifact) is inside when .lamindb/ is a real folder: one lstat, no walk.
            var managed = ManagedFolderOf(_root);
            var name = NameInManagedFolder(finalKey);
            bool direct = name is not null && LocalPaths.IsRealFolder(managed);
            var final = direct ? Path.Combine(managed, name!) : LocalPaths.ResolveUnder(_root.Root, finalKey);
            var parent = Path.GetDirectoryName(final)!;
            var created = direct ? null : FirstMissing(parent);
            bool done = false;
            try
            {
                if (!direct) Directory.CreateDirectory(parent);
                bool exists = EntryExists(final);
                // The version this replaces is missing: a replace killed between its moves may have left it aside (issue 15).
                if (!exists && replace && _folder && RecoverInterruptedReplaces(_root).Count > 0) exists = Directory.Exists(final);
                if (exists && !replace)
                    throw new LaminException(ErrorIds.DestinationExists, $"'{final}' already exists; nothing was overwritten.", final);
                if (!_folder)
                {
                    var platform = LocalPlatform.Current;
                    // One rename: atomic on POSIX and NTFS. On Windows a reader of the version it replaces (without FILE_SHARE_DELETE)
                    // refuses it for a moment (access denied): retried, as folder replaces are (issue 27).
                    try { SharingRules.Retry(() => { if (replace) platform.ReplaceFile(_temp, final); else platform.MoveFile(_temp, final); }); }
                    catch (FileNotFoundException) when (!File.Exists(_temp))
                    {
                        throw new LaminException(ErrorIds.PathNotFound, $"The staged copy '{_temp}' is gone before its commit (deleted by another command or by hand).", _temp);
                    }
                    _committed = true;
                    done = true;
                    Durable.SyncParents(final, created);
                    return;
                }
                // The entries of every member folder, before the folder is published.
                if (!Durable.UseBarrier) foreach (var d in _memberFolders.OrderByDescending(d => d.Length)) Durable.SyncDirectory(d);
                // The previous version aside, the new one in, the aside deleted; a rename refused for a moment is retried,
                // and a move-in that fails puts the previous version back under its own name (never left for orphan clearing).
                FolderReplace.Replace(_temp, final, _temp + AsideSuffix, OperationsFor(_root), intent: finalKey);
                _committed = true;
                done = true;
                Durable.SyncParents(final, created);
            }
            finally
            {
                // Nothing left behind by a refused or failed publish: the folders this call created.
                if (!done) RemoveCreatedFolders(parent, created);
            }
        }

        public void Dispose()
        {
            if (_committed) return;
            try
            {
                var platform = LocalPlatform.Current;
                if (_folder && Directory.Exists(_temp)) platform.DeleteFolder(_temp, recursive: true);
                else if (File.Exists(_temp)) platform.DeleteFile(_temp);
                // A .lamindb/ this writer created (a location's first write) goes again when it is left empty.
                if (_createdManaged is not null) RemoveCreatedFolders(Path.GetDirectoryName(_temp), _createdManaged);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}
