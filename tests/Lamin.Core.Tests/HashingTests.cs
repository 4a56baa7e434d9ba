using System.Security.Cryptography;
using System.Text;
using Lamin.Core.Artifacts;
using Lamin.Core.Errors;
using Lamin.Core.Hashing;
using Xunit;

namespace Lamin.Core.Tests;

public class HashingTests
{
    private static HashResult HashBytes(byte[] data, long chunk = LaminHash.ChunkSize, int feed = 1 << 20)
    {
        using var h = new FileHasher(data.Length, chunk);
        for (int i = 0; i < data.Length; i += feed) h.Append(data.AsSpan(i, Math.Min(feed, data.Length - i)));
        return h.Finish();
    }

    [Theory]
    [InlineData("a", "DMF1ucDxtqgxw5niaXcmYQ")]
    [InlineData("b", "kutf_uauL-w61xx3dTFXjw")]
    [InlineData("abc", "kAFQmDzST7DWlj99KOF_cg")]
    public void Small_files_hash_as_md5_with_LaminDBs_vectors(string content, string expected)
    {
        var r = HashBytes(Encoding.UTF8.GetBytes(content));
        Assert.Equal(expected, r.Hash);
        Assert.Equal("md5", r.HashType);
        Assert.Equal(expected, LaminHash.HashString(content));
    }

    [Fact]
    public void Chunk_size_one_gives_LaminDBs_sha1_fl_vector()
    {
        var r = HashBytes("abc"u8.ToArray(), chunk: 1, feed: 1);
        Assert.Equal("p0EbDbQEP1wS-Tw6TuBjKS", r.Hash);
        Assert.Equal("sha1-fl", r.HashType);
    }

    [Fact]
    public void B16_to_b64_vector() => Assert.Equal("m4nIwaz3nbpbU0HR__mAbw", LaminHash.B16ToB64("9b89c8c1acf79dba5b5341d1fff9806f"));

    [Fact]
    public void Folder_of_0_0_1_gives_LaminDBs_md5_d_vector()
    {
        var r = LaminHash.HashFolder(new[] { "0", "0", "1" }.Select(LaminHash.HashString));
        Assert.Equal("iGtHiFEBV3r1_TFovdQCgw", r.Hash);
        Assert.Equal("md5-d", r.HashType);
    }

    [Fact]
    public void Folder_hash_does_not_depend_on_member_order()
    {
        var a = LaminHash.HashFolder(["x", "y", "z"]);
        var b = LaminHash.HashFolder(["z", "x", "y"]);
        Assert.Equal(a, b);
    }

    private static string Expected(byte[] first, byte[] last) =>
        LaminHash.ToB64Url22(SHA1.HashData(SHA1.HashData(first).Concat(SHA1.HashData(last)).ToArray()));

    [Theory]
    [InlineData(50L * 1024 * 1024, "md5")]            // exactly the chunk size: still md5
    [InlineData(50L * 1024 * 1024 + 1, "sha1-fl")]    // just above: the two ranges overlap almost entirely
    [InlineData(100L * 1024 * 1024 + 12345, "sha1-fl")] // above 100 MiB: no overlap
    public void Large_files_hash_first_and_last_50_MiB(long size, string type)
    {
        var data = new byte[size];
        new Random(42).NextBytes(data);
        // Odd feed sizes put the range boundaries inside Append calls.
        var r = HashBytes(data, feed: 999_983);
        Assert.Equal(type, r.HashType);
        var chunk = (int)LaminHash.ChunkSize;
        var expected = type == "md5"
            ? LaminHash.ToB64Url22(MD5.HashData(data))
            : Expected(data.AsSpan(0, chunk).ToArray(), data.AsSpan((int)(size - chunk), chunk).ToArray());
        Assert.Equal(expected, r.Hash);
        Assert.Equal(22, r.Hash.Length);
    }

    [Fact]
    public void S3_and_GCS_metadata_hashes()
    {
        var md5 = MD5.HashData("abc"u8);
        var hex = Convert.ToHexString(md5).ToLowerInvariant();
        Assert.Equal(new HashResult("kAFQmDzST7DWlj99KOF_cg", "md5"), LaminHash.FromS3ETag($"\"{hex}\""));
        Assert.Equal(new HashResult("kAFQmDzST7DWlj99KOF_cg", "md5-3"), LaminHash.FromS3ETag($"\"{hex}-3\""));
        Assert.Equal(new HashResult("kAFQmDzST7DWlj99KOF_cg", "md5"), LaminHash.FromGcsMd5(Convert.ToBase64String(md5)));
    }

    [Fact]
    public void Finish_refuses_a_byte_count_other_than_announced()
    {
        using var h = new FileHasher(10);
        h.Append(new byte[5]);
        Assert.Throws<InvalidDataException>(() => h.Finish());
    }
}

public class DataCopierTests
{
    /// <summary>A destination that fails like a full disk after a number of bytes.</summary>
    private sealed class FullDisk(long capacity) : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count)
        {
            if (Length + count > capacity) throw new IOException("No space left on device", 28);
            base.Write(buffer, offset, count);
        }
    }

    [Fact]
    public void Copy_and_hash_read_once_and_match()
    {
        var data = new byte[3_000_000];
        new Random(1).NextBytes(data);
        using var dst = new MemoryStream();
        var r = DataCopier.CopyAndHash(new MemoryStream(data), data.Length, dst, "x", null, default);
        Assert.Equal(data, dst.ToArray());
        Assert.Equal(LaminHash.ToB64Url22(MD5.HashData(data)), r.Hash);
    }

    [Fact]
    public void A_full_disk_is_InsufficientSpace()
    {
        var data = new byte[4 << 20];
        var e = Assert.Throws<LaminException>(() =>
            DataCopier.CopyAndHash(new MemoryStream(data), data.Length, new FullDisk(1 << 20), "big.bin", null, default));
        Assert.Equal(ErrorIds.InsufficientSpace, e.ErrorId);
        Assert.Contains("big.bin", e.Message);
    }

    [Theory]
    [InlineData(100, 90)]   // the file shrank
    [InlineData(100, 120)]  // the file grew
    public void A_source_that_changes_size_is_FileChanged(int announced, int actual)
    {
        var e = Assert.Throws<LaminException>(() =>
            DataCopier.CopyAndHash(new MemoryStream(new byte[actual]), announced, new MemoryStream(), "f", null, default));
        Assert.Equal(ErrorIds.FileChanged, e.ErrorId);
    }

    [Fact]
    public void Cancellation_stops_the_copy()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            DataCopier.CopyAndHash(new MemoryStream(new byte[10]), 10, new MemoryStream(), "f", null, cts.Token));
    }
}

public class SuffixAndKeyTests
{
    [Theory]
    [InlineData("data.csv", ".csv", ".csv")]
    [InlineData("data.CSV", ".CSV", ".csv")]
    [InlineData("table.csv.gz", ".csv.gz", ".csv.gz")]
    [InlineData("archive.tar.gz", ".tar.gz", ".tar.gz")]
    [InlineData("x.h5ad.tar.xz", ".h5ad.tar.xz", ".h5ad.tar.xz")]
    [InlineData("img.ome.zarr", ".ome.zarr", ".ome.zarr")]
    [InlineData("a.anndata.zarr", ".anndata.zarr", ".anndata.zarr")]
    [InlineData("test.xyz", ".xyz", "")]
    [InlineData("test", "", "")]
    [InlineData(".bashrc", "", "")]
    [InlineData("dir/run.v2.txt", ".txt", ".txt")]
    public void Raw_and_canonical_suffixes(string name, string raw, string canonical)
    {
        Assert.Equal(raw, Suffixes.Raw(name));
        Assert.Equal(canonical, Suffixes.Canonical(name));
    }

    [Theory]
    [InlineData("a/../b.csv")]
    [InlineData("./b.csv")]
    [InlineData("a\\b.csv")]
    [InlineData("/abs/b.csv")]
    [InlineData("C:/x/b.csv")]
    [InlineData(".lamindb/x.csv")]
    [InlineData("sub/.lamindb/x.csv")]
    [InlineData("a//b.csv")]
    [InlineData("a/%2e%2e/b.csv")]
    [InlineData("")]
    [InlineData("bad\u0000name")]
    public void Bad_keys_are_InvalidKey(string key)
    {
        var e = Assert.Throws<LaminException>(() => ArtifactKeys.Validate(key));
        Assert.Equal(ErrorIds.InvalidKey, e.ErrorId);
    }

    [Fact]
    public void Keys_over_1024_characters_are_refused_and_1024_is_fine()
    {
        // Segments of at most 255 bytes (a file name's limit, checked on its own): 4 × 251 + 20 = 1024.
        var folders = string.Concat(Enumerable.Repeat(new string('k', 250) + "/", 4));
        ArtifactKeys.Validate(folders + new string('k', 16) + ".csv");
        var e = Assert.Throws<LaminException>(() => ArtifactKeys.Validate(folders + new string('k', 17) + ".csv"));
        Assert.Contains("1025 characters", e.Message);
    }

    [Fact]
    public void Suffix_mismatch_uses_LaminDBs_message()
    {
        var e = Assert.Throws<LaminException>(() => ArtifactKeys.CheckSuffix("uploads/test", "/tmp/test.xyz"));
        Assert.Equal(ErrorIds.SuffixMismatch, e.ErrorId);
        Assert.Equal("The passed path's suffix '.xyz' must match the passed key's suffix ''.", e.Message);
    }

    [Fact]
    public void Auto_keys_use_the_full_uid_for_files_and_the_stem_for_folders()
    {
        Assert.Equal(".lamindb/abo389f.txt", ArtifactKeys.AutoKey("abo389f", ".txt", isFolder: false));
        Assert.Equal(".lamindb/0123456789abcdef", ArtifactKeys.AutoKey("0123456789abcdef0000", "", isFolder: true));
    }

    [Theory]
    [InlineData(new[] { "AAAAAAAAAAAAAAAA0000" }, "AAAAAAAAAAAAAAAA0001")]
    [InlineData(new[] { "AAAAAAAAAAAAAAAA0000", "AAAAAAAAAAAAAAAA000z" }, "AAAAAAAAAAAAAAAA0010")]
    [InlineData(new[] { "AAAAAAAAAAAAAAAA0009", "AAAAAAAAAAAAAAAA000A" }, "AAAAAAAAAAAAAAAA000B")]
    public void Next_version_is_the_largest_suffix_plus_one_in_base62(string[] family, string expected) =>
        Assert.Equal(expected, ArtifactVersions.Next(family));
}
