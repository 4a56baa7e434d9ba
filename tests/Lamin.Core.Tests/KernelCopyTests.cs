using Lamin.Core.Artifacts;
using Lamin.Core.Errors;
using Lamin.Core.Hashing;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// Large local files are copied in the kernel (copy_file_range) while sha1-fl hashes the first and last
/// 50 MiB (issue 15): the same bytes and the same hash as the streamed one-pass copy, and a source that
/// is shorter or longer than announced is refused as before.
/// </summary>
public class KernelCopyTests : IDisposable
{
    private readonly TempDir _dir = new("lamin-kcopy");

    public void Dispose() => _dir.Dispose();

    private string Source(long size, int seed)
    {
        var path = _dir.Sub($"src-{size}-{seed}.bin");
        var rng = new Random(seed);
        var block = new byte[1 << 20];
        using var fs = File.Create(path);
        for (long left = size; left > 0; left -= block.Length)
        {
            rng.NextBytes(block);
            fs.Write(block, 0, (int)Math.Min(block.Length, left));
        }
        return path;
    }

    private static HashResult Streamed(string path)
    {
        var data = File.ReadAllBytes(path);
        using var h = new FileHasher(data.Length);
        h.Append(data);
        return h.Finish();
    }

    private sealed class Progress : ITransferProgress
    {
        public long Total;
        public void FileStarted(string name, long size) { }
        public void Bytes(long count) => Total += count;
        public void FileDone() { }
    }

    [LinuxFact]
    public void Copies_in_the_kernel_with_the_same_bytes_and_hash_as_a_streamed_copy()
    {
        // Above 100 MiB the two chunks are apart; between 50 and 100 MiB they overlap (every byte hashed).
        foreach (var size in new[] { 2 * LaminHash.ChunkSize + 12_345, LaminHash.ChunkSize + 777 })
        {
            var src = Source(size, (int)(size % 1000));
            var dst = _dir.Sub($"dst-{size}.bin");
            var progress = new Progress();
            long before = KernelCopy.Copies;
            HashResult hash;
            using (var from = DataCopier.OpenSource(src))
            using (var to = new FileStream(dst, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1))
                hash = DataCopier.CopyAndHash(from, size, to, src, progress, CancellationToken.None);
            Assert.Equal(before + 1, KernelCopy.Copies); // the kernel path ran, not the streamed one
            Assert.Equal(Streamed(src), hash);
            Assert.Equal("sha1-fl", hash.HashType);
            Assert.Equal(size, progress.Total);
            Assert.True(File.ReadAllBytes(src).AsSpan().SequenceEqual(File.ReadAllBytes(dst)), $"the copy of {size} bytes differs");
        }
    }

    [LinuxFact]
    public void A_source_shorter_or_longer_than_announced_is_refused()
    {
        var size = LaminHash.ChunkSize + 4096;
        var src = Source(size, 7);
        foreach (var (announced, how) in new[] { (size + 1, "shrank"), (size - 1, "grew") })
        {
            var dst = _dir.Sub($"dst-{announced}.bin");
            using var from = DataCopier.OpenSource(src);
            using var to = new FileStream(dst, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1);
            var e = Assert.Throws<LaminException>(() => DataCopier.CopyAndHash(from, announced, to, src, null, CancellationToken.None));
            Assert.Equal(ErrorIds.FileChanged, e.ErrorId);
            Assert.Contains(how, e.Message);
        }
    }

    [LinuxFact]
    public void Ctrl_C_stops_a_kernel_copy()
    {
        var size = LaminHash.ChunkSize + 4096;
        var src = Source(size, 9);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        using var from = DataCopier.OpenSource(src);
        using var to = new FileStream(_dir.Sub("dst-cancel.bin"), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1);
        Assert.ThrowsAny<OperationCanceledException>(() => DataCopier.CopyAndHash(from, size, to, src, null, cancel.Token));
    }
}
