using System.Security.Cryptography;
using System.Text;

namespace Lamin.Core.Hashing;

/// <summary>A content hash as LaminDB records it: 22 characters of base64url and the algorithm's name.</summary>
public readonly record struct HashResult(string Hash, string HashType);

/// <summary>
/// LaminDB's hashes (SPEC rule 21), in one place: md5 for files up to 50 MiB; sha1-fl above
/// (sha1 of sha1(first 50 MiB) ‖ sha1(last 50 MiB)); md5-d for folders; S3 ETags and GCS md5Hash.
/// </summary>
public static class LaminHash
{
    public const int Length = 22;
    public const long ChunkSize = 50L * 1024 * 1024;

    public const string Md5 = "md5";
    public const string Sha1FirstLast = "sha1-fl";
    public const string Md5Dir = "md5-d";

    /// <summary>base64url without padding, first 22 characters.</summary>
    public static string ToB64Url22(ReadOnlySpan<byte> digest)
    {
        var s = ToB64Url(digest);
        return s[..Math.Min(Length, s.Length)];
    }

    private static string ToB64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>hash_string: md5 of the UTF-8 text (equals the file hash of a small file with that content).</summary>
    public static string HashString(string s) => ToB64Url22(MD5.HashData(Encoding.UTF8.GetBytes(s)));

    /// <summary>b16_to_b64: hex (any case) → base64url, not truncated.</summary>
    public static string B16ToB64(string hex)
    {
        return ToB64Url(Convert.FromHexString(hex));
    }

    /// <summary>Hashes a file in one read (see <see cref="FileHasher"/>).</summary>
    public static HashResult HashFile(string path, int bufferSize = 1 << 20)
    {
        using var fs = Storage.SharingRules.OpenRead(path);
        var hasher = new FileHasher(fs.Length);
        var buffer = new byte[bufferSize];
        int n;
        while ((n = fs.Read(buffer, 0, buffer.Length)) > 0) hasher.Append(buffer.AsSpan(0, n));
        return hasher.Finish();
    }

    /// <summary>md5-d: md5 over the concatenated md5 digests of the sorted member hash strings.</summary>
    public static HashResult HashFolder(IEnumerable<string> memberHashes)
    {
        using var outer = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        foreach (var h in memberHashes.Order(StringComparer.Ordinal))
            outer.AppendData(MD5.HashData(Encoding.UTF8.GetBytes(h)));
        return new HashResult(ToB64Url22(outer.GetHashAndReset()), Md5Dir);
    }

    /// <summary>An S3 ETag: plain → md5; multipart "&lt;hex&gt;-&lt;n&gt;" → md5-&lt;n&gt;.</summary>
    public static HashResult FromS3ETag(string etag)
    {
        var e = etag.Trim('"');
        var dash = e.IndexOf('-');
        return dash < 0
            ? new HashResult(ToB64Url22(Convert.FromHexString(e)), Md5)
            : new HashResult(ToB64Url22(Convert.FromHexString(e[..dash])), $"md5-{e[(dash + 1)..]}");
    }

    /// <summary>GCS md5Hash (standard base64) → url-safe, unpadded, 22 characters.</summary>
    public static HashResult FromGcsMd5(string md5Base64) =>
        new(md5Base64.Replace('+', '-').Replace('/', '_').TrimEnd('=')[..Length], Md5);
}

/// <summary>
/// Hashes a file of known size from a single sequential pass, so copying and hashing read each byte
/// once: md5 of everything up to 50 MiB; above, sha1 of the first and of the last 50 MiB (the two
/// ranges overlap below 100 MiB and each byte is fed to both where they do).
/// </summary>
public sealed class FileHasher : IDisposable
{
    private readonly long _size;
    private readonly long _chunk;
    private readonly IncrementalHash? _md5;
    private readonly IncrementalHash? _first;
    private readonly IncrementalHash? _last;
    private long _position;

    public FileHasher(long size, long chunkSize = LaminHash.ChunkSize)
    {
        _size = size;
        _chunk = chunkSize;
        if (size <= chunkSize) _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        else
        {
            _first = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            _last = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        }
    }

    /// <summary>Bytes fed so far.</summary>
    public long Position => _position;

    public void Append(ReadOnlySpan<byte> data)
    {
        if (_md5 is not null) _md5.AppendData(data);
        else
        {
            long start = _position, end = _position + data.Length;
            if (start < _chunk) _first!.AppendData(data[..(int)(Math.Min(end, _chunk) - start)]);
            long lastStart = _size - _chunk;
            if (end > lastStart) _last!.AppendData(data[(int)Math.Max(0, lastStart - start)..]);
        }
        _position += data.Length;
    }

    /// <summary>The hash; throws when fewer or more bytes than the announced size were fed (a file that changed).</summary>
    public HashResult Finish()
    {
        if (_position != _size)
            throw new InvalidDataException($"expected {_size} bytes but read {_position}");
        if (_md5 is not null) return new HashResult(LaminHash.ToB64Url22(_md5.GetHashAndReset()), LaminHash.Md5);
        Span<byte> both = stackalloc byte[40];
        _first!.GetHashAndReset(both[..20]);
        _last!.GetHashAndReset(both[20..]);
        return new HashResult(LaminHash.ToB64Url22(SHA1.HashData(both)), LaminHash.Sha1FirstLast);
    }

    public void Dispose()
    {
        _md5?.Dispose();
        _first?.Dispose();
        _last?.Dispose();
    }
}
