using System.Security.Cryptography;
using System.Text;
using Lamin.Core.Util;
using Xunit;

namespace Lamin.Core.Tests;

public class UidsTests
{
    [Fact]
    public void Instance_uid_follows_the_SPEC_vector() =>
        Assert.Equal("7clAMMtTbqlK", Uids.InstanceUid(Guid.Parse("10075f07-0b0b-48b0-9006-18724fb3be62")));

    [Fact]
    public void Full_base62_of_the_md5_matches_LaminDBs_check_value() =>
        Assert.Equal("7clAMMtTbqlKVQPmUbqnIq", Uids.HashAndEncodeAsBase62("10075f070b0b48b0900618724fb3be62"));

    [Fact]
    public void Instance_uid_hashes_the_32_lowercase_hex_digits_without_dashes()
    {
        var id = Guid.Parse("10075F07-0B0B-48B0-9006-18724FB3BE62");
        var expected = Uids.EncodeBase62(MD5.HashData(Encoding.UTF8.GetBytes("10075f070b0b48b0900618724fb3be62")))[..12];
        Assert.Equal(expected, Uids.InstanceUid(id));
        Assert.Equal(12, Uids.InstanceUid(Guid.NewGuid()).Length);
    }

    // lamin-utils' encodebytes: the leading zero bytes are counted and written as "0" followed by
    // charset[count] (in groups of at most 61: "0z" per full group); the value follows.
    // Expected strings computed with lamin_utils._base62.encodebytes.
    [Theory]
    [InlineData(new byte[] { 1, 0 }, "48")]
    [InlineData(new byte[] { 0, 1 }, "011")]
    [InlineData(new byte[] { 0, 0, 1 }, "021")]
    [InlineData(new byte[] { 0 }, "01")]
    [InlineData(new byte[] { 0, 0 }, "02")]
    [InlineData(new byte[] { }, "")]
    public void Base62_encodes_leading_zero_bytes_as_0_and_their_count(byte[] bytes, string expected) =>
        Assert.Equal(expected, Uids.EncodeBase62(bytes));

    [Fact]
    public void Base62_writes_61_leading_zeros_as_one_0z_group()
    {
        Assert.Equal("0z1", Uids.EncodeBase62([.. new byte[61], 1]));
        Assert.Equal("0z011", Uids.EncodeBase62([.. new byte[62], 1]));
    }

    [Fact]
    public void Base62_is_big_endian_with_the_0_9A_Za_z_alphabet()
    {
        Assert.Equal("7n42DGM5Tflk9n8mt7Fhc7", Uids.EncodeBase62(Enumerable.Repeat((byte)255, 16).ToArray()));
        Assert.Equal("z", Uids.EncodeBase62([61]));
        Assert.Equal("10", Uids.EncodeBase62([62]));
        Assert.Equal("A", Uids.EncodeBase62([10]));
        Assert.Equal("a", Uids.EncodeBase62([36]));
    }

    [Fact]
    public void Instance_uid_of_a_guid_whose_md5_starts_with_a_zero_byte()
    {
        // md5("10075f070b0b48b090061872a872e3c4") = 001bf258…; lamin-utils gives 01ClqGua1DhZ0AyF7HtLfL.
        var id = Guid.Parse("10075f07-0b0b-48b0-9006-1872a872e3c4");
        Assert.Equal(0, MD5.HashData(Encoding.UTF8.GetBytes(id.ToString("N")))[0]);
        Assert.Equal("01ClqGua1DhZ", Uids.InstanceUid(id));
    }

    [Theory]
    [InlineData(12)]
    [InlineData(16)]
    [InlineData(20)]
    [InlineData(4)]
    public void Random_uids_have_the_length_and_the_base62_alphabet(int length)
    {
        var uids = Enumerable.Range(0, 200).Select(_ => Uids.Random(length)).ToList();
        Assert.All(uids, u => Assert.Equal(length, u.Length));
        Assert.All(uids, u => Assert.True(Uids.IsBase62(u), u));
        Assert.True(uids.Distinct().Count() > 190 || length < 8);
    }

    [Fact]
    public void Storage_and_space_uids_are_12_random_base62_characters()
    {
        var a = Uids.NewStorageUid();
        var b = Uids.NewStorageUid();
        Assert.Equal(12, a.Length);
        Assert.True(Uids.IsBase62(a));
        Assert.NotEqual(a, b);
        Assert.Equal(12, Uids.NewSpaceUid().Length);
    }

    [Fact]
    public void Random_uids_use_the_whole_alphabet()
    {
        var seen = new HashSet<char>(string.Concat(Enumerable.Range(0, 400).Select(_ => Uids.Random(20))));
        Assert.Equal(62, seen.Count);
        Assert.All(seen, c => Assert.Contains(c, Uids.Base62Alphabet));
    }

    [Theory]
    [InlineData("abcXYZ019", true)]
    [InlineData("", false)]
    [InlineData("abc-def", false)]
    [InlineData("abc_def", false)]
    [InlineData("é", false)]
    public void IsBase62_accepts_only_the_alphabet(string s, bool expected) => Assert.Equal(expected, Uids.IsBase62(s));

    [Fact]
    public void Packing_keeps_every_uid_apart_and_refuses_what_is_not_a_short_base62_string()
    {
        string[] distinct = ["0", "00", "000", "a", "A", "z", "Z", "10", "01", "AbCdEfGhIjKlMnOp0000", "AbCdEfGhIjKlMnOp0001",
            "zzzzzzzzzzzzzzzzzzzz", "00000000000000000000", "0000000000000000000"];
        var packed = distinct.Select(u => Assert.IsType<bool>(Uids.TryPack(u, out var p)) ? p : throw new Xunit.Sdk.XunitException(u)).ToList();
        Assert.Equal(distinct.Length, packed.Distinct().Count());
        Assert.False(Uids.TryPack("", out _));
        Assert.False(Uids.TryPack("zzzzzzzzzzzzzzzzzzzzz", out _)); // 21 characters
        Assert.False(Uids.TryPack("abc-def", out _));
        Assert.False(Uids.TryPack("\u0430bc", out _));            // a Cyrillic a
    }

    [Fact]
    public void A_uid_set_answers_exactly_for_packed_and_other_strings_before_and_after_its_first_lookup()
    {
        var set = new UidSet();
        var uids = Enumerable.Range(0, 500).Select(_ => Uids.Random(16) + "0000").ToList();
        foreach (var u in uids.Take(300)) set.Add(u);
        set.Add("not/a uid");
        set.Add("zzzzzzzzzzzzzzzzzzzzz");
        Assert.All(uids.Take(300), u => Assert.True(set.Contains(u)));  // the first lookup indexes the list
        Assert.All(uids.Skip(300), u => Assert.False(set.Contains(u)));
        foreach (var u in uids.Skip(300)) set.Add(u);                    // added after it
        Assert.All(uids, u => Assert.True(set.Contains(u)));
        Assert.True(set.Contains("not/a uid"));
        Assert.True(set.Contains("zzzzzzzzzzzzzzzzzzzzz"));
        Assert.False(set.Contains(uids[0][..19] + (uids[0][19] == '0' ? '1' : '0')));
        Assert.False(set.Contains("not/a uiD"));
        Assert.Equal(502, set.Count);
    }
}
