using Lamin.Core.Hashing;

namespace Lamin.Core.Artifacts;

/// <summary>Receives transfer progress on the calling thread (the cmdlet turns it into Write-Progress).</summary>
public interface ITransferProgress
{
    void FileStarted(string name, long size);
    void Bytes(long count);
    void FileDone();
}

/// <summary>
/// Copies and hashes in one pass over the source (each byte is read once), and refuses a source that
/// changed size while it was read. The one place where bytes move between streams.
/// </summary>
public static class DataCopier
{
    public const int BufferSize = 1 << 20;

    /// <summary>Copies <paramref name="size"/> bytes from <paramref name="source"/> to <paramref name="destination"/> (or only hashes when it is null).</summary>
    public static HashResult CopyAndHash(Stream source, long size, Stream? destination, string what,
        ITransferProgress? progress, CancellationToken cancel)
    {
        if (destination is FileStream to && source is FileStream from && size > LaminHash.ChunkSize
            && KernelCopy.TryCopyAndHash(from, to, size, what, progress, cancel) is { } kernel)
            return kernel;
        using var hasher = new FileHasher(size);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int n;
            while ((n = source.Read(buffer, 0, BufferSize)) > 0)
            {
                cancel.ThrowIfCancellationRequested();
                if (hasher.Position + n > size) throw Changed(what, size, "grew");
                hasher.Append(buffer.AsSpan(0, n));
                destination?.Write(buffer, 0, n);
                progress?.Bytes(n);
            }
            if (hasher.Position != size) throw Changed(what, size, "shrank");
            destination?.Flush();
            return hasher.Finish();
        }
        catch (IOException e) when (IsDiskFull(e))
        {
            throw new LaminException(ErrorIds.InsufficientSpace,
                $"The target ran out of space while writing {what}: {e.Message}. Nothing was registered; free space and retry.", what, e);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    internal static LaminException Grew(string what, long size) => Changed(what, size, "grew");
    internal static LaminException Shrank(string what, long size) => Changed(what, size, "shrank");

    internal static LaminException OutOfSpace(string what, Exception e) =>
        new(ErrorIds.InsufficientSpace,
            $"The target ran out of space while writing {what}: {e.Message}. Nothing was registered; free space and retry.", what, e);

    /// <summary>Hashes a local file in place (no copy) with progress.</summary>
    public static HashResult HashFile(string path, ITransferProgress? progress, CancellationToken cancel)
    {
        using var fs = OpenSource(path);
        var size = fs.Length;
        progress?.FileStarted(path, size);
        var result = CopyAndHash(fs, size, null, path, progress, cancel);
        progress?.FileDone();
        return result;
    }

    /// <summary>
    /// Others may read, rename and delete the file meanwhile (SPEC §11: FileShare.Delete on Windows). A file known to
    /// fit one buffer is read without the sequential-read advice (one system call less per small file).
    /// </summary>
    public static FileStream OpenSource(string path, long? size = null) =>
        SharingRules.OpenRead(path, size <= BufferSize ? FileOptions.None : FileOptions.SequentialScan);

    private static LaminException Changed(string what, long size, string how) =>
        new(ErrorIds.FileChanged,
            $"'{what}' {how} while it was read (expected {size} bytes); nothing was registered. Add it again once it is no longer being written.", what);

    /// <summary>ENOSPC / ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL.</summary>
    public static bool IsDiskFull(IOException e) =>
        (e.HResult & 0xFFFF) is 28 or 39 or 112 || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase);
}
