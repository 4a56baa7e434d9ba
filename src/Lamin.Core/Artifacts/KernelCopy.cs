using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Lamin.Core.Hashing;

namespace Lamin.Core.Artifacts;

/// <summary>
/// Copies a large local file to another local file inside the kernel (Linux <c>copy_file_range</c>: no
/// trip through user space, a reflink where the file system has them), the way <c>cp</c> does, while a
/// worker thread hashes what LaminDB's hash of a large file reads: sha1-fl needs only the first and the
/// last 50 MiB, read from the page cache. A file of at most 50 MiB (md5 of every byte) never comes here:
/// its one read already feeds the hash, and nothing would be saved.
/// <para>
/// The source is checked exactly as a streamed copy checks it: shorter than announced → FileChanged
/// ("shrank"), longer → FileChanged ("grew"); the caller compares size and modification time before and
/// after (a file rewritten in place while it was read). Where the kernel can't copy these two files
/// (another OS, an old kernel, two file systems it won't cross, a special file) nothing was written and
/// the caller streams the bytes instead.
/// </para>
/// </summary>
internal static class KernelCopy
{
    /// <summary>Bytes per system call: progress and Ctrl+C are looked at between two of them.</summary>
    private const long Step = 64L * 1024 * 1024;

    /// <summary>Tests turn the kernel copy off to compare it with the streamed copy.</summary>
    internal static bool Enabled = Roots.LocalPlatform.ThisOs.CopiesInKernel;

    /// <summary>How many copies the kernel made in this process (tests: the path really runs).</summary>
    internal static long Copies;

    [DllImport("libc", SetLastError = true)]
    private static extern nint copy_file_range(int fdIn, ref long offIn, int fdOut, ref long offOut, nuint len, uint flags);

    private const int EXDEV = 18, EINVAL = 22, ENOSYS = 38, EOPNOTSUPP = 95, EBADF = 9, ENOSPC = 28, EDQUOT = 122, EINTR = 4;

    /// <summary>The hash of the copy, or null when the kernel can't copy these files (nothing written: stream them).</summary>
    public static HashResult? TryCopyAndHash(FileStream source, FileStream destination, long size, string what, ITransferProgress? progress, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        if (!Enabled || !source.CanRead || !destination.CanWrite || destination.Length != 0 || source.Position != 0) return null;
        int fdIn = (int)source.SafeFileHandle.DangerousGetHandle(), fdOut = (int)destination.SafeFileHandle.DangerousGetHandle();
        long inOff = 0, outOff = 0;
        // The first step decides whether the kernel copies at all; the hash starts only once it did.
        long first;
        try { first = Step1(fdIn, ref inOff, fdOut, ref outOff, Math.Min(Step, size), what); }
        catch (EntryPointNotFoundException) { return null; }
        catch (DllNotFoundException) { return null; }
        if (first < 0) return null;
        using var hashCancel = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var hashing = Task.Run(() => HashFirstLast(source, size, hashCancel.Token), hashCancel.Token);
        try
        {
            long done = first;
            progress?.Bytes(first);
            while (done < size)
            {
                cancel.ThrowIfCancellationRequested();
                long n = Step1(fdIn, ref inOff, fdOut, ref outOff, Math.Min(Step, size - done), what);
                if (n < 0) throw new IOException($"copy_file_range stopped after {done} of {size} bytes of '{what}' (error {-n}).");
                if (n == 0) throw DataCopier.Shrank(what, size);
                done += n;
                progress?.Bytes(n);
            }
            // One byte more than announced means the file grew while it was copied.
            if (RandomAccess.Read(source.SafeFileHandle, stackalloc byte[1], size) > 0) throw DataCopier.Grew(what, size);
            destination.Seek(size, SeekOrigin.Begin);
            destination.Flush();
            Interlocked.Increment(ref Copies);
            try { return hashing.GetAwaiter().GetResult(); }
            catch (InvalidDataException) { throw DataCopier.Shrank(what, size); }
        }
        catch
        {
            hashCancel.Cancel();
            try { hashing.Wait(); } catch (AggregateException) { }
            throw;
        }
    }

    /// <summary>One copy_file_range call: bytes copied, 0 at the end of the source, -errno when the kernel can't do it here (only possible before the first byte).</summary>
    private static long Step1(int fdIn, ref long inOff, int fdOut, ref long outOff, long length, string what)
    {
        while (true)
        {
            var n = (long)copy_file_range(fdIn, ref inOff, fdOut, ref outOff, (nuint)length, 0);
            if (n >= 0) return n;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR) continue;
            if (errno is ENOSPC or EDQUOT)
                throw DataCopier.OutOfSpace(what, new IOException(Marshal.GetPInvokeErrorMessage(errno), errno));
            if ((errno is EXDEV or EINVAL or ENOSYS or EOPNOTSUPP or EBADF) && outOff == 0) return -errno;
            throw new IOException($"Copying '{what}' failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }
    }

    /// <summary>sha1-fl from two positioned reads (the page cache, as the copy just read them); the file's position is not used.</summary>
    private static HashResult HashFirstLast(FileStream source, long size, CancellationToken cancel)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(DataCopier.BufferSize);
        try
        {
            Span<byte> both = stackalloc byte[40];
            Sha1Of(source, 0, LaminHash.ChunkSize, buffer, cancel).CopyTo(both[..20]);
            Sha1Of(source, size - LaminHash.ChunkSize, LaminHash.ChunkSize, buffer, cancel).CopyTo(both[20..]);
            return new HashResult(LaminHash.ToB64Url22(SHA1.HashData(both)), LaminHash.Sha1FirstLast);
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(buffer); }
    }

    private static byte[] Sha1Of(FileStream source, long offset, long length, byte[] buffer, CancellationToken cancel)
    {
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        long end = offset + length;
        while (offset < end)
        {
            cancel.ThrowIfCancellationRequested();
            int n = RandomAccess.Read(source.SafeFileHandle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, end - offset)), offset);
            if (n == 0) throw new InvalidDataException($"expected {end} bytes but the file ends at {offset}");
            sha1.AppendData(buffer, 0, n);
            offset += n;
        }
        return sha1.GetHashAndReset();
    }
}
