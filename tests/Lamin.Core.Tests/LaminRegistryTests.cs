using Lamin.Core.Errors;
using Lamin.Core.Model;
using Lamin.Core.Registry;
using Lamin.Core.Services;
using Lamin.Core.Util;
using LiteDB;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>Tests that change process-wide environment variables run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "Environment variables";
}

public class LaminRegistryTests : IDisposable
{
    private readonly TempDir _temp = new("lamin-registry");

    public void Dispose() => _temp.Dispose();

    private string NewPath() => Path.Combine(_temp.Sub(Guid.NewGuid().ToString("N")[..8]), LaminRegistry.FileName);

    internal static LaminRegistry NewRegistry(string path, int storages = 0)
    {
        var id = Guid.NewGuid();
        var registry = LaminRegistry.Create(path,
            new InstanceDocument { InstanceId = id, Name = "test", Uid = Uids.InstanceUid(id), CreatedBy = "alice", CreatedAt = Clock.UtcNow },
            SpaceService.NewAllSpace("alice"));
        if (storages > 0)
            registry.Write(s =>
            {
                for (int i = 0; i < storages; i++)
                    s.Storages.Insert(Storage($"/data/location-{i:D5}", $"description {i} " + new string('d', 200)));
            });
        return registry;
    }

    private static LaminStorage Storage(string root, string? description = null) => new()
    {
        Uid = Uids.NewStorageUid(), Root = root, Description = description, Type = "local",
        CreatedAt = Clock.UtcNow, UpdatedAt = Clock.UtcNow, CreatedBy = "alice",
    };

    private static List<LaminStorage> ReadAll(LaminRegistry r) => r.Read(s => s.Storages.FindAll().ToList());

    // ---------------------------------------------------------------- retired by Copy-LaminInstance

    [Fact]
    public void A_registry_moved_to_a_team_instance_stays_readable_and_refuses_every_write_with_InstanceMoved()
    {
        var path = NewPath();
        var registry = NewRegistry(path, storages: 2);
        registry.Write(s =>
        {
            var d = s.InstanceDocument;
            d.MovedTo = "postgresql://alice@db.example:5432/lamin";
            s.Instance.Update(d);
        });
        var e = LaminAssert.Throws(ErrorIds.InstanceMoved, () => registry.Write(s => { s.Storages.Insert(Storage("/data/late")); }));
        Assert.Contains("postgresql://alice@db.example:5432/lamin", e.Message);
        IRegistry viaInterface = registry;
        LaminAssert.Throws(ErrorIds.InstanceMoved, () => viaInterface.Write(s => { s.Storages.Delete(1); }));
        Assert.Equal(2, ReadAll(registry).Count);
    }

    // ---------------------------------------------------------------- round trip

    [Fact]
    public void Create_then_write_and_read_round_trips()
    {
        var path = NewPath();
        var registry = NewRegistry(path);
        var created = new DateTime(2024, 5, 6, 7, 8, 9, 123, DateTimeKind.Utc);
        var record = Storage("/data/x", "first");
        record.CreatedAt = created;
        record.Host = "laptop";
        registry.Write(s => { s.Storages.Insert(record); });
        var back = Assert.Single(ReadAll(new LaminRegistry(path)));
        Assert.Equal(record.Uid, back.Uid);
        Assert.Equal("/data/x", back.Root);
        Assert.Equal("first", back.Description);
        Assert.Equal("laptop", back.Host);
        Assert.Null(back.Region);
        Assert.Equal(created, back.CreatedAt);
        Assert.Equal(DateTimeKind.Utc, back.CreatedAt.Kind);
        Assert.True(back.Id > 0);
    }

    [Fact]
    public void A_new_registry_holds_the_instance_document_and_the_all_space()
    {
        var registry = NewRegistry(NewPath());
        var (doc, spaces) = registry.Read(s => (s.InstanceDocument, s.Spaces.FindAll().ToList()));
        Assert.Equal("test", doc.Name);
        Assert.Equal(Uids.InstanceUid(doc.InstanceId), doc.Uid);
        var all = Assert.Single(spaces);
        Assert.Equal(1, all.Id);
        Assert.Equal("all", all.Name);
    }

    [Fact]
    public void Create_refuses_an_existing_file_and_leaves_it_alone()
    {
        var path = NewPath();
        NewRegistry(path, storages: 1);
        var before = File.ReadAllBytes(path);
        LaminAssert.Throws(ErrorIds.InstanceExists, () => NewRegistry(path));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(ReadAll(new LaminRegistry(path)));
    }

    [UnixFact, System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_registry_file_is_private_to_its_owner()
    {
        var path = NewPath();
        NewRegistry(path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Root_and_host_are_unique_together_and_uids_are_unique()
    {
        var registry = NewRegistry(NewPath());
        registry.Write(s =>
        {
            s.Storages.Insert(Storage("/data/x"));
            var other = Storage("/data/x");
            other.Host = "h2";
            s.Storages.Insert(other);
        });
        var dupRoot = Assert.Throws<LiteException>(() => registry.Write(s => { s.Storages.Insert(Storage("/data/x")); }));
        Assert.Equal(LiteException.INDEX_DUPLICATE_KEY, dupRoot.ErrorCode);
        var uid = ReadAll(registry)[0].Uid;
        Assert.Throws<LiteException>(() => registry.Write(s => { var r = Storage("/data/y"); r.Uid = uid; s.Storages.Insert(r); }));
        Assert.Equal(2, ReadAll(registry).Count);
    }

    // ---------------------------------------------------------------- transactions

    [Fact]
    public void A_failing_write_transaction_leaves_no_partial_change()
    {
        var path = NewPath();
        var registry = NewRegistry(path, storages: 2);
        var before = ReadAll(registry).Select(r => (r.Uid, r.Description)).ToList();
        Assert.Throws<InvalidOperationException>(() => registry.Write(s =>
        {
            s.Storages.Insert(Storage("/data/new-1"));
            var first = s.Storages.FindAll().First();
            first.Description = "changed";
            s.Storages.Update(first);
            s.Storages.Insert(Storage("/data/new-2"));
            throw new InvalidOperationException("boom");
        }));
        Assert.Equal(before, ReadAll(new LaminRegistry(path)).Select(r => (r.Uid, r.Description)).ToList());
    }

    [Fact]
    public void A_refusal_in_the_middle_of_a_write_rolls_back_too()
    {
        var registry = NewRegistry(NewPath());
        LaminAssert.Throws(ErrorIds.RecordLocked, () => registry.Write(s =>
        {
            s.Storages.Insert(Storage("/data/a"));
            throw new LaminException(ErrorIds.RecordLocked, "locked");
        }));
        Assert.Empty(ReadAll(registry));
    }

    [Fact]
    public void A_unique_index_violation_rolls_back_the_whole_transaction()
    {
        var registry = NewRegistry(NewPath(), storages: 1);
        var existing = ReadAll(registry)[0].Root;
        Assert.Throws<LiteException>(() => registry.Write(s =>
        {
            s.Storages.Insert(Storage("/data/fresh"));
            s.Storages.Insert(Storage(existing));
        }));
        Assert.Equal([existing], ReadAll(registry).Select(r => r.Root));
    }

    [Fact]
    public void Sessions_do_not_nest()
    {
        var registry = NewRegistry(NewPath());
        var e = Assert.Throws<InvalidOperationException>(() => registry.Read(_ => registry.Read(_ => 0)));
        Assert.Contains("inside another", e.Message);
        Assert.Empty(ReadAll(registry)); // and the registry is usable afterwards
    }

    // ---------------------------------------------------------------- missing

    [Fact]
    public void A_missing_registry_is_RegistryNotFound_and_no_registry_file_is_created()
    {
        var dir = _temp.Sub("empty", create: true);
        var path = Path.Combine(dir, LaminRegistry.FileName);
        var e = LaminAssert.Throws(ErrorIds.RegistryNotFound, () => ReadAll(new LaminRegistry(path)));
        Assert.Contains(path, e.Message);
        Assert.False(File.Exists(path));
        LaminAssert.Throws(ErrorIds.RegistryNotFound, () => new LaminRegistry(path).Write(s => { s.Storages.Insert(Storage("/x")); }));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void A_missing_registry_leaves_its_folder_exactly_as_it_was()
    {
        var dir = _temp.Sub("empty", create: true);
        var path = Path.Combine(dir, LaminRegistry.FileName);
        Assert.Throws<LaminException>(() => ReadAll(new LaminRegistry(path)));
        Assert.Equal(Array.Empty<string>(), Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).ToArray());
    }

    [Fact]
    public void A_registry_whose_folder_is_gone_is_RegistryNotFound()
    {
        var path = Path.Combine(_temp.Path, "moved-away", ".lamindb", LaminRegistry.FileName);
        var e = LaminAssert.Throws(ErrorIds.RegistryNotFound, () => ReadAll(new LaminRegistry(path)));
        Assert.Contains(path, e.Message);
        Assert.False(Directory.Exists(Path.Combine(_temp.Path, "moved-away")));
    }

    // ---------------------------------------------------------------- damaged

    private static void AssertCorruptAndUnchanged(string path, bool alsoWrite = true)
    {
        var before = File.ReadAllBytes(path);
        var dirBefore = Directory.EnumerateFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName).Where(n => n != "lamin.db.lock").Order().ToList();
        var e = LaminAssert.Throws(ErrorIds.RegistryCorrupt, () => ReadAll(new LaminRegistry(path)));
        Assert.Contains(path, e.Message);
        Assert.Equal(LaminErrorCategory.InvalidData, e.Category);
        Assert.Equal(before, File.ReadAllBytes(path));
        if (!alsoWrite) return;
        // A write is refused the same way and changes nothing either.
        LaminAssert.Throws(ErrorIds.RegistryCorrupt, () => new LaminRegistry(path).Write(s => { s.Storages.Insert(Storage("/data/new")); }));
        Assert.Equal(before, File.ReadAllBytes(path));
        var dirAfter = Directory.EnumerateFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName).Where(n => n != "lamin.db.lock").Order().ToList();
        Assert.Equal(dirBefore, dirAfter); // no -log or -tmp file, no backup left behind
    }

    [Fact]
    public void A_zero_byte_file_is_RegistryCorrupt_and_stays_zero_bytes()
    {
        var path = NewPath();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, []);
        AssertCorruptAndUnchanged(path);
        Assert.Equal(0, new FileInfo(path).Length);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(8192)]
    [InlineData(40_000)]
    public void A_file_of_random_bytes_is_RegistryCorrupt(int size)
    {
        var path = NewPath();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        AssertCorruptAndUnchanged(path);
    }

    [Fact]
    public void A_file_that_is_not_a_registry_is_RegistryCorrupt()
    {
        var path = NewPath();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "this is a text file\n" + new string('x', 8192 * 2 - 20));
        AssertCorruptAndUnchanged(path);
    }

    [Fact]
    public void A_file_truncated_inside_a_page_is_RegistryCorrupt()
    {
        var path = NewPath();
        NewRegistry(path, storages: 50);
        var length = new FileInfo(path).Length;
        using (var fs = new FileStream(path, FileMode.Open)) fs.SetLength(length / 2 + 1000);
        AssertCorruptAndUnchanged(path);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_file_truncated_at_a_page_boundary_is_RegistryCorrupt(int pagesKept)
    {
        var path = NewPath();
        NewRegistry(path, storages: 200);
        var length = new FileInfo(path).Length;
        Assert.True(length > pagesKept * 8192L * 2, $"registry too small for the test: {length}");
        using (var fs = new FileStream(path, FileMode.Open)) fs.SetLength(pagesKept * 8192L);
        AssertCorruptAndUnchanged(path);
    }

    private string DamagedInTheMiddle(int seed)
    {
        var path = NewPath();
        NewRegistry(path, storages: 300);
        var length = new FileInfo(path).Length;
        var junk = new byte[4096];
        new Random(seed).NextBytes(junk);
        using (var fs = new FileStream(path, FileMode.Open))
        {
            // Across the boundary of two 8 KiB LiteDB pages in the middle: the end of one page's data and
            // the next page's header, whatever the layout (how many indexes the registry has).
            const int page = 8192;
            fs.Position = Math.Max(page, length / 2 / page * page) - 2048;
            fs.Write(junk);
        }
        return path;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void A_file_with_a_few_KB_of_random_bytes_in_the_middle_is_RegistryCorrupt(int seed) =>
        AssertCorruptAndUnchanged(DamagedInTheMiddle(seed), alsoWrite: false);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_write_to_a_registry_already_reported_damaged_is_refused_and_changes_nothing(int seed)
    {
        // The first access reported the damage (a read, where the damage lies on its pages; else the write's
        // own page check: where the junk lands depends on the file's layout, e.g. how many indexes it has);
        // a later New-/Set-LaminStorage must not go on writing into the same file.
        var path = DamagedInTheMiddle(seed);
        var original = File.ReadAllBytes(path);
        if (Record.Exception(() => ReadAll(new LaminRegistry(path))) is { } readError)
            Assert.Equal(ErrorIds.RegistryCorrupt, Assert.IsType<LaminException>(readError).ErrorId);
        else
            LaminAssert.Throws(ErrorIds.RegistryCorrupt, () => new LaminRegistry(path).Write(s => { s.Storages.Insert(Storage("/data/first")); }));
        var before = File.ReadAllBytes(path);
        Assert.Equal(original, before);
        LaminAssert.Throws(ErrorIds.RegistryCorrupt, () => new LaminRegistry(path).Write(s => { s.Storages.Insert(Storage("/data/new")); }));
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void The_header_check_refuses_a_LiteDB_file_of_another_version()
    {
        var path = NewPath();
        NewRegistry(path);
        var bytes = File.ReadAllBytes(path);
        bytes[59] = 7; // the file-format byte after "** This is a LiteDB file **"
        File.WriteAllBytes(path, bytes);
        var e = LaminAssert.Throws(ErrorIds.RegistryCorrupt, () => LaminRegistry.Validate(path));
        Assert.Contains("LiteDB 5", e.Message);
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }
}

[Collection(EnvironmentCollection.Name)]
public class LaminRegistryLockTests : IDisposable
{
    private readonly TempDir _temp = new("lamin-lock");

    public void Dispose() => _temp.Dispose();

    private static T WithTimeout<T>(string seconds, Func<T> action)
    {
        var old = Environment.GetEnvironmentVariable("LAMIN_REGISTRY_TIMEOUT");
        Environment.SetEnvironmentVariable("LAMIN_REGISTRY_TIMEOUT", seconds);
        try { return action(); }
        finally { Environment.SetEnvironmentVariable("LAMIN_REGISTRY_TIMEOUT", old); }
    }

    [Fact]
    public void A_registry_held_by_another_holder_is_RegistryBusy_and_unchanged()
    {
        var path = Path.Combine(_temp.Path, LaminRegistry.FileName);
        var registry = LaminRegistryTests.NewRegistry(path, storages: 3);
        var before = File.ReadAllBytes(path);
        LaminException e;
        using (new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            e = WithTimeout("0.2", () => Assert.Throws<LaminException>(() => registry.Write(s => { s.Storages.DeleteAll(); })));
            Assert.Equal(ErrorIds.RegistryBusy, e.ErrorId);
            Assert.Equal(ErrorIds.RegistryBusy, WithTimeout("0.2", () => Assert.Throws<LaminException>(() => registry.Read(s => s.Storages.Count()))).ErrorId);
        }
        Assert.Contains(path, e.Message);
        Assert.Contains("LAMIN_REGISTRY_TIMEOUT", e.Message);
        Assert.Equal(LaminErrorCategory.ResourceBusy, e.Category);
        Assert.Equal(before, File.ReadAllBytes(path));
        // Released: the registry works again, with all its records.
        Assert.Equal(3, registry.Read(s => s.Storages.Count()));
    }

    [Fact]
    public void A_zero_timeout_fails_at_once_while_held()
    {
        var path = Path.Combine(_temp.Path, LaminRegistry.FileName);
        var registry = LaminRegistryTests.NewRegistry(path);
        using (new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
            Assert.Equal(ErrorIds.RegistryBusy, WithTimeout("0", () => Assert.Throws<LaminException>(() => registry.Read(s => s.Storages.Count()))).ErrorId);
        Assert.Equal(0, WithTimeout("0", () => registry.Read(s => s.Storages.Count())));
    }

    [Fact]
    public void The_timeout_comes_from_LAMIN_REGISTRY_TIMEOUT_and_defaults_to_60_seconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(0.2), WithTimeout("0.2", () => RegistryLock.DefaultTimeout));
        Assert.Equal(TimeSpan.FromSeconds(60), WithTimeout("not a number", () => RegistryLock.DefaultTimeout));
        Assert.Equal(TimeSpan.FromSeconds(60), WithTimeout("-1", () => RegistryLock.DefaultTimeout));
        Assert.Equal(TimeSpan.FromSeconds(60), WithTimeout(null!, () => RegistryLock.DefaultTimeout));
    }

    [Fact]
    public void Registering_while_the_registry_is_busy_writes_nothing()
    {
        using var sb = new Sandbox();
        var root = sb.Folder("busy", create: false);
        var plan = sb.Storages().Plan(root, null, null, null);
        var before = TempDir.Snapshot(sb.Root);
        using (new FileStream(sb.RegistryPath + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            WithTimeout("0.2", () => LaminAssert.Throws(ErrorIds.RegistryBusy, () => sb.Storages().Create(plan, sb.Warnings.Add)));
            WithTimeout("0.2", () => LaminAssert.Throws(ErrorIds.RegistryBusy, () => sb.Storages().Plan(root, null, null, null)));
        }
        Assert.Equal(before, TempDir.Snapshot(sb.Root));
        Assert.False(Directory.Exists(root));
        Assert.Single(sb.All());
    }
}
