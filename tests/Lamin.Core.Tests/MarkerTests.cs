using System.Text;
using Lamin.Core.Errors;
using Lamin.Core.Roots;
using Lamin.Core.Storage;
using Xunit;

namespace Lamin.Core.Tests;

public class MarkerTests : IDisposable
{
    private readonly TempDir _temp = new("lamin-marker");

    public void Dispose() => _temp.Dispose();

    private static MarkerInfo Parse(string text) => Marker.Parse(Encoding.UTF8.GetBytes(text), "the-marker");

    private static void Invalid(byte[] bytes, string? why = null)
    {
        var e = LaminAssert.Throws(ErrorIds.MarkerInvalid, () => Marker.Parse(bytes, "/where/storage_uid.txt"));
        Assert.Contains("/where/storage_uid.txt", e.Message);
        if (why is not null) Assert.Contains(why, e.Message);
        Assert.Equal(LaminErrorCategory.InvalidData, e.Category);
    }

    [Fact]
    public void Content_has_LaminDBs_five_lines()
    {
        var id = Guid.Parse("10075f07-0b0b-48b0-9006-18724fb3be62");
        var lines = Marker.Content("AbCdEfGhIjKl", "main", id, "7clAMMtTbqlK").Split('\n');
        Assert.Equal("AbCdEfGhIjKl", lines[0]);
        Assert.Equal("creation info:", lines[1]);
        Assert.Equal("instance_slug=main", lines[2]);
        Assert.Equal("instance_id=10075f070b0b48b0900618724fb3be62", lines[3]);
        Assert.Equal("instance_uid=7clAMMtTbqlK", lines[4]);
        Assert.Equal("", lines[5]);
        Assert.Equal(6, lines.Length);
    }

    [Fact]
    public void A_valid_five_line_marker_parses()
    {
        var m = Parse(Marker.Content("AbCdEfGhIjKl", "inst", Guid.NewGuid(), "7clAMMtTbqlK"));
        Assert.True(m.Exists);
        Assert.Equal("AbCdEfGhIjKl", m.StorageUid);
        Assert.Equal("7clAMMtTbqlK", m.InstanceUid);
    }

    [Fact]
    public void A_CRLF_marker_parses_the_same()
    {
        var m = Parse(Marker.Content("AbCdEfGhIjKl", "inst", Guid.NewGuid(), "7clAMMtTbqlK").Replace("\n", "\r\n"));
        Assert.Equal("AbCdEfGhIjKl", m.StorageUid);
        Assert.Equal("7clAMMtTbqlK", m.InstanceUid);
    }

    [Theory]
    [InlineData("AbCdEfGhIjKl")]
    [InlineData("AbCdEfGhIjKl\n")]
    [InlineData("  AbCdEfGhIjKl  \r\n")]
    public void Only_line_1_is_required(string text)
    {
        var m = Parse(text);
        Assert.Equal("AbCdEfGhIjKl", m.StorageUid);
        Assert.Null(m.InstanceUid);
    }

    [Fact]
    public void Only_line_1_is_the_uid_even_when_later_lines_look_like_one() =>
        Assert.Equal("AAAAAAAAAAAA", Parse("AAAAAAAAAAAA\nBBBBBBBBBBBB\n").StorageUid);

    [Fact]
    public void An_empty_marker_is_MarkerInvalid() => Invalid([], "empty");

    [Theory]
    [InlineData("not a uid\n")]
    [InlineData("short\n")]
    [InlineData("AbCdEfGhIjKlM\n")]          // 13 characters
    [InlineData("AbCdEfGhIj-l\n")]           // not base62
    [InlineData("\nAbCdEfGhIjKl\n")]         // uid not on line 1
    [InlineData("was deleted, restored during delete")]
    [InlineData("{\"uid\": \"AbCdEfGhIjKl\"}")]
    public void A_garbage_first_line_is_MarkerInvalid(string text) =>
        Invalid(Encoding.UTF8.GetBytes(text), "first line");

    [Fact]
    public void Binary_content_with_NUL_is_MarkerInvalid() =>
        Invalid([.. Encoding.ASCII.GetBytes("AbCdEfGhIjKl\n"), 0, 1, 2], "binary");

    [Fact]
    public void Invalid_UTF8_is_MarkerInvalid() =>
        Invalid([.. Encoding.ASCII.GetBytes("AbCdEfGhIjKl\n"), 0xFF, 0xFE, 0xC3]);

    [Fact]
    public void A_marker_over_4096_bytes_is_MarkerInvalid_and_4096_is_fine()
    {
        var head = Encoding.ASCII.GetBytes("AbCdEfGhIjKl\n");
        var exactly = head.Concat(Enumerable.Repeat((byte)'x', Marker.MaxBytes - head.Length)).ToArray();
        Assert.Equal(4096, Marker.MaxBytes);
        Assert.Equal("AbCdEfGhIjKl", Marker.Parse(exactly, "x").StorageUid);
        Invalid([.. exactly, (byte)'x']);
    }

    // ---------------------------------------------------------------- reading from disk

    private StorageRoot Root(string name) => new(_temp.Sub(name, create: true), "local", null, null, null);

    [Fact]
    public void A_missing_marker_reads_as_absent()
    {
        var m = LocalStorageProvider.Instance.ReadMarker(Root("free"));
        Assert.False(m.Exists);
        Assert.Null(m.StorageUid);
    }

    [Fact]
    public void A_marker_written_by_the_provider_reads_back_and_is_never_overwritten()
    {
        var root = Root("r");
        var text = Marker.Content("AbCdEfGhIjKl", "inst", Guid.NewGuid(), "7clAMMtTbqlK");
        LocalStorageProvider.Instance.WriteMarker(root, text);
        Assert.Equal(text, File.ReadAllText(Sandbox.MarkerPath(root.Root)));
        Assert.Equal("AbCdEfGhIjKl", LocalStorageProvider.Instance.ReadMarker(root).StorageUid);
        Assert.ThrowsAny<IOException>(() => LocalStorageProvider.Instance.WriteMarker(root, Marker.Content("ZZZZZZZZZZZZ", "x", Guid.NewGuid(), "x")));
        Assert.Equal(text, File.ReadAllText(Sandbox.MarkerPath(root.Root)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4097)]
    [InlineData(100_000)]
    public void Empty_and_oversized_marker_files_are_MarkerInvalid_and_left_alone(int size)
    {
        var root = Root("r");
        var path = Sandbox.MarkerPath(root.Root);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = Enumerable.Repeat((byte)'A', size).ToArray();
        File.WriteAllBytes(path, bytes);
        LaminAssert.Throws(ErrorIds.MarkerInvalid, () => LocalStorageProvider.Instance.ReadMarker(root));
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_binary_marker_file_is_MarkerInvalid()
    {
        var root = Root("r");
        var path = Sandbox.MarkerPath(root.Root);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = new byte[300];
        new Random(7).NextBytes(bytes);
        bytes[20] = 0;
        File.WriteAllBytes(path, bytes);
        LaminAssert.Throws(ErrorIds.MarkerInvalid, () => LocalStorageProvider.Instance.ReadMarker(root));
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_marker_path_that_is_a_directory_is_MarkerInvalid()
    {
        var root = Root("r");
        Directory.CreateDirectory(Sandbox.MarkerPath(root.Root));
        var e = LaminAssert.Throws(ErrorIds.MarkerInvalid, () => LocalStorageProvider.Instance.ReadMarker(root));
        Assert.Contains("folder", e.Message);
        Assert.True(Directory.Exists(Sandbox.MarkerPath(root.Root)));
    }
}
