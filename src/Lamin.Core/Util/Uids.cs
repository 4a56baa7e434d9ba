using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace Lamin.Core.Util;

/// <summary>Uid generation and base62 encoding, as LaminDB does it (lamin-utils' _base62, lamindb.base.uids).</summary>
public static class Uids
{
    public const string Base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>
    /// Big-endian bytes → base62 as lamin-utils' encodebytes does: the leading zero bytes are counted and
    /// written as "0" + alphabet[count], in groups of at most 61 ("0z" per full group).
    /// </summary>
    public static string EncodeBase62(ReadOnlySpan<byte> bytes)
    {
        int leading = 0;
        while (leading < bytes.Length && bytes[leading] == 0) leading++;
        var n = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        var sb = new StringBuilder();
        while (n > 0)
        {
            n = BigInteger.DivRem(n, 62, out var rem);
            sb.Insert(0, Base62Alphabet[(int)rem]);
        }
        var prefix = new StringBuilder();
        for (int i = 0; i < leading / 61; i++) prefix.Append('0').Append(Base62Alphabet[61]);
        if (leading % 61 != 0) prefix.Append('0').Append(Base62Alphabet[leading % 61]);
        return prefix.Append(sb).ToString();
    }

    /// <summary>
    /// A random base62 string from the OS secure random source, drawn in one call for the whole string (issue 15:
    /// a call per character cost 17 system calls per artifact). A byte of 248 (4 × 62) or more is dropped, so every
    /// character stays equally likely.
    /// </summary>
    public static string Random(int length)
    {
        var chars = new char[length];
        Span<byte> pool = length <= 128 ? stackalloc byte[length * 2] : new byte[length * 2];
        int filled = 0;
        while (filled < length)
        {
            RandomNumberGenerator.Fill(pool);
            foreach (var b in pool)
            {
                if (b >= 248) continue;
                chars[filled++] = Base62Alphabet[b % 62];
                if (filled == length) break;
            }
        }
        return new string(chars);
    }

    /// <summary>
    /// A base62 string of up to 20 characters as one 128-bit number (62^20 &lt; 2^120), its length in the top bits so that
    /// "0" and "00" stay apart: an artifact uid (20 characters) in 16 bytes instead of a 64-byte string. False for
    /// anything else.
    /// </summary>
    public static bool TryPack(string uid, out UInt128 packed)
    {
        packed = 0;
        if (uid.Length is 0 or > 20) return false;
        UInt128 n = 0;
        foreach (var c in uid)
        {
            int d = c is >= '0' and <= '9' ? c - '0' : c is >= 'A' and <= 'Z' ? c - 'A' + 10 : c is >= 'a' and <= 'z' ? c - 'a' + 36 : -1;
            if (d < 0) return false;
            n = n * 62 + (uint)d;
        }
        packed = n | ((UInt128)(uint)uid.Length << 123);
        return true;
    }

    public static string NewStorageUid() => Random(12);
    public static string NewSpaceUid() => Random(12);

    /// <summary>Instance uid: first 12 chars of base62(MD5(guid as 32 lowercase hex chars, UTF-8)).</summary>
    public static string InstanceUid(Guid id) => HashAndEncodeAsBase62(id.ToString("N"))[..12];

    public static string HashAndEncodeAsBase62(string s) => EncodeBase62(MD5.HashData(Encoding.UTF8.GetBytes(s)));

    public static bool IsBase62(string s) => s.Length > 0 && s.All(c => Base62Alphabet.Contains(c));
}
