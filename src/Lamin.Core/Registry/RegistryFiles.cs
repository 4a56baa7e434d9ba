using System.Security.Cryptography;

namespace Lamin.Core.Registry;

/// <summary>
/// A page LiteDB was about to use does not carry its own position and a known page type: the registry
/// file is damaged there. Thrown from inside a read, caught by <see cref="LaminRegistry"/> as RegistryCorrupt.
/// </summary>
internal sealed class RegistryPageDamagedException(long page, string why)
    : Exception($"page {page} {why}")
{
    public long Page { get; } = page;
}

/// <summary>
/// The registry file as LiteDB sees it: every whole page LiteDB reads is checked before LiteDB uses it
/// (its position in bytes 0–3, a page type 0–5 in byte 4; LiteDB itself has no page checksums), so any
/// page a read or a write touches is verified on the way in — the cost grows with what a session reads,
/// not with the size of the file. A page read past the end of the file (a truncated registry) is damage too.
/// Flush goes to stable storage (LiteDB flushes a FileStream with fsync, and any other stream without).
/// </summary>
internal sealed class PageCheckedStream(FileStream inner) : Stream
{
    public const int PageSize = 8192;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => inner.Position = value; }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var position = inner.Position;
        var n = inner.ReadAtLeast(buffer.AsSpan(offset, count), count, throwOnEndOfStream: false);
        if (position % PageSize == 0 && count % PageSize == 0)
        {
            if (n < count) throw new RegistryPageDamagedException((position + n) / PageSize, "lies beyond the end of the file (the file was cut short)");
            for (int k = 0; k < count; k += PageSize) Check(buffer.AsSpan(offset + k, PageSize), (position + k) / PageSize);
        }
        return n;
    }

    /// <summary>Bytes 0–3: the page's own id; byte 4: its type (LiteDB 5: 0 empty … 5 data).</summary>
    internal static void Check(ReadOnlySpan<byte> page, long id)
    {
        if (BitConverter.ToUInt32(page) != id || page[4] > 5)
            throw new RegistryPageDamagedException(id, "does not carry its own id and type");
    }

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
    public override void SetLength(long value) => inner.SetLength(value);
    public override void Flush() => inner.Flush(flushToDisk: true);

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>
/// LiteDB's write-ahead log ("lamin-log.db" beside "lamin.db"), created only when LiteDB first writes to it
/// and then readable by its owner only, from its first byte, like the registry (SPEC §11): the log holds
/// registry pages. Removed again when LiteDB leaves it empty (after its checkpoint), as LiteDB does itself.
/// </summary>
internal sealed class RegistryLogStream : Stream
{
    private readonly string _path;
    private FileStream? _file;
    private long _position;

    public RegistryLogStream(string path)
    {
        _path = path;
        // A log left by an interrupted session is opened as it is: LiteDB replays its committed pages.
        if (File.Exists(path)) _file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 0, FileOptions.RandomAccess);
    }

    public static string PathFor(string registryPath) =>
        Path.Combine(Path.GetDirectoryName(registryPath) ?? "", Path.GetFileNameWithoutExtension(registryPath) + "-log" + Path.GetExtension(registryPath));

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => true;
    public override long Length => _file?.Length ?? 0;
    public override long Position { get => _position; set => _position = value; }

    private FileStream Created()
    {
        if (_file is not null) return _file;
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.Read, BufferSize = 0, Options = FileOptions.RandomAccess };
        bool ownerOnly = Roots.LocalPlatform.Current.CreateOwnerOnly(options);
        _file = new FileStream(_path, options);
        if (!ownerOnly) Util.OwnerOnlyFiles.Restrict(_path);
        return _file;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_file is null) return 0;
        _file.Position = _position;
        var n = _file.Read(buffer, offset, count);
        _position += n;
        return n;
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        var f = Created();
        f.Position = _position;
        f.Write(buffer, offset, count);
        _position += count;
    }

    public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => Length + offset,
    };

    public override void SetLength(long value)
    {
        if (_file is null && value == 0) return;
        Created().SetLength(value);
    }

    public override void Flush() => _file?.Flush(flushToDisk: true);

    /// <summary>After LiteDB closed: an empty log is removed (LiteDB's own file log does the same).</summary>
    public void CloseAndRemoveIfEmpty()
    {
        if (_file is null) return;
        var empty = _file.Length == 0;
        _file.Dispose();
        _file = null;
        if (empty)
        {
            try { Gate.RetireControlFile(_path, Gate.ControlFile.RegistryLog); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _file?.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>
/// "Every page of this registry file was checked, and it has not changed since": the file's length, its
/// write time and a hash of its header page, kept in the registry's lock file (read and written only under
/// the lock). A write session reads every page of the file only when the stamp does not match (the first
/// write after another program touched the file, after a damaged file was reported, or on a registry
/// written by an older Lamin); otherwise it checks the pages it reads (<see cref="PageCheckedStream"/>).
/// Any change made by another program changes the write time (and with it the stamp).
/// </summary>
internal static class VerifiedStamp
{
    private const string Magic = "lamin-verified-1 ";

    public static string Of(string registryPath, ReadOnlySpan<byte> header)
    {
        var f = new FileInfo(registryPath);
        if (File.Exists(RegistryLogStream.PathFor(registryPath))) return ""; // a log to replay: never trusted
        return $"{Magic}{f.Length} {f.LastWriteTimeUtc.Ticks} {Convert.ToHexString(SHA256.HashData(header))}";
    }

    public static string Read(FileStream lockFile)
    {
        try
        {
            if (lockFile.Length is 0 or > 512) return "";
            var bytes = new byte[lockFile.Length];
            lockFile.Position = 0;
            lockFile.ReadExactly(bytes);
            var text = System.Text.Encoding.ASCII.GetString(bytes);
            return text.StartsWith(Magic, StringComparison.Ordinal) ? text : "";
        }
        catch (IOException) { return ""; }
    }

    public static void Write(FileStream lockFile, string stamp)
    {
        try
        {
            var bytes = System.Text.Encoding.ASCII.GetBytes(stamp);
            lockFile.Position = 0;
            lockFile.Write(bytes);
            lockFile.SetLength(bytes.Length);
        }
        catch (IOException) { /* no stamp: the next write checks the whole file */ }
        catch (UnauthorizedAccessException) { }
    }
}
