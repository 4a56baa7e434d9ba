using Lamin.Core.Artifacts;
using Lamin.Core.Errors;
using Lamin.Core.Model;
using Lamin.Core.Roots;
using Lamin.Core.Services;
using Lamin.Core.Storage;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// The services (not only the rule classes) under the Windows rules, on every OS (SPEC §11): a location's
/// root is declared an NTFS folder with <see cref="LocationRules.Assume"/>, and each test checks a result
/// the Windows rules change — with the Posix rules (what Linux gives) the same call answers otherwise.
/// </summary>
[Trait("Platform", "Windows")]
public sealed class WindowsServiceTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    private ArtifactService Artifacts => new(_box.As(Sandbox.Alice));

    private IDisposable AsNtfs(string root) => LocationRules.Assume(root, FileSystemRules.Windows);

    private LaminArtifact Add(string path, string? key = null, bool? keyIsVirtual = null, string? storage = null)
    {
        var svc = Artifacts;
        var staged = svc.Stage(svc.Plan(new AddRequest(path, key, Storage: storage, KeyIsVirtual: keyIsVirtual)), null, CancellationToken.None);
        using var _ = staged; // as the cmdlet does: the temporary of what was not committed goes
        var result = Assert.Single(svc.Commit([staged], _ => { }));
        if (result.Error is not null) throw result.Error;
        return result.Artifact!;
    }

    private string File(string relative, string text)
    {
        var path = Path.Combine(_box.Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    private LaminArtifact Row(LaminStorage storage, string uid, string key, int version, bool latest, bool keyIsVirtual = true) => new()
    {
        Uid = uid, Key = key, Suffix = Path.GetExtension(key), Size = 1, Hash = "h" + uid, HashType = "md5", StorageId = storage.Id,
        StorageUid = storage.Uid, KeyIsVirtual = keyIsVirtual, Version = version, IsLatest = latest,
        CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow, CreatedBy = Sandbox.Alice,
    };

    private LaminStorage DefaultStorage => Assert.Single(_box.All(), x => x.Root == _box.DefaultRoot);

    // ---------------------------------------------------------------- finding 1: letter case

    [Fact]
    public void In_place_keys_are_stored_in_their_case_on_disk_so_two_spellings_are_one_artifact()
    {
        File("main/Raw/x.csv", "a,b\n");
        // Posix rules (Linux): the spelling typed names no file.
        LaminAssert.Throws(ErrorIds.PathNotFound, () => Add(Path.Combine(_box.DefaultRoot, "raw", "x.csv")));
        using var _ = AsNtfs(_box.DefaultRoot);
        var first = Add(Path.Combine(_box.DefaultRoot, "raw", "x.csv"));
        Assert.Equal("Raw/x.csv", first.Key);
        var second = Add(Path.Combine(_box.DefaultRoot, "RAW", "X.CSV"));
        Assert.Equal(first.Uid, second.Uid);
        Assert.Single(Artifacts.Get(new ArtifactQuery()));
    }

    [Fact]
    public void A_key_into_the_managed_folder_with_a_trailing_dot_or_another_case_is_refused()
    {
        var src = File("cwd/x.csv", "1");
        var before = TempDir.Snapshot(_box.DefaultRoot);
        foreach (var key in new[] { ".LaminDB/x.csv", ".lamindb./x.csv", ".LAMINDB /x.csv", "a/.Lamindb./x.csv" })
        {
            var e = LaminAssert.Throws(ErrorIds.InvalidKey, () => Add(src, key, keyIsVirtual: false));
            Assert.Contains("managed folder", e.Message);
        }
        Assert.Equal(before, TempDir.Snapshot(_box.DefaultRoot));
        Assert.Empty(Artifacts.Get(new ArtifactQuery()));
    }

    [Fact]
    public void A_new_version_never_gets_a_uid_that_differs_from_a_family_uid_only_in_case()
    {
        var st = DefaultStorage;
        const string stem = "AbCdEfGhIjKlMnOp";
        _box.As(Sandbox.Alice).Registry.Write(s =>
        {
            s.Artifacts.Insert(Row(st, stem + "0000", "v.txt", 1, false));
            s.Artifacts.Insert(Row(st, stem + "000B", "v.txt", 2, false)); // version suffix 11
            s.Artifacts.Insert(Row(st, stem + "000a", "v.txt", 3, true));  // version suffix 36: the next is 37, "000b"
        });
        var next = Add(File("cwd/v.txt", "new"), "v.txt");
        Assert.StartsWith(stem, next.Uid);
        Assert.Equal(stem + "000c", next.Uid); // "000b" would be one file with "000B" on NTFS and macOS
        Assert.Equal(4, next.Version);
        Assert.True(System.IO.File.Exists(Path.Combine(_box.DefaultRoot, ".lamindb", stem + "000c.txt")));
    }

    [Fact]
    public void Object_usage_finds_an_artifact_whose_key_differs_only_in_case_on_an_NTFS_location()
    {
        var st = DefaultStorage;
        _box.As(Sandbox.Alice).Registry.Write(s => s.Artifacts.Insert(Row(st, Util.Uids.Random(16) + "0000", "Data/x.csv", 1, true, keyIsVirtual: false)));
        var posix = _box.As(Sandbox.Alice).Registry.Read(s => ObjectUsage.Users(s, st, "data/x.csv", isFolder: false));
        Assert.Empty(posix);
        using var _ = AsNtfs(_box.DefaultRoot);
        var ntfs = _box.As(Sandbox.Alice).Registry.Read(s => ObjectUsage.Users(s, st, "data/x.csv", isFolder: false));
        Assert.Equal("Data/x.csv", Assert.Single(ntfs).Key);
        var folder = _box.As(Sandbox.Alice).Registry.Read(s => ObjectUsage.Users(s, st, "DATA", isFolder: true));
        Assert.Single(folder);
    }

    [Fact]
    public void A_real_key_that_differs_only_in_case_from_a_live_artifact_is_refused_on_NTFS()
    {
        var first = Add(File("cwd/a.csv", "first"), "Data/x.csv", keyIsVirtual: false);
        Assert.Equal("Data/x.csv", first.Key);
        using var _ = AsNtfs(_box.DefaultRoot);
        var before = TempDir.Snapshot(_box.DefaultRoot);
        var e = LaminAssert.Throws(ErrorIds.ObjectInUse, () => Add(File("cwd/b.csv", "second"), "data/x.csv", keyIsVirtual: false));
        Assert.Contains(first.Uid, e.Message);
        Assert.Equal(before, TempDir.Snapshot(_box.DefaultRoot));
    }

    [Fact]
    public void Orphan_clearing_keeps_a_registry_named_in_another_case_on_NTFS()
    {
        var managed = Path.Combine(_box.DefaultRoot, ".lamindb");
        System.IO.File.WriteAllText(Path.Combine(managed, "LAMIN.DB"), "another instance's registry");
        System.IO.File.WriteAllText(Path.Combine(managed, "Storage_UID.txt"), "x");
        System.IO.File.WriteAllText(Path.Combine(managed, "junk.bin"), "orphan");
        var audit = new AuditService(_box.As(Sandbox.Alice));
        var posix = audit.FindOrphans(null, null).Select(o => o.Key).Order(StringComparer.Ordinal).ToList();
        Assert.Equal([".lamindb/LAMIN.DB", ".lamindb/Storage_UID.txt", ".lamindb/junk.bin"], posix);
        using var _ = AsNtfs(_box.DefaultRoot);
        var ntfs = audit.FindOrphans(null, null).Select(o => o.Key).ToList();
        Assert.Equal([".lamindb/junk.bin"], ntfs);
    }

    [Fact]
    public void Relocation_into_an_NTFS_folder_refuses_keys_that_differ_only_in_case_before_copying()
    {
        var src = _box.Folder("src");
        var st = _box.Register(src);
        Add(File("cwd/a.csv", "upper"), "Data/x.csv", keyIsVirtual: false, storage: st.Uid);
        Add(File("cwd/b.csv", "lower"), "data/x.csv", keyIsVirtual: false, storage: st.Uid);
        var dest = Path.Combine(_box.Root, "dest");
        var relocation = new RelocationService(_box.As(Sandbox.Alice));
        Assert.Equal(2, relocation.Plan(st.Uid, dest).Objects); // a case-sensitive destination keeps them apart
        using var _ = AsNtfs(dest);
        var e = LaminAssert.Throws(ErrorIds.KeyCollision, () => relocation.Plan(st.Uid, dest));
        Assert.Contains("'Data/x.csv', 'data/x.csv'", e.Message);
        Assert.False(Directory.Exists(dest));
    }

    [Fact]
    public void Relocation_into_an_NTFS_folder_refuses_version_objects_that_differ_only_in_case()
    {
        var src = _box.Folder("src");
        var st = _box.Register(src);
        const string stem = "QrStUvWxYzAbCdEf";
        _box.As(Sandbox.Alice).Registry.Write(s =>
        {
            s.Artifacts.Insert(Row(st, stem + "000A", "v.txt", 1, false)); // as LaminDB numbers versions 11 and 37
            s.Artifacts.Insert(Row(st, stem + "000a", "v.txt", 2, true));
        });
        var dest = Path.Combine(_box.Root, "dest");
        using var _ = AsNtfs(dest);
        var e = LaminAssert.Throws(ErrorIds.KeyCollision, () => new RelocationService(_box.As(Sandbox.Alice)).Plan(st.Uid, dest));
        Assert.Contains($".lamindb/{stem}000A.txt", e.Message);
    }

    // ---------------------------------------------------------------- finding 7: keys NTFS can't store

    [Theory]
    [InlineData("run:01.csv")]
    [InlineData("CON.csv")]
    [InlineData("logs/nul.csv")]
    [InlineData("data./x.csv")]
    [InlineData("a/b /x.csv")]
    [InlineData("what?.csv")]
    public void A_real_key_NTFS_cannot_store_is_refused_before_anything_is_copied(string key)
    {
        var src = File("cwd/x.csv", "1");
        using var _ = AsNtfs(_box.DefaultRoot);
        var before = TempDir.Snapshot(_box.DefaultRoot);
        var e = LaminAssert.Throws(ErrorIds.KeyNotPortable, () => Add(src, key, keyIsVirtual: false));
        Assert.Contains(key.Split('/').First(x => FileSystemRules.Windows.CheckPortableSegment(x) is not null), e.Message);
        Assert.Equal(before, TempDir.Snapshot(_box.DefaultRoot));
        Assert.Empty(Artifacts.Get(new ArtifactQuery()));
    }

    [Fact]
    public void The_same_key_is_stored_on_a_Posix_location()
    {
        var a = Add(File("cwd/x.csv", "1"), "run:01.csv", keyIsVirtual: false);
        Assert.True(System.IO.File.Exists(Path.Combine(_box.DefaultRoot, "run:01.csv")));
        Assert.Equal("run:01.csv", a.Key);
    }

    [Fact]
    public void A_folder_with_a_member_NTFS_cannot_store_is_refused_and_nothing_lands_in_a_stream()
    {
        File("cwd/run/run:01.csv", "1");
        File("cwd/run/ok.csv", "2");
        using var _ = AsNtfs(_box.DefaultRoot);
        var before = TempDir.Snapshot(_box.DefaultRoot);
        var e = LaminAssert.Throws(ErrorIds.KeyNotPortable, () => Add(Path.Combine(_box.Cwd, "run")));
        Assert.Contains("alternate data stream", e.Message);
        Assert.Equal(before, TempDir.Snapshot(_box.DefaultRoot));
    }

    [Fact]
    public void A_folder_whose_members_differ_only_in_case_is_refused_on_NTFS()
    {
        File("cwd/f/A.csv", "1");
        File("cwd/f/a.csv", "2");
        using var _ = AsNtfs(_box.DefaultRoot);
        var before = TempDir.Snapshot(_box.DefaultRoot);
        LaminAssert.Throws(ErrorIds.KeyCollision, () => Add(Path.Combine(_box.Cwd, "f")));
        Assert.Equal(before, TempDir.Snapshot(_box.DefaultRoot));
    }

    [Fact]
    public void Saving_a_file_whose_name_NTFS_cannot_store_is_refused_and_writes_nothing()
    {
        var a = Add(File("cwd/x.csv", "1"), "x/run:01.csv", keyIsVirtual: false);
        var dest = _box.Folder("out");
        using var _ = AsNtfs(dest);
        LaminAssert.Throws(ErrorIds.KeyNotPortable, () => Artifacts.Save(a.Uid, dest + "/", force: false, null, CancellationToken.None));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dest));
    }

    [Fact]
    public void Saving_a_folder_with_a_member_NTFS_cannot_store_is_refused_and_writes_nothing()
    {
        File("cwd/run/run:01.csv", "1");
        File("cwd/run/ok.csv", "2");
        var a = Add(Path.Combine(_box.Cwd, "run"));
        var dest = _box.Folder("out");
        var saved = Artifacts.Save(a.Uid, Path.Combine(dest, "posix"), force: false, null, CancellationToken.None);
        Assert.True(System.IO.File.Exists(Path.Combine(saved, "run:01.csv"))); // Posix: stored as named
        using var _ = AsNtfs(dest);
        var before = TempDir.Snapshot(dest);
        var e = LaminAssert.Throws(ErrorIds.KeyNotPortable, () => Artifacts.Save(a.Uid, Path.Combine(dest, "ntfs"), force: false, null, CancellationToken.None));
        Assert.Contains("run:01.csv", e.Message);
        Assert.Equal(before, TempDir.Snapshot(dest));
    }

    [Fact]
    public void Moving_an_artifact_to_an_NTFS_location_refuses_a_key_it_cannot_store_before_copying()
    {
        var a = Add(File("cwd/x.csv", "1"), "data./x.csv", keyIsVirtual: false);
        var target = _box.Register(_box.Folder("ntfs"));
        using var _ = AsNtfs(target.Root);
        var before = TempDir.Snapshot(target.Root);
        var e = LaminAssert.Throws(ErrorIds.KeyNotPortable, () => Artifacts.Move(a.Uid, target.Uid, _ => { }, null, CancellationToken.None));
        Assert.Contains("trailing", e.Message.Replace("ends with a dot or a space", "trailing"));
        Assert.Equal(before, TempDir.Snapshot(target.Root));
        Assert.Equal(_box.DefaultRoot, Assert.Single(Artifacts.Get(new ArtifactQuery())).Storage);
    }

    [Fact]
    public void Relocation_into_an_NTFS_folder_refuses_a_device_name_key_before_copying()
    {
        var st = _box.Register(_box.Folder("src"));
        Add(File("cwd/x.txt", "1"), "COM1.txt", keyIsVirtual: false, storage: st.Uid);
        var dest = Path.Combine(_box.Root, "dest");
        using var _ = AsNtfs(dest);
        var e = LaminAssert.Throws(ErrorIds.KeyNotPortable, () => new RelocationService(_box.As(Sandbox.Alice)).Plan(st.Uid, dest));
        Assert.Contains("device name", e.Message);
        Assert.False(Directory.Exists(dest));
    }

    // ---------------------------------------------------------------- finding 2: folder replace and temporaries

    /// <summary>Real folder operations that refuse some renames as Windows does while an indexer holds a file (a sharing violation).</summary>
    private sealed class HeldFolderOperations(int moveInRefusals, int moveBackRefusals, int deleteRefusals = 0) : IFolderOperations
    {
        private int _moveIn = moveInRefusals, _moveBack = moveBackRefusals, _delete = deleteRefusals;
        public int Refused { get; private set; }
        private static IOException Sharing() => new("The process cannot access the file because it is being used by another process.", unchecked((int)0x80070020));

        public void Move(string from, string to)
        {
            bool back = from.EndsWith(LocalStorageProvider.AsideSuffix, StringComparison.Ordinal) && !to.Contains(LocalStorageProvider.TempPrefix);
            bool moveIn = !from.EndsWith(LocalStorageProvider.AsideSuffix, StringComparison.Ordinal) && from.Contains(LocalStorageProvider.TempPrefix);
            if (moveIn && _moveIn > 0) { _moveIn--; Refused++; throw Sharing(); }
            if (back && _moveBack > 0) { _moveBack--; Refused++; throw Sharing(); }
            FolderOperations.Instance.Move(from, to);
        }

        public void Delete(string path)
        {
            if (_delete > 0) { _delete--; Refused++; throw Sharing(); }
            FolderOperations.Instance.Delete(path);
        }
        public bool Exists(string path) => FolderOperations.Instance.Exists(path);
    }

    private (LaminArtifact V1, string Object) FolderVersion1()
    {
        File("cwd/f/a.txt", "v1");
        var v1 = Add(Path.Combine(_box.Cwd, "f"), "f");
        File("cwd/f/a.txt", "v2");
        return (v1, Path.Combine(_box.DefaultRoot, ".lamindb", v1.Stem));
    }

    [Fact]
    public void A_folder_replace_refused_for_good_puts_the_previous_version_back_and_leaves_no_orphan()
    {
        var (v1, obj) = FolderVersion1();
        var held = new HeldFolderOperations(moveInRefusals: int.MaxValue, moveBackRefusals: 2);
        using (LocalStorageProvider.UseFolderOperations(_box.DefaultRoot, held))
            Assert.Equal(ErrorIds.StorageIoError, Assert.Throws<LaminException>(() => Add(Path.Combine(_box.Cwd, "f"), "f")).ErrorId); // that item refused (SPEC §10 rule 15)
        Assert.True(held.Refused > 2); // the move-in was retried, and the move back too
        Assert.Equal("v1", System.IO.File.ReadAllText(Path.Combine(obj, "a.txt")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_box.DefaultRoot, ".lamindb"), LocalStorageProvider.TempPrefix + "*"));
        Assert.Empty(new AuditService(_box.As(Sandbox.Alice)).FindOrphans(null, null));
        Assert.Equal(v1.Uid, Assert.Single(Artifacts.Get(new ArtifactQuery())).Uid);
    }

    [Fact]
    public void A_folder_replace_refused_for_a_moment_is_retried_and_succeeds()
    {
        var (v1, obj) = FolderVersion1();
        var held = new HeldFolderOperations(moveInRefusals: 2, moveBackRefusals: 0);
        LaminArtifact v2;
        using (LocalStorageProvider.UseFolderOperations(_box.DefaultRoot, held))
            v2 = Add(Path.Combine(_box.Cwd, "f"), "f");
        Assert.Equal(2, held.Refused);
        Assert.Equal(v1.Stem, v2.Stem);
        Assert.Equal("v2", System.IO.File.ReadAllText(Path.Combine(obj, "a.txt")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_box.DefaultRoot, ".lamindb"), LocalStorageProvider.TempPrefix + "*"));
    }

    [Fact]
    public void Orphan_clearing_tells_a_live_writer_from_a_reused_pid_and_keeps_another_hosts_temporaries()
    {
        var me = Util.ProcessIdentity.Current();
        Assert.NotNull(me.StartTimeUtc);
        var managed = Path.Combine(_box.DefaultRoot, ".lamindb");
        var live = me.TemporaryName(LocalStorageProvider.TempPrefix);
        var reused = (me with { StartTimeUtc = me.StartTimeUtc!.Value.AddHours(-1) }).TemporaryName(LocalStorageProvider.TempPrefix);
        var remote = new Util.ProcessIdentity("another-host", 999_999, DateTime.UtcNow).TemporaryName(LocalStorageProvider.TempPrefix);
        var probe = me.TemporaryName(FileSystemProbe.TempPrefix + "case-"); // LocationRules probing this folder right now
        foreach (var name in new[] { live, reused, remote, probe }) System.IO.File.WriteAllText(Path.Combine(managed, name), name);
        var orphans = new AuditService(_box.As(Sandbox.Alice)).FindOrphans(null, null);
        var only = Assert.Single(orphans); // this pid runs, but it is a later process than the one that wrote it
        Assert.Equal(".lamindb/" + reused, only.Key);
        Assert.Contains("interrupted", only.Reason);
    }

    [Fact]
    public void A_writer_names_its_temporary_by_host_process_and_start_time()
    {
        using var w = LocalStorageProvider.Instance.CreateWriter(new StorageRoot(_box.DefaultRoot, "local", null, null, null), folder: true, null, CancellationToken.None);
        var temp = Path.GetFileName(Assert.Single(Directory.EnumerateDirectories(Path.Combine(_box.DefaultRoot, ".lamindb"), LocalStorageProvider.TempPrefix + "*")));
        var writer = Util.ProcessIdentity.FromTemporaryName(temp, LocalStorageProvider.TempPrefix);
        Assert.NotNull(writer);
        Assert.Equal((Environment.MachineName, Environment.ProcessId), (writer.Host, writer.Pid));
        Assert.Equal(Util.ProcessState.Alive, writer.Check());
        Assert.NotNull(writer.StartTimeUtc);
    }

    // ---------------------------------------------------------------- finding 4: leases

    /// <summary>A process table that answers one thing for every pid (access denied on Windows: Unknown).</summary>
    private sealed class Table(Util.ProcessProbe answer) : Util.IProcessTable
    {
        public Util.ProcessProbe Probe(int pid) => answer;
    }

    private StorageRoot DefaultRootRecord => new(_box.DefaultRoot, "local", null, null, null);

    private void WriteLease(Lease.Holder h) =>
        System.IO.File.WriteAllBytes(Path.Combine(_box.DefaultRoot, Lease.RelativeKey), System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(h));

    [Fact]
    public void A_lease_of_a_reused_pid_is_taken_over_and_one_of_the_running_holder_is_not()
    {
        var me = Util.ProcessIdentity.Current();
        var now = DateTime.UtcNow;
        var earlier = new Lease.Holder("bob", me.Host, me.Pid, now, now + Lease.Duration, "Move-LaminStorage", "t1", me.StartTimeUtc!.Value.AddHours(-1));
        WriteLease(earlier);
        using (var taken = Lease.Acquire(DefaultRootRecord, Sandbox.Alice, "Clear-LaminStorage"))
            Assert.Equal(me.StartTimeUtc, Lease.Read(DefaultRootRecord)!.Start);
        WriteLease(earlier with { Start = me.StartTimeUtc });
        var e = LaminAssert.Throws(ErrorIds.StorageLeased, () => Lease.Acquire(DefaultRootRecord, Sandbox.Alice, "Clear-LaminStorage"));
        Assert.Contains("bob", e.Message);
    }

    [Fact]
    public void A_holder_that_cannot_be_inspected_or_runs_elsewhere_counts_as_alive_until_three_renewal_intervals_pass()
    {
        var renewed = new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);
        var h = new Lease.Holder("bob", "here", 4242, renewed, renewed + Lease.Duration, "op", "t", renewed.AddDays(-1));
        var denied = new Table(new Util.ProcessProbe(Util.ProcessState.Unknown, null)); // Windows: another user's process
        Assert.False(Lease.IsStale(h, renewed + Lease.RenewalInterval * 2, denied, "here"));
        Assert.True(Lease.IsStale(h, renewed + Lease.RenewalInterval * 3 + TimeSpan.FromSeconds(1), denied, "here"));
        var gone = new Table(new Util.ProcessProbe(Util.ProcessState.Gone, null));
        Assert.True(Lease.IsStale(h, renewed + TimeSpan.FromMinutes(1), gone, "here"));
        Assert.False(Lease.IsStale(h, renewed + TimeSpan.FromMinutes(1), gone, "elsewhere")); // another host: its pid means nothing here
        var reused = new Table(new Util.ProcessProbe(Util.ProcessState.Alive, renewed));
        Assert.True(Lease.IsStale(h, renewed + TimeSpan.FromMinutes(1), reused, "here"));
    }

    [Fact]
    public void A_lease_written_by_an_older_version_without_a_start_time_is_still_read()
    {
        var now = DateTime.UtcNow;
        System.IO.File.WriteAllText(Path.Combine(_box.DefaultRoot, Lease.RelativeKey),
            $$"""{"User":"bob","Host":"elsewhere","Pid":1,"Since":"{{now:O}}","Until":"{{now.AddMinutes(10):O}}","Operation":"op","Token":"t"}""");
        var h = Lease.Read(DefaultRootRecord);
        Assert.NotNull(h);
        Assert.Null(h.Start);
        LaminAssert.Throws(ErrorIds.StorageLeased, () => Lease.Acquire(DefaultRootRecord, Sandbox.Alice, "op"));
    }

    // ---------------------------------------------------------------- finding 5: sharing

    [Fact]
    public void A_delete_refused_for_a_moment_is_retried()
    {
        var a = Add(File("cwd/x.txt", "x"));
        var obj = Path.Combine(_box.DefaultRoot, ".lamindb", a.Uid + ".txt");
        var held = new HeldFolderOperations(0, 0, deleteRefusals: 2);
        using (LocalStorageProvider.UseFolderOperations(_box.DefaultRoot, held))
            Artifacts.Remove(a.Uid, permanent: true, deleteFile: false);
        Assert.Equal(2, held.Refused);
        Assert.False(System.IO.File.Exists(obj));
    }

    [Fact]
    public void A_delete_refused_for_good_after_the_commit_says_the_record_is_gone_not_that_nothing_changed()
    {
        var a = Add(File("cwd/x.txt", "x"));
        var obj = Path.Combine(_box.DefaultRoot, ".lamindb", a.Uid + ".txt");
        using (LocalStorageProvider.UseFolderOperations(_box.DefaultRoot, new HeldFolderOperations(0, 0, deleteRefusals: int.MaxValue)))
        {
            var e = LaminAssert.Throws(ErrorIds.StorageIoError, () => Artifacts.Remove(a.Uid, permanent: true, deleteFile: false));
            Assert.Contains("was removed from the registry", e.Message);
            Assert.Contains(obj, e.Message);
        }
        Assert.Empty(Artifacts.Get(new ArtifactQuery()));
        Assert.True(System.IO.File.Exists(obj)); // found again as an orphan, not lost silently
        Assert.Equal(".lamindb/" + a.Uid + ".txt", Assert.Single(new AuditService(_box.As(Sandbox.Alice)).FindOrphans(null, null)).Key);
    }

    [Fact]
    public void A_moved_artifacts_source_that_cannot_be_deleted_is_a_warning_after_the_switch()
    {
        var a = Add(File("cwd/x.txt", "x"));
        var target = _box.Register(_box.Folder("other"));
        var warnings = new List<string>();
        LaminArtifact moved;
        using (LocalStorageProvider.UseFolderOperations(_box.DefaultRoot, new HeldFolderOperations(0, 0, deleteRefusals: int.MaxValue)))
            moved = Artifacts.Move(a.Uid, target.Uid, warnings.Add, null, CancellationToken.None);
        Assert.Equal(target.Root, moved.Storage);
        Assert.Contains(warnings, w => w.Contains("could not be deleted"));
        Assert.True(System.IO.File.Exists(Path.Combine(target.Root, ".lamindb", a.Uid + ".txt")));
    }

    [Fact]
    public void Read_only_files_are_made_deletable_on_Windows_only()
    {
        var f = File("ro/sub/x.txt", "x");
        System.IO.File.SetAttributes(f, FileAttributes.ReadOnly);
        SharingRules.ClearReadOnly(Path.Combine(_box.Root, "ro"), isWindows: false);
        Assert.True(System.IO.File.GetAttributes(f).HasFlag(FileAttributes.ReadOnly));
        SharingRules.ClearReadOnly(Path.Combine(_box.Root, "ro"), isWindows: true);
        Assert.False(System.IO.File.GetAttributes(f).HasFlag(FileAttributes.ReadOnly));
    }
}

/// <summary>Findings 8 and 9 (SPEC §11): user handles with their domain, instance names that are Windows devices.</summary>
[Trait("Platform", "Windows")]
public sealed class WindowsIdentityTests : IDisposable
{
    private readonly Sandbox _box = new(withInstance: false);

    public void Dispose() => _box.Dispose();

    [Theory]
    [InlineData("aux")]
    [InlineData("NUL")]
    [InlineData("com1")]
    [InlineData("con.db")]
    [InlineData("lpt9")]
    [InlineData("lab.")]
    public void Instance_names_Windows_opens_as_a_device_or_trims_are_refused_on_every_OS(string name)
    {
        var svc = new InstanceService(_box.As(Sandbox.Alice));
        var e = LaminAssert.Throws(ErrorIds.InvalidInstanceName, () => svc.Create(svc.Plan(name, _box.Folder("lab"), null), _ => { }));
        Assert.Contains(name, e.Message);
        Assert.False(Directory.Exists(Path.Combine(_box.HomeDir, "instances")) && Directory.EnumerateFileSystemEntries(Path.Combine(_box.HomeDir, "instances")).Any());
        Assert.Empty(Directory.EnumerateFileSystemEntries(_box.Folder("lab")));
    }

    [Fact]
    public void A_local_account_with_the_same_name_is_not_the_domain_user_who_created_the_instance()
    {
        const string domainAdmin = "CORP\\Administrator";
        var svc = new InstanceService(_box.As(domainAdmin));
        svc.Create(svc.Plan("lab", _box.Folder("lab"), null), _ => { });
        Assert.Equal(domainAdmin, Util.UserHandles.FromOs("Administrator", "CORP", isWindows: true));
        LaminAssert.Throws(ErrorIds.AccessDenied, () => new InstanceService(_box.As("Administrator")).Remove("lab"));
        LaminAssert.Throws(ErrorIds.AccessDenied, () => new InstanceService(_box.As("OTHERPC\\Administrator")).Remove("lab"));
        new InstanceService(_box.As("corp\\administrator")).Remove("lab"); // Windows compares account names without case
        Assert.Null(_box.Home.Find("lab"));
    }
}

/// <summary>Finding 6 (SPEC §11): StorageRoot.Parse, the one entry of every typed root, reads local roots with the Windows path rules.</summary>
[Trait("Platform", "Windows")]
public sealed class WindowsRootParsingTests
{
    private static FakeWindowsPathSystem Disk()
    {
        var fake = new FakeWindowsPathSystem();
        fake.Existing.AddRange([@"C:\Program Files\Lab", @"D:\Work", @"\\nas\share\Lab"]);
        fake.ShortNames["PROGRA~1"] = "Program Files";
        fake.MappedDrives['Z'] = @"\\nas\share";
        fake.DriveCurrentDirectories['D'] = @"D:\Work";
        return fake;
    }

    [Theory]
    [InlineData(@"c:\program files\lab", @"C:\Program Files\Lab")]
    [InlineData(@"C:\PROGRA~1\Lab", @"C:\Program Files\Lab")]
    [InlineData(@"\\?\C:\Program Files\Lab\", @"C:\Program Files\Lab")]
    [InlineData(@"C:\Program Files\Lab.", @"C:\Program Files\Lab")]
    [InlineData(@"Z:\lab", @"\\nas\share\Lab")]
    [InlineData(@"\\NAS\share\lab", @"\\nas\share\Lab")]
    [InlineData("file:///C:/Program%20Files/Lab", @"C:\Program Files\Lab")]
    [InlineData("file://nas/share/Lab", @"\\nas\share\Lab")]
    [InlineData(@"D:new", @"D:\Work\new")]
    [InlineData(@"\lab", @"C:\lab")]
    public void Every_spelling_of_one_folder_is_one_root(string typed, string canonical)
    {
        var root = StorageRoot.Parse(typed, @"C:\Users\alice", Disk());
        Assert.Equal(("local", canonical), (root.Type, root.Root));
    }

    [Fact]
    public void A_whole_drive_root_keeps_its_separator_and_gives_keys_without_a_lost_character()
    {
        var root = StorageRoot.Parse("E:", @"E:\", new FakeWindowsPathSystem());
        Assert.Equal(@"E:\", root.Root);
        Assert.Equal("data/x.csv", FileSystemRules.Windows.RelativeKey(@"E:\data\x.csv", root.Root));
    }

    [UnixFact] // the Posix reading; Windows reads them as above
    public void On_Linux_a_file_URI_is_decoded_and_one_naming_another_host_or_no_folder_is_refused()
    {
        Assert.Equal("/data/lab x", StorageRoot.Parse("file:///data/lab%20x", "/").Root);
        LaminAssert.Throws(ErrorIds.InvalidRoot, () => StorageRoot.Parse("file://nas/share", "/"));
        LaminAssert.Throws(ErrorIds.InvalidRoot, () => StorageRoot.Parse("file://", "/"));
    }
}

/// <summary>
/// Finding 3 (SPEC §11): folders are walked with every reparse point visible and only links skipped. A
/// deduplicated or tiered file can't be made on Linux; these check that links are still neither listed nor
/// followed now that the walk no longer skips every reparse point (the predicate itself is unit-tested).
/// </summary>
public sealed class ReparsePointWalkTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    [UnixFact]
    public void Links_to_files_and_folders_are_neither_listed_nor_followed_and_hidden_files_are_listed()
    {
        var root = _temp.Sub("r", create: true);
        var outside = _temp.Sub("outside", create: true);
        System.IO.File.WriteAllText(Path.Combine(outside, "secret.txt"), "s");
        Directory.CreateDirectory(Path.Combine(root, "f", "sub"));
        System.IO.File.WriteAllText(Path.Combine(root, "f", "sub", "a.txt"), "a");
        System.IO.File.WriteAllText(Path.Combine(root, "f", ".hidden"), "h");
        Directory.CreateSymbolicLink(Path.Combine(root, "f", "dirlink"), outside);
        System.IO.File.CreateSymbolicLink(Path.Combine(root, "f", "filelink.txt"), Path.Combine(outside, "secret.txt"));
        var st = new StorageRoot(root, "local", null, null, null);
        var listed = LocalStorageProvider.Instance.List(st, "f").Select(o => o.Key).ToList();
        Assert.Equal(["f/.hidden", "f/sub/a.txt"], listed);
        Assert.Equal(2, LocalStorageProvider.Instance.Stat(st, "f")!.Files);
        Assert.Equal([".hidden", "a.txt"], LocalStorageProvider.FilesBelow(Path.Combine(root, "f")).Select(f => f.Name).Order(StringComparer.Ordinal));
    }
}
