using Lamin.Core.Errors;
using Lamin.Core.Model;
using Lamin.Core.Services;
using Lamin.Core.Storage;
using Lamin.Core.Util;
using Xunit;

namespace Lamin.Core.Tests;

public class StorageServiceTests : IDisposable
{
    private readonly Sandbox _sb = new();

    public void Dispose() => _sb.Dispose();

    private StorageService Svc => _sb.Storages();

    private LaminStorage Get(string identity, string user = Sandbox.Alice) =>
        Assert.Single(_sb.Storages(user).Get(new StorageQuery(Identity: identity)));

    // ---------------------------------------------------------------- rule 3 over one call's writes (issue 15)

    [Fact]
    public void A_presence_check_reads_the_marker_again_whenever_it_changed_and_refuses_what_rule_3_refuses()
    {
        var root = _sb.Folder("run");
        var rec = _sb.Register(root);
        var check = new PresenceCheck();
        var marker = Sandbox.MarkerPath(root);
        var original = File.ReadAllText(marker);
        var stamp = File.GetLastWriteTimeUtc(marker);
        check.Require(rec);
        check.Require(rec); // unchanged: passes on the lstat alone

        void Refused(string why)
        {
            var e = Assert.Throws<LaminException>(() => check.Require(rec));
            Assert.True(e.ErrorId == ErrorIds.StorageNotPresent, $"{why}: {e.ErrorId}");
        }
        // Another location's uid in a marker of the same size (and another time): read again, refused.
        File.WriteAllText(marker, "Other0000001" + original[12..]);
        File.SetLastWriteTimeUtc(marker, stamp.AddMinutes(-5));
        Refused("another uid");
        File.Delete(marker);
        Refused("removed");
        Directory.CreateDirectory(marker);
        Refused("a folder");
        Directory.Delete(marker);
        // Restored: passes again, and a check made before (with its lstat) does not outlive a second change.
        File.WriteAllText(marker, original);
        check.Require(rec);
        File.WriteAllText(marker, "Other0000001" + original[12..]);
        File.SetLastWriteTimeUtc(marker, stamp.AddMinutes(-10));
        Refused("changed after it passed");
    }

    // ---------------------------------------------------------------- creating and the marker (rule 5)

    [Fact]
    public void Creating_a_location_writes_the_marker_with_its_uid_on_line_1()
    {
        var root = _sb.Folder("data");
        var before = DateTime.UtcNow.AddMilliseconds(-1);
        var rec = _sb.Register(root, description: "my data");
        var after = DateTime.UtcNow;
        var lines = Sandbox.MarkerLines(root);
        Assert.Equal(rec.Uid, lines[0]);
        Assert.Equal("creation info:", lines[1]);
        Assert.Equal($"instance_id={_sb.Instance!.Id:N}", lines[3]);
        Assert.Equal($"instance_uid={_sb.InstanceUid}", lines[4]);
        Assert.Equal(12, rec.Uid.Length);
        Assert.True(Uids.IsBase62(rec.Uid));
        Assert.Equal(root, rec.Root);
        Assert.Equal("local", rec.Type);
        Assert.Equal(_sb.InstanceUid, rec.InstanceUid);
        Assert.True(rec.IsManaged);
        Assert.Equal("all", rec.Space);
        Assert.Equal("alice", rec.CreatedBy);
        Assert.Equal("my data", rec.Description);
        Assert.Null(rec.Host);
        Assert.Null(rec.Region);
        Assert.False(rec.IsLocked);
        Assert.Equal(DateTimeKind.Utc, rec.CreatedAt.Kind);
        Assert.InRange(rec.CreatedAt, before, after);
        Assert.Equal(rec.CreatedAt, rec.UpdatedAt);
    }

    [Fact]
    public void What_Create_returns_equals_a_fresh_Get()
    {
        var rec = _sb.Register(_sb.Folder("data"), description: "d");
        var fresh = Get(rec.Uid);
        Assert.Equal(
            (rec.Id, rec.Uid, rec.Root, rec.Description, rec.Type, rec.Host, rec.InstanceUid, rec.Space, rec.IsManaged, rec.IsLocked, rec.CreatedAt, rec.UpdatedAt, rec.CreatedBy),
            (fresh.Id, fresh.Uid, fresh.Root, fresh.Description, fresh.Type, fresh.Host, fresh.InstanceUid, fresh.Space, fresh.IsManaged, fresh.IsLocked, fresh.CreatedAt, fresh.UpdatedAt, fresh.CreatedBy));
    }

    [Fact]
    public void A_folder_that_does_not_exist_yet_is_created_with_its_marker()
    {
        var root = _sb.Folder(Path.Combine("new", "deeper"), create: false);
        var rec = _sb.Register(root);
        Assert.True(File.Exists(Sandbox.MarkerPath(root)));
        Assert.Equal(rec.Uid, Sandbox.MarkerLines(root)[0]);
    }

    [Fact]
    public void The_instance_default_storage_is_marked_and_managed()
    {
        var def = Assert.Single(_sb.All());
        Assert.Equal(_sb.DefaultRoot, def.Root);
        Assert.True(def.IsManaged);
        Assert.Equal(def.Uid, Sandbox.MarkerLines(_sb.DefaultRoot)[0]);
    }

    [Fact]
    public void A_marker_of_this_instance_is_adopted_as_managed_with_its_uid()
    {
        var root = _sb.Folder("restored");
        var marker = Sandbox.WriteMarker(root, "OurUid000001", _sb.InstanceUid, "main");
        var before = File.ReadAllBytes(marker);
        var rec = _sb.Register(root);
        Assert.Equal("OurUid000001", rec.Uid);
        Assert.Equal(_sb.InstanceUid, rec.InstanceUid);
        Assert.True(rec.IsManaged);
        Assert.Equal(before, File.ReadAllBytes(marker));
        Assert.DoesNotContain(_sb.Warnings, w => w.Contains("already marked"));
    }

    [Fact]
    public void A_marker_of_another_instance_gives_a_read_only_record_with_its_uid_and_a_warning()
    {
        var root = _sb.Folder("foreign");
        var marker = Sandbox.WriteMarker(root, "Other0000001", "OtherInst001");
        var before = File.ReadAllBytes(marker);
        var rec = _sb.Register(root);
        Assert.Equal("Other0000001", rec.Uid);
        Assert.Equal(StorageService.UnknownInstance, rec.InstanceUid);
        Assert.Equal("__unknown__", rec.InstanceUid);
        Assert.False(rec.IsManaged);
        Assert.Contains(_sb.Warnings, w => w.Contains("is already marked with uid Other0000001"));
        Assert.Contains(_sb.Warnings, w => w.Contains($"referenced read-only storage location at {root}, is managed by another instance"));
        Assert.Equal(before, File.ReadAllBytes(marker));
        Assert.False(Get("Other0000001").IsManaged);
    }

    [Fact]
    public void An_invalid_marker_is_refused_and_nothing_is_registered()
    {
        var root = _sb.Folder("broken");
        var marker = Sandbox.MarkerPath(root);
        Directory.CreateDirectory(Path.GetDirectoryName(marker)!);
        File.WriteAllText(marker, "");
        LaminAssert.Throws(ErrorIds.MarkerInvalid, () => _sb.Register(root));
        Assert.Equal("", File.ReadAllText(marker));
        Assert.Single(_sb.All());
    }

    [Fact]
    public void A_location_whose_marker_can_not_be_written_is_registered_read_only_with_a_warning()
    {
        // ".lamindb" is a plain file: the marker can't be created (as with a folder without write access).
        var root = _sb.Folder("unwritable");
        File.WriteAllText(Path.Combine(root, ".lamindb"), "not a folder");
        var before = TempDir.Snapshot(root);
        var rec = _sb.Register(root);
        Assert.Null(rec.InstanceUid);
        Assert.False(rec.IsManaged);
        Assert.Contains(_sb.Warnings, w => w.Contains($"due to lack of write access, Lamin won't manage this storage location: {root}"));
        Assert.Contains($"referenced read-only storage location at {root}", _sb.Warnings);
        Assert.Equal(before, TempDir.Snapshot(root));
    }

    [Fact]
    public void A_marker_path_that_is_a_folder_is_refused_and_nothing_is_registered()
    {
        var root = _sb.Folder("odd");
        Directory.CreateDirectory(Sandbox.MarkerPath(root));
        var before = TempDir.Snapshot(root);
        LaminAssert.Throws(ErrorIds.MarkerInvalid, () => _sb.Register(root));
        Assert.Equal(before, TempDir.Snapshot(root));
        Assert.Single(_sb.All());
    }

    [UnixFact]
    public void A_symlink_and_its_target_are_one_location()
    {
        var real = _sb.Folder("real");
        var link = Path.Combine(_sb.Root, "link");
        Directory.CreateSymbolicLink(link, real);
        var viaLink = _sb.Register(link);
        Assert.Equal(real, viaLink.Root);
        Assert.Equal(viaLink.Uid, _sb.Register(real).Uid);
        Assert.True(File.Exists(Sandbox.MarkerPath(real)));
        Assert.Equal(2, _sb.All().Count);
    }

    [Fact]
    public void A_web_root_is_registered_read_only()
    {
        var rec = _sb.Register("https://example.org/data/");
        Assert.Equal("https://example.org/data", rec.Root);
        Assert.Equal("https", rec.Type);
        Assert.Null(rec.InstanceUid);
        Assert.False(rec.IsManaged);
        Assert.Contains("referenced read-only storage location at https://example.org/data", _sb.Warnings);
    }

    // ---------------------------------------------------------------- uniqueness and idempotence (rule 3)

    [Fact]
    public void Registering_the_same_root_again_returns_the_existing_record_with_a_warning()
    {
        var root = _sb.Folder("data");
        var first = _sb.Register(root);
        _sb.Warnings.Clear();
        var second = _sb.Register(root);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(first.Uid, second.Uid);
        Assert.Contains(_sb.Warnings, w => w.Contains("returning the existing storage location") && w.Contains(first.Uid));
        Assert.Equal(first.Uid, Sandbox.MarkerLines(root)[0]);
        Assert.Equal(2, _sb.All().Count);
    }

    [Fact]
    public void The_root_is_normalised_before_the_lookup()
    {
        var root = _sb.Folder("data");
        var first = _sb.Register(root);
        // The same folder as a relative path from the current directory, with a trailing slash.
        Assert.Equal(first.Uid, _sb.Register("../data/").Uid);
        Assert.Equal(first.Uid, _sb.Register(root + "//").Uid);
        Assert.Equal(2, _sb.All().Count);
    }

    [Fact]
    public void Plan_finds_the_existing_record()
    {
        var first = _sb.Register(_sb.Folder("data"));
        var plan = Svc.Plan("../data", null, null, null);
        Assert.NotNull(plan.Existing);
        Assert.Equal(first.Uid, plan.Existing!.Uid);
    }

    [Fact]
    public void Create_with_a_stale_plan_returns_the_record_made_in_between()
    {
        var root = _sb.Folder("data");
        var stale = Svc.Plan(root, null, null, null);
        var first = _sb.Register(root);
        var (rec, existed) = Svc.Create(stale, _sb.Warnings.Add);
        Assert.True(existed);
        Assert.Equal(first.Uid, rec.Uid);
        Assert.Equal(2, _sb.All().Count);
    }

    [Fact]
    public void The_same_root_on_two_hosts_is_two_records()
    {
        var root = _sb.Folder("shared");
        var h1 = _sb.Register(root, host: "laptop");
        var h2 = _sb.Register(root, host: "server");
        Assert.NotEqual(h1.Uid, h2.Uid);
        Assert.Equal((root, "laptop"), (h1.Root, h1.Host));
        Assert.Equal((root, "server"), (h2.Root, h2.Host));
        Assert.Equal(2, _sb.All().Count(r => r.Root == root));
        // Each (root, host) is idempotent on its own.
        Assert.Equal(h2.Uid, _sb.Register(root, host: "server").Uid);
        Assert.Equal(h1.Uid, _sb.Register(root, host: " laptop ").Uid);
        var none = _sb.Register(root);
        Assert.Null(none.Host);
        Assert.Equal(3, _sb.All().Count(r => r.Root == root));
        // The folder keeps one marker: the first registration's.
        Assert.Equal(h1.Uid, Sandbox.MarkerLines(root)[0]);
    }

    [Theory]
    [InlineData("gs://bucket/x")]
    [InlineData("s3://bucket/x")]
    [InlineData("https://example.org/x")]
    public void Host_is_for_local_roots_only(string root)
    {
        LaminAssert.Throws(ErrorIds.HostRequiresLocalRoot, () => Svc.Plan(root, "laptop", null, null));
        Assert.Single(_sb.All());
    }

    [Fact]
    public async Task Threads_racing_to_register_one_root_get_one_record()
    {
        var root = _sb.Folder(Path.Combine("race", "target"), create: false);
        const int n = 4;
        using var start = new Barrier(n);
        var tasks = Enumerable.Range(0, n).Select(_ => Task.Factory.StartNew(() =>
        {
            var svc = _sb.Storages();
            var plan = svc.Plan(root, null, null, null);
            start.SignalAndWait();
            return svc.Create(plan, _ => { }).Record.Uid;
        }, TaskCreationOptions.LongRunning)).ToArray();
        var uids = (await Task.WhenAll(tasks)).Distinct().ToList();
        var uid = Assert.Single(uids);
        Assert.Single(_sb.All(), r => r.Root == root);
        Assert.Equal(uid, Sandbox.MarkerLines(root)[0]);
    }

    // ---------------------------------------------------------------- no side effect before confirmation

    [Fact]
    public void Plan_has_no_side_effect_for_a_new_folder()
    {
        var root = _sb.Folder("planned", create: false);
        var before = TempDir.Snapshot(_sb.Root);
        var plan = Svc.Plan(root, null, "d", null);
        Assert.Null(plan.Existing);
        Assert.Equal(root, plan.Root.Root);
        Assert.False(Directory.Exists(root));
        Assert.Equal(before, TempDir.Snapshot(_sb.Root));
        Assert.Single(_sb.All());
    }

    [Fact]
    public void Plan_has_no_side_effect_for_an_existing_folder()
    {
        var root = _sb.Folder("existing");
        File.WriteAllText(Path.Combine(root, "data.csv"), "a,b");
        var before = TempDir.Snapshot(_sb.Root);
        Svc.Plan(root, null, null, null);
        Assert.False(Directory.Exists(Path.Combine(root, ".lamindb")));
        Assert.False(File.Exists(Sandbox.MarkerPath(root)));
        Assert.Equal(before, TempDir.Snapshot(_sb.Root));
        Assert.Single(_sb.All());
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("ftp://host/x")]
    [InlineData("s3://")]
    [InlineData("/x/.lamindb")]
    public void Bad_roots_change_nothing(string root)
    {
        var before = TempDir.Snapshot(_sb.Root);
        Assert.Throws<LaminException>(() => _sb.Register(root));
        Assert.Equal(before, TempDir.Snapshot(_sb.Root));
        Assert.Single(_sb.All());
    }

    // ---------------------------------------------------------------- -Identity (rule 15)

    private (LaminStorage A1, LaminStorage A2, LaminStorage X) ThreeWithKnownUids()
    {
        LaminStorage Make(string name, string uid)
        {
            var root = _sb.Folder(name);
            Sandbox.WriteMarker(root, uid, _sb.InstanceUid, "main");
            return _sb.Register(root);
        }
        return (Make("a1", "Abc000000001"), Make("a2", "Abc000000002"), Make("x", "Xyz000000001"));
    }

    [Fact]
    public void Identity_by_id_uid_and_unique_stub()
    {
        var (a1, _, x) = ThreeWithKnownUids();
        Assert.Equal("Abc000000001", a1.Uid);
        Assert.Equal(a1.Uid, Get(a1.Id.ToString()).Uid);
        Assert.Equal(a1.Uid, Get("Abc000000001").Uid);
        Assert.Equal(x.Uid, Get("Xyz").Uid);
        LaminAssert.Throws(ErrorIds.RecordNotFound, () => Get(" Xyz0 ")); // as given (SPEC §10 rule 16): not the stub Xyz0
        Assert.Equal(a1.Uid, Get("Abc000000001").Uid);
        Assert.Equal(a1.Uid, Svc.Resolve("Abc00000000" + "1").Uid);
    }

    [Theory]
    [InlineData("Abc")]
    [InlineData("Abc00000000")]
    public void An_ambiguous_stub_is_MultipleRecordsFound_naming_the_matches(string stub)
    {
        ThreeWithKnownUids();
        var e = LaminAssert.Throws(ErrorIds.MultipleRecordsFound, () => Get(stub));
        Assert.Contains("Abc000000001", e.Message);
        Assert.Contains("Abc000000002", e.Message);
    }

    [Theory]
    [InlineData("nope12")]
    [InlineData("abc")]            // uids are case-sensitive
    [InlineData("999")]
    [InlineData("Abc0000000013")]
    [InlineData("/not/a/uid")]
    public void No_match_is_RecordNotFound_suggesting_Root(string identity)
    {
        ThreeWithKnownUids();
        var e = LaminAssert.Throws(ErrorIds.RecordNotFound, () => Get(identity));
        Assert.Contains("-Root", e.Message);
        Assert.Contains(identity, e.Message);
    }

    // ---------------------------------------------------------------- Get filters

    [Fact]
    public void Get_filters_by_root_type_host_managed_and_filter()
    {
        var data = _sb.Register(_sb.Folder("data"), host: "laptop");
        var foreignRoot = _sb.Folder("foreign");
        Sandbox.WriteMarker(foreignRoot, "Other0000001", "OtherInst001");
        var foreign = _sb.Register(foreignRoot);
        var web = _sb.Register("https://example.org/x");

        List<string> Q(StorageQuery q) => Svc.Get(q).Select(r => r.Uid).Order().ToList();
        Assert.Equal([data.Uid], Q(new StorageQuery(Root: "*/DATA")));
        Assert.Equal([web.Uid], Q(new StorageQuery(Type: "http*")));
        Assert.Equal([data.Uid], Q(new StorageQuery(Host: "lap*")));
        Assert.Equal(new[] { foreign.Uid, web.Uid }.Order().ToList(), Q(new StorageQuery(Managed: false)));
        Assert.Equal(new[] { data.Uid, Svc.Get(new StorageQuery(Root: _sb.DefaultRoot)).Single().Uid }.Order().ToList(),
            Q(new StorageQuery(Managed: true, Type: "local")));
        Assert.Equal([web.Uid], Q(new StorageQuery(Filter: [new("root__startswith", "https://")])));
        Assert.Equal([foreign.Uid], Q(new StorageQuery(Filter: [new("instance_uid", "__unknown__")])));
        Assert.Equal([data.Uid], Q(new StorageQuery(Filter: [new("Host__iexact", "LAPTOP")])));
        var e = LaminAssert.Throws(ErrorIds.UnknownField, () => Svc.Get(new StorageQuery(Filter: [new("nonexistent", "x")])));
        Assert.Contains("Available fields:", e.Message);
        LaminAssert.Throws(ErrorIds.InvalidFilterValue, () => Svc.Get(new StorageQuery(Filter: [new("id", "abc")])));
    }

    [Fact]
    public void Search_ranks_records_and_carries_the_score()
    {
        var partial = _sb.Register(_sb.Folder("s1"), description: "survey data");
        var exact = _sb.Register(_sb.Folder("s2"), description: "survey");
        var hits = Svc.Search("survey", null, 20, false);
        Assert.Equal([exact.Uid, partial.Uid], hits.Select(h => h.Record.Uid));
        Assert.Equal(215, hits[0].Score);
        Assert.Equal(10 + 2 + 2 + 1, hits[1].Score);
        Assert.All(hits, h => Assert.Equal("all", h.Record.Space));
        Assert.Single(Svc.Search("survey", null, 1, false));
        Assert.Empty(Svc.Search("SURVEY", null, 20, true));
        Assert.Equal([partial.Uid], Svc.Search("data", ["description"], 20, false).Select(h => h.Record.Uid));
        LaminAssert.Throws(ErrorIds.InvalidSearchQuery, () => Svc.Search(null, null, 20, false));
        LaminAssert.Throws(ErrorIds.UnknownField, () => Svc.Search("survey", ["nonexistent"], 20, false));
    }

    // ---------------------------------------------------------------- statistics

    [Fact]
    public void Statistics_count_artifacts_and_bytes_per_location_trashed_included()
    {
        var a = _sb.Register(_sb.Folder("a"));
        var b = _sb.Register(_sb.Folder("b"));
        _sb.InsertArtifact(a, 10);
        _sb.InsertArtifact(a, 32, trashed: true);
        _sb.InsertArtifact(b, 5);
        var stats = Svc.Get(new StorageQuery(Statistics: true)).ToDictionary(r => r.Uid);
        Assert.Equal(2L, stats[a.Uid].ArtifactCount);
        Assert.Equal(42L, stats[a.Uid].Size);
        Assert.Equal(1L, stats[b.Uid].ArtifactCount);
        Assert.Equal(5L, stats[b.Uid].Size);
        var def = stats.Values.Single(r => r.Root == _sb.DefaultRoot);
        Assert.Equal(0L, def.ArtifactCount);
        Assert.Equal(0L, def.Size);
        var plain = Svc.Get(new StorageQuery()).Single(r => r.Uid == a.Uid);
        Assert.Null(plain.ArtifactCount);
        Assert.Null(plain.Size);
    }

    // ---------------------------------------------------------------- changing and locking (rule 17)

    [Fact]
    public void Update_changes_the_description_and_returns_what_Get_returns()
    {
        var rec = _sb.Register(_sb.Folder("data"), description: "old");
        var updated = Svc.Update(rec.Uid, new StorageChange(Description: "new", DescriptionSet: true));
        Assert.Equal("new", updated.Description);
        var fresh = Get(rec.Uid);
        Assert.Equal((updated.Description, updated.UpdatedAt, updated.IsLocked, updated.Space), (fresh.Description, fresh.UpdatedAt, fresh.IsLocked, fresh.Space));
        Assert.True(fresh.UpdatedAt >= rec.UpdatedAt);
        Assert.Equal(rec.CreatedAt, fresh.CreatedAt);
        Svc.Update(rec.Uid, new StorageChange(Description: null, DescriptionSet: true));
        Assert.Null(Get(rec.Uid).Description);
    }

    [Fact]
    public void A_locked_record_refuses_every_change_until_unlocked()
    {
        var root = _sb.Folder("data");
        var rec = _sb.Register(root, description: "kept");
        _sb.Spaces().Create("team", null);
        Assert.True(Svc.Update(rec.Uid, new StorageChange(Lock: true)).IsLocked);

        var e = LaminAssert.Throws(ErrorIds.RecordLocked, () => Svc.Update(rec.Uid, new StorageChange(Description: "x", DescriptionSet: true)));
        Assert.Contains("-Unlock", e.Message);
        LaminAssert.Throws(ErrorIds.RecordLocked, () => Svc.Update(rec.Uid, new StorageChange(Space: "team")));
        LaminAssert.Throws(ErrorIds.RecordLocked, () => Svc.Update(rec.Uid, new StorageChange(Lock: true)));
        LaminAssert.Throws(ErrorIds.RecordLocked, () => Svc.Update(rec.Uid, new StorageChange(Lock: false, Description: "x", DescriptionSet: true)));
        LaminAssert.Throws(ErrorIds.RecordLocked, () => Svc.Remove(rec.Uid, null));
        LaminAssert.Throws(ErrorIds.RecordLocked, () => Svc.Remove(rec.Uid, true));

        var still = Get(rec.Uid);
        Assert.Equal(("kept", "all", true), (still.Description, still.Space, still.IsLocked));
        Assert.True(File.Exists(Sandbox.MarkerPath(root)));

        Assert.False(Svc.Update(rec.Uid, new StorageChange(Lock: false)).IsLocked);
        Assert.Equal("x", Svc.Update(rec.Uid, new StorageChange(Description: "x", DescriptionSet: true)).Description);
        Svc.Remove(rec.Uid, null);
        Assert.DoesNotContain(_sb.All(), r => r.Uid == rec.Uid);
    }

    // ---------------------------------------------------------------- removing (rules 9-14)

    [Fact]
    public void Permanent_false_is_SoftDeleteNotSupported_and_changes_nothing()
    {
        var root = _sb.Folder("data");
        var rec = _sb.Register(root);
        var e = LaminAssert.Throws(ErrorIds.SoftDeleteNotSupported, () => Svc.Remove(rec.Uid, false));
        Assert.Contains("Soft delete is not possible for Storage", e.Message);
        Assert.Equal(rec.Uid, Get(rec.Uid).Uid);
        Assert.True(File.Exists(Sandbox.MarkerPath(root)));
    }

    [Fact]
    public void A_location_with_artifacts_trashed_ones_too_is_StorageHasArtifacts()
    {
        var root = _sb.Folder("data");
        var rec = _sb.Register(root);
        _sb.InsertArtifact(rec, 1, trashed: true);
        var e = LaminAssert.Throws(ErrorIds.StorageHasArtifacts, () => Svc.Remove(rec.Uid, null));
        Assert.Contains("Cannot delete storage with artifacts", e.Message);
        Assert.Equal(rec.Uid, Get(rec.Uid).Uid);
        Assert.True(File.Exists(Sandbox.MarkerPath(root)));
    }

    [Fact]
    public void Artifacts_are_checked_before_the_read_only_shortcut()
    {
        var root = _sb.Folder("foreign");
        Sandbox.WriteMarker(root, "Other0000001", "OtherInst001");
        var rec = _sb.Register(root);
        _sb.InsertArtifact(rec, 1);
        LaminAssert.Throws(ErrorIds.StorageHasArtifacts, () => Svc.Remove(rec.Uid, null));
        Assert.Equal(rec.Uid, Get(rec.Uid).Uid);
    }

    [Fact]
    public void Removing_a_read_only_location_drops_only_the_record()
    {
        var root = _sb.Folder("foreign");
        Sandbox.WriteMarker(root, "Other0000001", "OtherInst001");
        File.WriteAllText(Path.Combine(root, ".lamindb", "their-object.bin"), "theirs");
        File.WriteAllText(Path.Combine(root, "data.csv"), "a,b");
        var rec = _sb.Register(root);
        var before = TempDir.Snapshot(root);
        Svc.Remove(rec.Uid, null);
        Assert.DoesNotContain(_sb.All(), r => r.Uid == rec.Uid);
        Assert.Equal(before, TempDir.Snapshot(root));
        Assert.Equal("Other0000001", Sandbox.MarkerLines(root)[0]);
    }

    [Fact]
    public void Removing_a_web_location_drops_the_record()
    {
        var rec = _sb.Register("https://example.org/x");
        Svc.Remove(rec.Uid, true);
        Assert.Single(_sb.All());
    }

    [Fact]
    public void A_managed_location_with_objects_under_dot_lamindb_is_StorageNotEmpty_listing_them()
    {
        var root = _sb.Folder("data");
        var rec = _sb.Register(root);
        File.WriteAllText(Path.Combine(root, ".lamindb", "abc.txt"), "x");
        Directory.CreateDirectory(Path.Combine(root, ".lamindb", "sub"));
        File.WriteAllText(Path.Combine(root, ".lamindb", "sub", "x.bin"), "y");
        var before = TempDir.Snapshot(root);
        var e = LaminAssert.Throws(ErrorIds.StorageNotEmpty, () => Svc.Remove(rec.Uid, null));
        Assert.Contains($"'{root}/.lamindb' contains 2 objects", e.Message);
        Assert.Contains(".lamindb/abc.txt", e.Message);
        Assert.Contains(".lamindb/sub/x.bin", e.Message);
        Assert.DoesNotContain(Marker.FileName, e.Message);
        Assert.Equal(before, TempDir.Snapshot(root));
        Assert.Equal(rec.Uid, Get(rec.Uid).Uid);
    }

    [Fact]
    public void Files_outside_dot_lamindb_do_not_count_and_are_kept()
    {
        var root = _sb.Folder("data");
        var rec = _sb.Register(root);
        File.WriteAllText(Path.Combine(root, "data.csv"), "a,b");
        Directory.CreateDirectory(Path.Combine(root, "raw"));
        File.WriteAllText(Path.Combine(root, "raw", "x.bin"), "y");
        Svc.Remove(rec.Uid, null);
        Assert.DoesNotContain(_sb.All(), r => r.Uid == rec.Uid);
        Assert.Equal("a,b", File.ReadAllText(Path.Combine(root, "data.csv")));
        Assert.True(File.Exists(Path.Combine(root, "raw", "x.bin")));
    }

    [Fact]
    public void The_default_storage_is_StorageIsDefault()
    {
        var def = Assert.Single(_sb.All());
        var e = LaminAssert.Throws(ErrorIds.StorageIsDefault, () => Svc.Remove(def.Uid, null));
        Assert.Contains("switch to another", e.Message);
        Assert.True(File.Exists(Sandbox.MarkerPath(_sb.DefaultRoot)));
        Assert.Equal(def.Uid, Get(def.Uid).Uid);
    }

    [Fact]
    public void Emptiness_is_checked_before_the_default_rule()
    {
        var def = Assert.Single(_sb.All());
        File.WriteAllText(Path.Combine(_sb.DefaultRoot, ".lamindb", "left.txt"), "x");
        var e = LaminAssert.Throws(ErrorIds.StorageNotEmpty, () => Svc.Remove(def.Uid, null));
        Assert.Contains(".lamindb/left.txt", e.Message);
        Assert.DoesNotContain("lamin.db", e.Message); // the instance's own registry files don't count
    }

    [Fact]
    public void Removal_deletes_the_marker_then_the_record()
    {
        var root = _sb.Folder("data");
        var rec = _sb.Register(root);
        Svc.Remove(rec.Uid, null);
        Assert.False(File.Exists(Sandbox.MarkerPath(root)));
        Assert.True(Directory.Exists(root));
        LaminAssert.Throws(ErrorIds.RecordNotFound, () => Get(rec.Uid));
        // The freed folder can be registered again, as a new location.
        var again = _sb.Register(root);
        Assert.NotEqual(rec.Uid, again.Uid);
        Assert.True(again.IsManaged);
    }

    [Fact]
    public void Permanent_true_behaves_like_leaving_it_out()
    {
        var root = _sb.Folder("data");
        var rec = _sb.Register(root);
        Svc.Remove(rec.Uid, true);
        Assert.False(File.Exists(Sandbox.MarkerPath(root)));
        Assert.Single(_sb.All());
    }

    [Fact]
    public void Removing_the_record_of_another_host_leaves_this_hosts_marker_alone()
    {
        var root = _sb.Folder("shared");
        var here = _sb.Register(root, host: "laptop");
        var there = _sb.Register(root, host: "server");
        File.WriteAllText(Path.Combine(root, ".lamindb", "laptop-object.bin"), "x");
        Svc.Remove(there.Uid, null);
        Assert.Equal(here.Uid, Sandbox.MarkerLines(root)[0]);
        Assert.True(File.Exists(Path.Combine(root, ".lamindb", "laptop-object.bin")));
        Assert.Equal([here.Uid], _sb.All().Where(r => r.Root == root).Select(r => r.Uid));
    }

    [Fact]
    public void Removing_an_unknown_identity_is_RecordNotFound() =>
        LaminAssert.Throws(ErrorIds.RecordNotFound, () => Svc.Remove("zzzzzzzzzzzz", null));

    // ---------------------------------------------------------------- present on this machine (rule 6)

    [Fact]
    public void A_local_location_is_present_only_when_its_marker_carries_its_uid()
    {
        var root = _sb.Folder("data");
        var rec = _sb.Register(root);
        Assert.True(StorageService.IsPresentHere(rec));
        File.WriteAllText(Sandbox.MarkerPath(root), "ZZZZZZZZZZZZ\n");
        Assert.False(StorageService.IsPresentHere(rec));
        File.WriteAllText(Sandbox.MarkerPath(root), "garbage");
        Assert.False(StorageService.IsPresentHere(rec));
        File.Delete(Sandbox.MarkerPath(root));
        Assert.False(StorageService.IsPresentHere(rec));
        Directory.Delete(root, true);
        Assert.False(StorageService.IsPresentHere(rec));
    }
}
