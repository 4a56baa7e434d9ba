
namespace Lamin.Core.Hashing;

/// <summary>Hashes of a stored object read once (a move's reuse check, a stopped move's cleanup).</summary>
public static class ObjectHashes
{
    /// <summary>One read of an object: its LaminDB hash (md5 / sha1-fl by size) and the md5 of all its bytes.</summary>
    public static (HashResult Lamin, string Md5) LaminAndMd5(IStorageProvider provider, StorageRoot root, string key, long size, CancellationToken cancel)
    {
        using var lamin = new FileHasher(size);
        using var full = new FileHasher(size, long.MaxValue);
        using var s = root.IsLocal ? DataCopier.OpenSource(provider.PathOf(root, key)) : provider.OpenRead(root, key);
        var buffer = new byte[1 << 20];
        int n;
        while ((n = s.Read(buffer, 0, buffer.Length)) > 0)
        {
            cancel.ThrowIfCancellationRequested();
            lamin.Append(buffer.AsSpan(0, n));
            full.Append(buffer.AsSpan(0, n));
        }
        return (lamin.Finish(), full.Finish().Hash);
    }
}
