using Lamin.Core.Errors;
using Lamin.Core.Model;
using Lamin.Core.Registry;
using Lamin.Core.Util;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// The registry's integrity check at any size (issue 15): every page a session reads is checked, and a
/// write reads the whole file only when the file is not as the last verified session left it. These tests
/// count whole-file checks (a process-wide counter), so they run alone.
/// </summary>
[Collection(EnvironmentCollection.Name)]
public class RegistryIntegrityTests : IDisposable
{
    private const int Page = 8192;
    private readonly TempDir _temp = new("lamin-integrity");

    public void Dispose() => _temp.Dispose();

    private string NewPath() => Path.Combine(_temp.Sub(Guid.NewGuid().ToString("N")[..8]), LaminRegistry.FileName);

    private static LaminStorage Storage(string root) => new()
    {
        Uid = Uids.NewStorageUid(), Root = root, Description = new string('d', 300), Type = "local",
        CreatedAt = Clock.UtcNow, UpdatedAt = Clock.UtcNow, CreatedBy = "alice",
    };

    private static void Insert(LaminRegistry r, string root) => r.Write(s => { s.Storages.Insert(Storage(root)); });

    private static List<LaminStorage> ReadAll(LaminRegistry r) => r.Read(s => s.Storages.FindAll().ToList());

    /// <summary>Changes bytes of the file as a disk error would: the write time stays what it was.</summary>
    private static void DamageKeepingTheWriteTime(string path, long offset, byte[] bytes)
    {
        var written = File.GetLastWriteTimeUtc(path);
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            fs.Position = offset;
            fs.Write(bytes);
        }
        File.SetLastWriteTimeUtc(path, written);
    }

    /// <summary>The last page of the file whose type byte says "data" (4).</summary>
    private static long LastDataPage(string path)
    {
        var bytes = File.ReadAllBytes(path);
        for (long p = bytes.Length / Page - 1; p > 0; p--)
            if (bytes[p * Page + 4] == 4) return p;
        throw new InvalidOperationException("no data page");
    }

    [Fact]
    public void A_write_after_a_verified_write_does_not_read_the_whole_file()
    {
        var path = NewPath();
        var registry = LaminRegistryTests.NewRegistry(path, storages: 20);
        var before = LaminRegistry.WholeFileChecks;
        for (int i = 0; i < 5; i++) Insert(registry, $"/data/more-{i}");
        Assert.Equal(before, LaminRegistry.WholeFileChecks);
        Assert.Equal(25, ReadAll(registry).Count);
    }

    [Fact]
    public void A_registry_written_by_another_program_is_read_whole_before_the_next_write_and_only_then()
    {
        var path = NewPath();
        var registry = LaminRegistryTests.NewRegistry(path, storages: 20);
        // Another program rewrites the file (same bytes, a new write time): the stamp no longer vouches for it.
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes);
        File.SetLastWriteTimeUtc(path, File.GetLastWriteTimeUtc(path).AddSeconds(1));
        var before = LaminRegistry.WholeFileChecks;
        Insert(registry, "/data/after-the-other-program");
        Assert.Equal(before + 1, LaminRegistry.WholeFileChecks);
        Insert(registry, "/data/next");
        Assert.Equal(before + 1, LaminRegistry.WholeFileChecks);
    }

    [Fact]
    public void A_lock_file_without_a_stamp_means_the_whole_file_is_read_before_a_write()
    {
        var path = NewPath();
        var registry = LaminRegistryTests.NewRegistry(path, storages: 5);
        File.WriteAllBytes(path + ".lock", []); // a registry last written by an older Lamin
        var before = LaminRegistry.WholeFileChecks;
        Insert(registry, "/data/x");
        Assert.Equal(before + 1, LaminRegistry.WholeFileChecks);
    }

    [Fact]
    public void A_page_that_does_not_carry_its_own_id_is_RegistryCorrupt_on_the_read_that_touches_it_even_when_the_file_looks_unchanged()
    {
        // LiteDB itself does not check a page's id when it reads it; written back, such a page would land
        // on another page's position. The write time is kept, so only the check on the way in can see it.
        var path = NewPath();
        var registry = LaminRegistryTests.NewRegistry(path, storages: 100);
        var page = LastDataPage(path);
        DamageKeepingTheWriteTime(path, page * Page, BitConverter.GetBytes((uint)(page + 7)));
        var damaged = File.ReadAllBytes(path);
        var lockBefore = File.ReadAllBytes(path + ".lock");

        var e = LaminAssert.Throws(ErrorIds.RegistryCorrupt, () => ReadAll(registry));
        Assert.Contains($"page {page}", e.Message);
        Assert.Equal(damaged, File.ReadAllBytes(path));
        // The write that comes next is refused too (this process now reads the whole file first), and changes nothing.
        LaminAssert.Throws(ErrorIds.RegistryCorrupt, () => Insert(registry, "/data/never"));
        Assert.Equal(damaged, File.ReadAllBytes(path));
        Assert.Equal(lockBefore, File.ReadAllBytes(path + ".lock"));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(path)!, "lamin-log.db")));
    }

    [Fact]
    public void A_page_of_an_unknown_type_is_RegistryCorrupt_on_a_write_that_reads_it()
    {
        var path = NewPath();
        var registry = LaminRegistryTests.NewRegistry(path, storages: 100);
        var page = LastDataPage(path);
        DamageKeepingTheWriteTime(path, page * Page + 4, [0x77]);
        var damaged = File.ReadAllBytes(path);
        var checks = LaminRegistry.WholeFileChecks;
        // The stamp matches (the write time was kept), so no whole-file check: the page check on the way in finds it.
        LaminAssert.Throws(ErrorIds.RegistryCorrupt, () => registry.Write(s => { foreach (var st in s.Storages.FindAll().ToList()) { st.Description = "x"; s.Storages.Update(st); } }));
        Assert.Equal(checks, LaminRegistry.WholeFileChecks);
        Assert.Equal(damaged, File.ReadAllBytes(path));
    }

    [UnixFact, System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void LiteDBs_log_file_is_private_to_its_owner_from_its_first_byte()
    {
        var path = NewPath();
        var registry = LaminRegistryTests.NewRegistry(path, storages: 2);
        var log = Path.Combine(Path.GetDirectoryName(path)!, "lamin-log.db");
        // With checkpoints off, LiteDB keeps committed pages in its log after the session: the log stays to be looked at.
        // (A pragma is set outside a transaction: through a session of the test's own, not a write of Lamin's.)
        registry.Read(s => s.Database.Pragma("CHECKPOINT", 0));
        Insert(registry, "/data/in-the-log");
        Assert.True(File.Exists(log), "the log holds the committed pages");
        Assert.True(new FileInfo(log).Length > 0);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(log));
        // The log is the registry's: its pages are read back, and a checkpoint empties and removes it.
        Assert.Contains(ReadAll(registry), x => x.Root == "/data/in-the-log");
        registry.Read(s => s.Database.Pragma("CHECKPOINT", 1000));
        Insert(registry, "/data/after");
        Assert.False(File.Exists(log));
        Assert.Equal(4, ReadAll(registry).Count);
    }

    [Fact]
    public void A_session_that_only_reads_leaves_no_log_file()
    {
        var path = NewPath();
        var registry = LaminRegistryTests.NewRegistry(path, storages: 3);
        var dir = Path.GetDirectoryName(path)!;
        var before = Directory.GetFiles(dir).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(3, ReadAll(registry).Count);
        Assert.Equal(before, Directory.GetFiles(dir).Select(Path.GetFileName).Order().ToList());
    }
}
