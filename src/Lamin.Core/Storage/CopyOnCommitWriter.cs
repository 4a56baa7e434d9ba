using Lamin.Core.Errors;
using Lamin.Core.Roots;

namespace Lamin.Core.Storage;

/// <summary>
/// The object writer of stores without rename (S3, GCS): members are uploaded to the proposed final key
/// when there is one (no copy at commit), else under .lamindb/.lamin-tmp-&lt;pid&gt;-&lt;guid&gt;; commit
/// copies server-side when the final key differs, and removes files a replaced folder no longer has.
/// Whatever was uploaded and not committed is deleted on dispose.
/// </summary>
internal sealed class CopyOnCommitWriter(
    IStorageProvider provider,
    StorageRoot root,
    bool folder,
    string? proposedKey,
    Func<string, long, Stream> openUpload,
    Action<string, string> copy,
    Action<IReadOnlyList<string>> deleteMany) : IObjectWriter
{
    private readonly string _base = proposedKey ?? $"{Marker.ManagedFolder}/{LocalStorageProvider.TempPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}";
    private readonly List<string> _members = [];
    private readonly List<string> _written = [];
    private bool _committed;

    private string KeyOf(string member) => folder ? _base + "/" + member : _base;

    public Stream OpenMember(string relativePath, long size)
    {
        var key = KeyOf(relativePath);
        _members.Add(relativePath);
        // Recorded before the upload starts: a partial multipart object is removed on dispose too.
        _written.Add(key);
        return openUpload(key, size);
    }

    public void Commit(string finalKey, bool replace)
    {
        if (!replace && finalKey != _base && provider.Stat(root, finalKey) is not null)
            throw new LaminException(ErrorIds.DestinationExists, $"'{provider.PathOf(root, finalKey)}' already exists; nothing was overwritten.", finalKey);
        if (finalKey != _base)
        {
            var old = replace && folder ? provider.List(root, finalKey).Select(o => o.Key).ToHashSet() : [];
            foreach (var m in _members)
            {
                var target = folder ? finalKey + "/" + m : finalKey;
                copy(KeyOf(m), target);
                old.Remove(target);
            }
            if (old.Count > 0) deleteMany(old.ToList()); // files the new folder version no longer has
            deleteMany(_written);
        }
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed || _written.Count == 0) return;
        try { deleteMany(_written); }
        catch (Exception e) when (e is LaminException or UnauthorizedAccessException or IOException) { }
    }
}
