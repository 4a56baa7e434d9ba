using System.Text;
using Lamin.Core.Artifacts;
using Lamin.Core.Errors;
using Lamin.Core.Roots;
using Lamin.Core.Storage;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>SPEC §10 on local disks, unit by unit: rule 6 (paths stay in the root), rule 10 (fsync), key and marker rules.</summary>
public class LocalSafetyTests : IDisposable
{
    private readonly TempDir _temp = new("lamin-safety");

    public void Dispose() => _temp.Dispose();

    private StorageRoot Root(string name)
    {
        var path = _temp.Sub(name, create: true);
        return new StorageRoot(path, "local", null, null, null);
    }

    // ---------------------------------------------------------------- rule 6: ResolveUnder

    [Fact]
    public void ResolveUnder_accepts_plain_keys_and_returns_their_path()
    {
        var root = _temp.Sub("r", create: true);
        Assert.Equal(Path.Combine(root, "a", "b.txt"), LocalPaths.ResolveUnder(root, "a/b.txt"));
        Assert.Equal(Path.Combine(root, "missing", "deep", "x"), LocalPaths.ResolveUnder(root, "missing/deep/x"));
        Assert.Equal(root, LocalPaths.ResolveUnder(root, ""));
    }

    [UnixFact] // symbolic links without privileges
    public void ResolveUnder_refuses_a_folder_link_that_leads_outside()
    {
        var root = _temp.Sub("r", create: true);
        var outside = _temp.Sub("outside", create: true);
        Directory.CreateSymbolicLink(Path.Combine(root, "link"), outside);
        var e = LaminAssert.Throws(ErrorIds.InvalidKey, () => LocalPaths.ResolveUnder(root, "link/x.txt"));
        Assert.Contains("symbolic link", e.Message);
        LaminAssert.Throws(ErrorIds.InvalidKey, () => LocalPaths.ResolveUnder(root, "link/deeper/x.txt"));
        // A relative link that climbs out is outside too.
        Directory.CreateDirectory(Path.Combine(root, "d"));
        Directory.CreateSymbolicLink(Path.Combine(root, "d", "up"), "../../outside");
        LaminAssert.Throws(ErrorIds.InvalidKey, () => LocalPaths.ResolveUnder(root, "d/up/x.txt"));
    }

    [UnixFact] // symbolic links without privileges
    public void ResolveUnder_accepts_links_that_stay_inside_and_a_link_as_the_last_segment()
    {
        var root = _temp.Sub("r", create: true);
        var real = Directory.CreateDirectory(Path.Combine(root, "real")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(root, "in"), real);
        Assert.Equal(Path.Combine(root, "in", "x.txt"), LocalPaths.ResolveUnder(root, "in/x.txt"));
        // The last segment is acted on itself (a rename replaces the link, a delete removes the link).
        Directory.CreateSymbolicLink(Path.Combine(root, "leaf"), _temp.Sub("outside", create: true));
        Assert.Equal(Path.Combine(root, "leaf"), LocalPaths.ResolveUnder(root, "leaf"));
    }

    [UnixFact] // symbolic links without privileges
    public void Delete_through_an_outside_link_is_refused_and_a_link_key_loses_only_the_link()
    {
        var root = Root("r");
        var outside = _temp.Sub("outside", create: true);
        File.WriteAllText(Path.Combine(outside, "keep.txt"), "keep");
        Directory.CreateSymbolicLink(Path.Combine(root.Root, "link"), outside);
        LaminAssert.Throws(ErrorIds.InvalidKey, () => LocalStorageProvider.Instance.DeleteUnchecked(root, "link/keep.txt"));
        Assert.True(File.Exists(Path.Combine(outside, "keep.txt")));
        LocalStorageProvider.Instance.DeleteUnchecked(root, "link");
        Assert.False(Directory.Exists(Path.Combine(root.Root, "link")));
        Assert.Equal("keep", File.ReadAllText(Path.Combine(outside, "keep.txt")));
        LaminAssert.Throws(ErrorIds.InvalidKey, () => LocalStorageProvider.Instance.DeleteUnchecked(root, ""));
    }

    [UnixFact] // symbolic links without privileges
    public void A_writer_refuses_to_publish_through_an_outside_link_and_leaves_nothing()
    {
        var root = Root("r");
        Directory.CreateDirectory(Path.Combine(root.Root, ".lamindb"));
        var outside = _temp.Sub("outside", create: true);
        Directory.CreateSymbolicLink(Path.Combine(root.Root, "link"), outside);
        var before = TempDir.Snapshot(_temp.Path);
        using (var w = LocalStorageProvider.Instance.CreateWriter(root, folder: false, null, CancellationToken.None))
        {
            using (var s = w.OpenMember("", 1)) { s.WriteByte(1); s.Flush(); }
            LaminAssert.Throws(ErrorIds.InvalidKey, () => w.Commit("link/sub/x.bin", replace: false));
        }
        Assert.Equal(before, TempDir.Snapshot(_temp.Path));
    }

    [Fact]
    public void A_failed_publish_removes_the_folders_it_created()
    {
        var root = Root("r");
        Directory.CreateDirectory(Path.Combine(root.Root, ".lamindb"));
        Directory.CreateDirectory(Path.Combine(root.Root, "old"));
        var before = TempDir.Snapshot(root.Root);
        using (var w = LocalStorageProvider.Instance.CreateWriter(root, folder: false, null, CancellationToken.None))
        {
            using (var s = w.OpenMember("", 1)) { s.WriteByte(1); s.Flush(); }
            // The rename fails after the key's folders were created: its temporary vanished (issue 25: PathNotFound, the item refused).
            foreach (var tmp in Directory.GetFiles(Path.Combine(root.Root, ".lamindb"), ".lamin-tmp-*")) File.Delete(tmp);
            LaminAssert.Throws(ErrorIds.PathNotFound, () => w.Commit("old/new1/new2/x.bin", replace: false));
        }
        Assert.Equal(before, TempDir.Snapshot(root.Root));
    }

    [Fact]
    public void A_refused_publish_keeps_the_existing_object()
    {
        var root = Root("r");
        File.WriteAllText(Path.Combine(root.Root, "x.bin"), "old");
        using (var w = LocalStorageProvider.Instance.CreateWriter(root, folder: false, null, CancellationToken.None))
        {
            using (var s = w.OpenMember("", 1)) { s.WriteByte(1); s.Flush(); }
            LaminAssert.Throws(ErrorIds.DestinationExists, () => w.Commit("x.bin", replace: false));
        }
        Assert.Equal("old", File.ReadAllText(Path.Combine(root.Root, "x.bin")));
        Assert.False(Directory.Exists(Path.Combine(root.Root, ".lamindb"))); // the writer created it: gone again
    }

    [Fact]
    public void A_writer_publishes_files_and_folders_under_new_parents()
    {
        var root = Root("r");
        using (var w = LocalStorageProvider.Instance.CreateWriter(root, folder: true, null, CancellationToken.None))
        {
            foreach (var m in new[] { "a.txt", "sub/b.txt" })
                using (var s = w.OpenMember(m, 1)) { s.WriteByte((byte)'x'); s.Flush(); }
            w.Commit("p/q/folder", replace: false);
        }
        Assert.Equal("x", File.ReadAllText(Path.Combine(root.Root, "p", "q", "folder", "sub", "b.txt")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(root.Root, ".lamindb")));
    }

    // ---------------------------------------------------------------- rule 10: Durable

    [Fact]
    public void SyncDirectory_really_fsyncs_a_folder_on_Unix_and_is_a_no_op_for_a_missing_one()
    {
        var dir = _temp.Sub("d", create: true);
        File.WriteAllText(Path.Combine(dir, "f"), "f");
        // What a test can show: the fsync call runs and succeeds. That the disk then survives a power cut can't be tested here.
        Assert.Equal(!OperatingSystem.IsWindows(), Durable.SyncDirectory(dir));
        Assert.False(Durable.SyncDirectory(Path.Combine(dir, "missing")));
    }

    [Fact]
    public void SyncParents_and_a_durable_stream_run_on_real_files()
    {
        var dir = _temp.Sub(Path.Combine("a", "b"), create: true);
        var file = Path.Combine(dir, "x.bin");
        using (var fs = Durable.Create(file, FileMode.CreateNew))
        {
            fs.Write([1, 2, 3]);
            fs.Flush();
        }
        Durable.SyncParents(file, _temp.Sub("a"));
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(file));
    }

    // ---------------------------------------------------------------- keys and markers

    [Theory]
    [InlineData(".lamindb/x.txt")]
    [InlineData(".LAMINDB/x.txt")]
    [InlineData(".LaminDb")]
    [InlineData("a/.Lamindb/x.txt")]
    [InlineData("a/.lamindb")]
    public void Keys_naming_the_managed_folder_in_any_case_are_refused(string key) =>
        LaminAssert.Throws(ErrorIds.InvalidKey, () => ArtifactKeys.Validate(key));

    [Fact]
    public void Key_segments_are_at_most_255_bytes_of_UTF8()
    {
        ArtifactKeys.Validate("d/" + new string('k', 255));
        ArtifactKeys.Validate(".lamindb-like/x"); // only the exact name is the managed folder
        var e = LaminAssert.Throws(ErrorIds.InvalidKey, () => ArtifactKeys.Validate("d/" + new string('k', 256)));
        Assert.Contains("255", e.Message);
        // 128 two-byte characters: 256 bytes although only 128 characters.
        LaminAssert.Throws(ErrorIds.InvalidKey, () => ArtifactKeys.Validate(new string('\u00e9', 128)));
        ArtifactKeys.Validate(new string('\u00e9', 127));
    }

    [Fact]
    public void A_marker_with_a_UTF8_byte_order_mark_parses()
    {
        var text = "AbCdEfGhIjKl\ncreation info:\ninstance_uid=7clAMMtTbqlK\n";
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(text)).ToArray();
        var m = Marker.Parse(bytes, "m");
        Assert.Equal("AbCdEfGhIjKl", m.StorageUid);
        Assert.Equal("7clAMMtTbqlK", m.InstanceUid);
        LaminAssert.Throws(ErrorIds.MarkerInvalid, () => Marker.Parse(new byte[] { 0xEF, 0xBB, 0xBF }, "m"));
    }

    [Theory]
    [InlineData(".lamindb", true)]
    [InlineData(".LAMINDB", true)]
    [InlineData(".lamindb2", false)]
    [InlineData("lamindb", false)]
    public void IsManagedFolderName_ignores_case(string name, bool expected) =>
        Assert.Equal(expected, Marker.IsManagedFolderName(name));

    [Theory]
    [InlineData(".lamindb/Ab12Cd34Ef56Gh780000.txt", "Ab12Cd34Ef56Gh780000.txt")]
    [InlineData(".lamindb/Ab12Cd34Ef56Gh78", "Ab12Cd34Ef56Gh78")]
    [InlineData(".lamindb/x\\..\\..\\evil.ps1", null)]   // Windows separators: would leave the root there
    [InlineData(".lamindb/sub/x.txt", null)]
    [InlineData(".lamindb/..", null)]
    [InlineData(".lamindb/.", null)]
    [InlineData(".lamindb/", null)]
    [InlineData(".lamindb/C:evil", null)]
    [InlineData(".LAMINDB/x.txt", null)]
    [InlineData("data/x.txt", null)]
    public void Only_a_plain_name_directly_in_the_managed_folder_skips_the_walk_of_rule_6(string key, string? name) =>
        Assert.Equal(name, Lamin.Core.Storage.LocalStorageProvider.NameInManagedFolder(key));
}
