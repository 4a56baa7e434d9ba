
namespace Lamin.Core.Storage;

/// <summary>
/// The object writer of stores without rename (S3, GCS): members are uploaded to the proposed final key
/// when there is one (no copy at commit), else under .lamindb/.lamin-tmp-&lt;pid&gt;-&lt;guid&gt;; commit
/// copies server-side when the final key differs, and removes files a replaced folder no longer has.
/// <para>
/// It never touches an object it did not create (SPEC §10): an upload straight to the proposed key
/// happens only when nothing is there (checked before the first byte → DestinationExists, and sent as a
/// create-only write: If-None-Match: * on S3, ifGenerationMatch=0 on GCS, for servers that honour it);
/// on dispose it deletes only the objects whose upload or copy it saw complete, and only while they are
/// still the ones it wrote (ETag / generation). A member counts as written only after the store's
/// completion answer, and <see cref="Commit"/> refuses while any member is incomplete, so a registry
/// transaction that follows a commit registers bytes the store has confirmed (rule 10).
/// </para>
/// </summary>
internal sealed class CopyOnCommitWriter(CopyOnCommitWriter.IObjects store, bool folder, string? proposedKey) : IObjectWriter, IServerSideCopy
{
    /// <summary>What the writer needs from a store; keys are relative to the root.</summary>
    internal interface IObjects
    {
        StorageRoot Root { get; }
        IStorageProvider Provider { get; }

        /// <summary>A create-only upload; <paramref name="created"/> gets the new object's version token (ETag, generation) once the store confirmed it.</summary>
        Stream OpenUpload(string key, long size, Action<string?> created);

        /// <summary>Server-side copy of an object of <paramref name="size"/> bytes (create-only when asked); returns the new object's version token.</summary>
        string? Copy(string from, string to, long size, bool createOnly);

        /// <summary>The keys below "key/" (a folder's members; an object at the key itself is not one).</summary>
        IReadOnlyList<string> MemberKeys(string key);

        /// <summary>Deletes exactly these objects.</summary>
        void DeleteKeys(IReadOnlyList<string> keys);

        /// <summary>Deletes an object this writer created, unless it is no longer the version it wrote (<paramref name="token"/>).</summary>
        void DeleteOwn(string key, string? token);

        /// <summary>Whether objects of <paramref name="source"/> can be copied here inside the store (one S3 endpoint; GCS).</summary>
        bool CanCopyFrom(StorageRoot source);

        /// <summary>A create-only server-side copy from another root of the store; returns the new object's version token.</summary>
        string? CopyFrom(StorageRoot source, string sourceKey, string toKey, long size);

        /// <summary>LaminDB's hash of the object at a key, its size checked, read as little as possible.</summary>
        Hashing.HashResult HashOf(string key, long size, Hashing.HashResult? expected);

        /// <summary>One HEAD: the object's size and version token (the one <see cref="OpenUpload"/> reports), or null when nothing is at the key.</summary>
        (long Size, string? Token)? Version(string key);
    }

    private readonly bool _direct = proposedKey is not null;
    private readonly string _base = proposedKey ?? $"{Marker.ManagedFolder}/{Util.ProcessIdentity.Current().TemporaryName(LocalStorageProvider.TempPrefix)}";
    private readonly List<string> _members = [];
    // Each member's size: a commit copy above 5 GiB must go in parts on S3.
    private readonly Dictionary<string, long> _sizes = new(StringComparer.Ordinal);
    private readonly List<string> _opened = [];
    // Objects this writer created (key → version token), in the order they were confirmed.
    private readonly Dictionary<string, string?> _created = new(StringComparer.Ordinal);
    private bool _checked;
    private bool _committed;

    private IStorageProvider Provider => store.Provider;
    private StorageRoot Root => store.Root;
    private string KeyOf(string member) => folder ? _base + "/" + member : _base;

    private LaminException Exists(string key) =>
        new(ErrorIds.DestinationExists, $"'{Provider.PathOf(Root, key)}' already exists; nothing was overwritten. Move or remove what is there first.", Provider.PathOf(Root, key));

    /// <summary>Before a member's first byte: the proposed key must be free (an object there, or a folder's members); the member is then ours to clean up.</summary>
    private string StartMember(string relativePath, long size)
    {
        if (_direct && !_checked)
        {
            if (Provider.Stat(Root, _base) is not null) throw Exists(_base);
            _checked = true;
        }
        var key = KeyOf(relativePath);
        _members.Add(relativePath);
        _sizes[relativePath] = size;
        _opened.Add(key);
        return key;
    }

    public Stream OpenMember(string relativePath, long size)
    {
        var key = StartMember(relativePath, size);
        return store.OpenUpload(key, size, token => { lock (_created) _created[key] = token; });
    }

    /// <summary>Benchmarks turn server-side copies off to time the download-and-upload path against them.</summary>
    internal static bool ServerSideCopies = true;

    public bool CanCopyFrom(StorageRoot source) => ServerSideCopies && store.CanCopyFrom(source);

    /// <summary>
    /// A member filled by a copy inside the store (issue 15), under the same rules as an upload: the proposed key checked
    /// free first, a create-only copy, the object ours (removed on dispose) once the store confirmed it. A server-side
    /// copy may give a multipart object another ETag, so what it holds is checked by its size and LaminDB's hash of the
    /// copy (md5 from metadata, or sha1-fl from its first and last 50 MiB), which the caller compares with the registry's.
    /// </summary>
    public Hashing.HashResult CopyMemberFrom(string relativePath, StorageRoot source, string sourceKey, long size, Hashing.HashResult? expected)
    {
        var key = StartMember(relativePath, size);
        var token = store.CopyFrom(source, sourceKey, key, size);
        lock (_created) _created[key] = token;
        return store.HashOf(key, size, expected);
    }

    public void Commit(string finalKey, bool replace)
    {
        lock (_created)
        {
            var incomplete = _opened.Where(k => !_created.ContainsKey(k)).ToList();
            if (incomplete.Count > 0)
                throw new LaminException(ErrorIds.StorageIoError,
                    $"The upload of '{Provider.PathOf(Root, incomplete[0])}' did not complete; nothing was registered. Try again.", Provider.PathOf(Root, incomplete[0]));
        }
        if (finalKey != _base)
        {
            if (!replace && Provider.Stat(Root, finalKey) is not null) throw Exists(finalKey);
            // Files a replaced folder version no longer has (its members only, never an object at the key itself).
            var old = replace && folder ? store.MemberKeys(finalKey).ToHashSet(StringComparer.Ordinal) : [];
            var temps = _created.ToList();
            foreach (var m in _members)
            {
                var target = folder ? finalKey + "/" + m : finalKey;
                var token = store.Copy(KeyOf(m), target, _sizes[m], createOnly: !replace);
                if (!replace) _created[target] = token; // ours until committed: removed if a later copy fails
                old.Remove(target);
            }
            if (old.Count > 0) store.DeleteKeys(old.ToList());
            DeleteCreated(temps);
        }
        _committed = true;
    }

    /// <summary>
    /// Issue 25: every member this writer uploaded is still there, as it wrote it (one HEAD each): gone → PathNotFound,
    /// another size or version (ETag, generation) → FileChanged. A member still uploading is left to <see cref="Commit"/>.
    /// </summary>
    public void Verify()
    {
        List<(string Key, long Size, string? Token)> written;
        lock (_created) written = _members.Select(m => (Key: KeyOf(m), Size: _sizes[m])).Where(m => _created.ContainsKey(m.Key)).Select(m => (m.Key, m.Size, _created[m.Key])).ToList();
        foreach (var (key, size, token) in written)
        {
            var now = store.Version(key);
            if (now is null)
                throw new LaminException(ErrorIds.PathNotFound,
                    $"'{Provider.PathOf(Root, key)}' was uploaded but is gone before its commit (deleted by another command or by hand).", Provider.PathOf(Root, key));
            if (now.Value.Size != size || (token is not null && now.Value.Token is { } t && t.Trim('"') != token.Trim('"')))
                throw new LaminException(ErrorIds.FileChanged,
                    $"'{Provider.PathOf(Root, key)}' was replaced after its upload and before its commit (size {size} → {now.Value.Size}).", Provider.PathOf(Root, key));
        }
    }

    public void Dispose()
    {
        if (_committed) return;
        List<KeyValuePair<string, string?>> mine;
        lock (_created) mine = _created.ToList();
        try { DeleteCreated(mine); }
        catch (Exception e) when (e is LaminException or UnauthorizedAccessException or IOException) { }
    }

    /// <summary>
    /// Removes objects this writer created: under its own temporary name (unique to this writer, nobody
    /// else writes there) at once; anywhere else only while each is still the version it wrote.
    /// </summary>
    private void DeleteCreated(IReadOnlyList<KeyValuePair<string, string?>> created)
    {
        var temps = created.Where(c => !_direct && (c.Key == _base || c.Key.StartsWith(_base + "/", StringComparison.Ordinal))).Select(c => c.Key).ToList();
        if (temps.Count > 0) store.DeleteKeys(temps);
        foreach (var (key, token) in created.Where(c => !temps.Contains(c.Key)))
        {
            try { store.DeleteOwn(key, token); }
            catch (Exception e) when (e is LaminException or UnauthorizedAccessException or IOException) { }
        }
    }
}
