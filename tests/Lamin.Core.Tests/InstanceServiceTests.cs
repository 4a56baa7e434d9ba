using Lamin.Core.Errors;
using Lamin.Core.Registry;
using Lamin.Core.Services;
using Lamin.Core.Util;
using Xunit;

namespace Lamin.Core.Tests;

public class InstanceServiceTests : IDisposable
{
    private readonly Sandbox _sb = new(withInstance: false);

    public void Dispose() => _sb.Dispose();

    private InstanceService Svc => new(_sb.As(Sandbox.Alice));

    private static string RegistryOf(string root) => Path.Combine(root, ".lamindb", LaminRegistry.FileName);

    // ---------------------------------------------------------------- planning

    [Fact]
    public void Plan_infers_the_name_and_has_no_side_effect()
    {
        var root = _sb.Folder("mydata", create: false);
        var before = TempDir.Snapshot(_sb.Root);
        var plan = Svc.Plan(null, root, null);
        Assert.Equal("mydata", plan.Name);
        Assert.Equal(root, plan.Root.Root);
        Assert.Equal(RegistryOf(root), plan.RegistryPath);
        Assert.False(Directory.Exists(root));
        Assert.False(Directory.Exists(_sb.HomeDir));
        Assert.Equal(before, TempDir.Snapshot(_sb.Root));
    }

    [Fact]
    public void Plan_resolves_a_relative_root_against_the_current_directory()
    {
        var plan = Svc.Plan(null, ".", null);
        Assert.Equal(_sb.Cwd, plan.Root.Root);
        Assert.Equal("cwd", plan.Name);
    }

    [Fact]
    public void A_slash_in_the_name_is_refused_with_LaminDBs_message()
    {
        var root = _sb.Folder("invalidname", create: false);
        var e = LaminAssert.Throws(ErrorIds.InvalidInstanceName, () => Svc.Plan("invalid/name", root, null));
        Assert.Equal("Invalid instance name: '/' delimiter not allowed.", e.Message);
        Assert.False(Directory.Exists(root));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData(".hidden")]
    [InlineData("a b")]
    public void Other_bad_names_are_InvalidInstanceName(string name) =>
        LaminAssert.Throws(ErrorIds.InvalidInstanceName, () => Svc.Plan(name, _sb.Folder("x", create: false), null));

    [Theory]
    [InlineData("gs://bucket/x")]
    [InlineData("s3://bucket/x")]
    public void Host_needs_a_local_root(string root) =>
        LaminAssert.Throws(ErrorIds.HostRequiresLocalRoot, () => Svc.Plan(null, root, "laptop"));

    [Fact]
    public void A_web_root_can_not_be_an_instance_default() =>
        LaminAssert.Throws(ErrorIds.InvalidRoot, () => Svc.Plan(null, "https://example.org/x", null));

    // ---------------------------------------------------------------- creating

    [Fact]
    public void Create_makes_the_registry_the_marked_default_storage_and_the_current_instance()
    {
        var root = _sb.Folder("mydata", create: false);
        var instance = Svc.Create(Svc.Plan(null, root, null), _sb.Warnings.Add);
        Assert.Equal("mydata", instance.Name);
        Assert.Equal(Uids.InstanceUid(instance.Id), instance.Uid);
        Assert.Equal(root, instance.Storage);
        Assert.Equal(RegistryOf(root), instance.RegistryPath);
        Assert.True(instance.IsCurrent);
        Assert.True(File.Exists(RegistryOf(root)));
        Assert.Equal("mydata", _sb.Home.CurrentName);

        var settings = _sb.Settings().Get();
        Assert.Equal(instance.Uid, settings.InstanceUid);
        Assert.Equal(root, settings.Storage!.Root);
        Assert.True(settings.Storage.IsManaged);
        var lines = Sandbox.MarkerLines(root);
        Assert.Equal(settings.Storage.Uid, lines[0]);
        Assert.Equal($"instance_uid={instance.Uid}", lines[4]);
        Assert.Equal("alice", settings.Storage.CreatedBy);
    }

    [Fact]
    public void Create_with_a_host_records_it()
    {
        var root = _sb.Folder("hosted", create: false);
        Svc.Create(Svc.Plan("h", root, "laptop"), _sb.Warnings.Add);
        Assert.Equal("laptop", _sb.Settings().Get().Storage!.Host);
    }

    [Fact]
    public void A_second_instance_of_the_same_name_or_root_is_InstanceExists()
    {
        var root = _sb.Folder("mydata", create: false);
        Svc.Create(Svc.Plan(null, root, null), _sb.Warnings.Add);
        LaminAssert.Throws(ErrorIds.InstanceExists, () => Svc.Plan("mydata", _sb.Folder("other", create: false), null));
        LaminAssert.Throws(ErrorIds.InstanceExists, () => Svc.Plan("another", root, null));
    }

    [Fact]
    public void Create_refuses_a_root_marked_by_another_instance_and_leaves_nothing_behind()
    {
        var existing = Svc.Create(Svc.Plan("first", _sb.Folder("first", create: false), null), _sb.Warnings.Add);
        var root = _sb.Folder("theirs");
        File.WriteAllText(Path.Combine(root, "data.csv"), "a,b");
        Sandbox.WriteMarker(root, "Other0000001", "OtherInst001");
        var beforeRoot = TempDir.Snapshot(root);
        var beforeHome = TempDir.Snapshot(_sb.HomeDir);
        var plan = Svc.Plan(null, root, null);
        var e = LaminAssert.Throws(ErrorIds.StorageAlreadyManaged, () => Svc.Create(plan, _sb.Warnings.Add));
        Assert.Contains($"Storage location {root} is already marked with uid Other0000001", e.Message);
        Assert.Equal(beforeRoot, TempDir.Snapshot(root));
        Assert.Equal(beforeHome, TempDir.Snapshot(_sb.HomeDir));
        Assert.Null(_sb.Home.Find("theirs"));
        Assert.Equal(existing.Name, _sb.Home.CurrentName);
    }

    [Fact]
    public void Create_refuses_a_marker_that_can_not_be_read_and_leaves_nothing_behind()
    {
        var root = _sb.Folder("broken");
        var marker = Sandbox.MarkerPath(root);
        Directory.CreateDirectory(Path.GetDirectoryName(marker)!);
        File.WriteAllText(marker, "garbage");
        var before = TempDir.Snapshot(_sb.Root);
        LaminAssert.Throws(ErrorIds.MarkerInvalid, () => Svc.Create(Svc.Plan(null, root, null), _sb.Warnings.Add));
        Assert.Equal(before, TempDir.Snapshot(_sb.Root));
    }

    // ---------------------------------------------------------------- connecting

    [Fact]
    public void Disconnect_and_connect_by_name_or_path()
    {
        var root = _sb.Folder("mydata", create: false);
        var created = Svc.Create(Svc.Plan(null, root, null), _sb.Warnings.Add);
        Svc.Disconnect();
        Assert.Null(_sb.Home.CurrentName);
        LaminAssert.Throws(ErrorIds.NoCurrentInstance, () => _sb.Settings().Get());
        Assert.Equal(created.Id, Svc.Connect("mydata").Id);
        Assert.Equal("mydata", _sb.Home.CurrentName);

        // A fresh settings folder finds the instance by its storage root.
        var otherHome = new Settings.LaminHome(_sb.Folder("home2", create: false));
        var other = new InstanceService(new LaminContext(otherHome, "alice", _sb.Cwd));
        var connected = other.ConnectPath(root);
        Assert.Equal((created.Id, created.Uid, "mydata"), (connected.Id, connected.Uid, connected.Name));
        Assert.Equal("mydata", otherHome.CurrentName);
        LaminAssert.Throws(ErrorIds.InstanceNotFound, () => Svc.Connect("nope"));
    }

    [Fact]
    public void List_shows_known_instances_with_the_current_one_marked()
    {
        Svc.Create(Svc.Plan("one", _sb.Folder("one", create: false), null), _sb.Warnings.Add);
        Svc.Create(Svc.Plan("two", _sb.Folder("two", create: false), null), _sb.Warnings.Add);
        var list = Svc.List(null, _sb.Warnings.Add).ToList();
        Assert.Equal(["one", "two"], list.Select(i => i.Name));
        Assert.Equal([false, true], list.Select(i => i.IsCurrent));
        Assert.Equal(["one"], Svc.List("o*", _sb.Warnings.Add).Select(i => i.Name));
    }

    // ---------------------------------------------------------------- removing

    [Fact]
    public void Remove_refuses_while_dot_lamindb_holds_other_files_and_changes_nothing()
    {
        var root = _sb.Folder("mydata", create: false);
        Svc.Create(Svc.Plan(null, root, null), _sb.Warnings.Add);
        File.WriteAllText(Path.Combine(root, ".lamindb", "left-over.bin"), "x");
        var before = TempDir.Snapshot(_sb.Root);
        var e = LaminAssert.Throws(ErrorIds.StorageNotEmpty, () => Svc.Remove("mydata"));
        Assert.Contains(".lamindb/left-over.bin", e.Message);
        Assert.Contains("contains 1 objects", e.Message);
        Assert.DoesNotContain("lamin.db", e.Message);
        Assert.Equal(before, TempDir.Snapshot(_sb.Root));
        Assert.NotNull(_sb.Home.Find("mydata"));
        Assert.Single(_sb.All());
    }

    [Fact]
    public void Remove_refuses_while_another_managed_location_holds_objects()
    {
        Svc.Create(Svc.Plan(null, _sb.Folder("mydata", create: false), null), _sb.Warnings.Add);
        var second = _sb.Register(_sb.Folder("second"));
        File.WriteAllText(Path.Combine(second.Root, ".lamindb", "obj"), "x");
        LaminAssert.Throws(ErrorIds.StorageNotEmpty, () => Svc.Remove("mydata"));
        Assert.True(File.Exists(Sandbox.MarkerPath(second.Root)));
        Assert.NotNull(_sb.Home.Find("mydata"));
    }

    [Fact]
    public void Remove_refuses_while_artifacts_are_registered()
    {
        Svc.Create(Svc.Plan(null, _sb.Folder("mydata", create: false), null), _sb.Warnings.Add);
        _sb.InsertArtifact(_sb.All().Single(), 3);
        LaminAssert.Throws(ErrorIds.StorageNotEmpty, () => Svc.Remove("mydata"));
        Assert.NotNull(_sb.Home.Find("mydata"));
    }

    [Fact]
    public void Remove_frees_the_markers_deletes_the_registry_and_forgets_the_instance()
    {
        var root = _sb.Folder("mydata", create: false);
        Svc.Create(Svc.Plan(null, root, null), _sb.Warnings.Add);
        var second = _sb.Register(_sb.Folder("second"));
        File.WriteAllText(Path.Combine(second.Root, "kept.csv"), "a,b");
        var foreignRoot = _sb.Folder("foreign");
        Sandbox.WriteMarker(foreignRoot, "Other0000001", "OtherInst001");
        _sb.Register(foreignRoot);
        var foreignBefore = TempDir.Snapshot(foreignRoot);

        Svc.Remove("mydata");

        Assert.False(File.Exists(RegistryOf(root)));
        Assert.False(Directory.Exists(root), "a root left empty is removed");
        Assert.False(File.Exists(Sandbox.MarkerPath(second.Root)));
        Assert.Equal("a,b", File.ReadAllText(Path.Combine(second.Root, "kept.csv")));
        Assert.Equal(foreignBefore, TempDir.Snapshot(foreignRoot));
        Assert.Null(_sb.Home.Find("mydata"));
        Assert.Null(_sb.Home.CurrentName);
        LaminAssert.Throws(ErrorIds.InstanceNotFound, () => Svc.Remove("mydata"));
    }

    [Fact]
    public void Remove_leaves_a_marker_that_another_instance_wrote_since()
    {
        // "second" was registered here, then its marker was freed by hand and another instance took the
        // folder over. Removing this instance must not free the other instance's location
        // (Remove-LaminStorage already checks that the marker is the record's own).
        Svc.Create(Svc.Plan(null, _sb.Folder("mydata", create: false), null), _sb.Warnings.Add);
        var second = _sb.Register(_sb.Folder("second"));
        File.Delete(Sandbox.MarkerPath(second.Root));
        var theirs = Sandbox.WriteMarker(second.Root, "Other0000001", "OtherInst001");
        var before = File.ReadAllBytes(theirs);
        Svc.Remove("mydata");
        Assert.True(File.Exists(theirs), "the other instance's marker was deleted");
        Assert.Equal(before, File.ReadAllBytes(theirs));
    }

    [Fact]
    public void Remove_keeps_data_outside_dot_lamindb()
    {
        var root = _sb.Folder("mydata");
        File.WriteAllText(Path.Combine(root, "data.csv"), "a,b");
        Svc.Create(Svc.Plan(null, root, null), _sb.Warnings.Add);
        Svc.Remove("mydata");
        Assert.Equal("a,b", File.ReadAllText(Path.Combine(root, "data.csv")));
        Assert.False(Directory.Exists(Path.Combine(root, ".lamindb")));
    }

    [Fact]
    public void After_removal_the_folder_can_hold_a_new_instance()
    {
        var root = _sb.Folder("mydata", create: false);
        var first = Svc.Create(Svc.Plan(null, root, null), _sb.Warnings.Add);
        Svc.Remove("mydata");
        var second = Svc.Create(Svc.Plan(null, root, null), _sb.Warnings.Add);
        Assert.NotEqual(first.Id, second.Id);
        Assert.Single(_sb.All());
    }
}
