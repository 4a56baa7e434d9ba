using System.Text.Json;
using Lamin.Core.Errors;
using Lamin.Core.Registry;
using Lamin.Core.Roots;
using Lamin.Core.Services;
using Lamin.Core.Settings;
using Lamin.Core.Storage;
using Lamin.Core.Util;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// The Windows faults of issue 27, each driven through the platform seam under the Windows-like double
/// (<see cref="WindowsLikePlatform"/>): the refusals are the ones NTFS gives, on this machine's real folders.
/// </summary>
[Trait("Platform", "Windows")]
public sealed class WindowsFaultsTests : WindowsLikeTest
{
    private StorageRoot Root(string name = "store") => new(Temp.Sub(name, create: true), "local", null, null, null);

    private static void Commit(StorageRoot root, string key, string text, bool replace)
    {
        using var writer = LocalStorageProvider.Instance.CreateWriter(root, folder: false, null, CancellationToken.None);
        using (var s = writer.OpenMember("", text.Length))
        using (var w = new StreamWriter(s)) w.Write(text);
        writer.Commit(key, replace);
    }

    // ---------------------------------------------------------------- (a) renames made durable

    [Fact]
    public void A_file_renamed_into_place_has_its_folder_flushed_under_Windows_rules()
    {
        var root = Root();
        using (LocalPlatform.Use(Win)) Commit(root, "raw/x.csv", "a,b", replace: false);
        Assert.Contains(Path.Combine(root.Root, "raw"), Win.Flushed);
    }

    [Fact]
    public void The_batch_barrier_flushes_the_folders_written_even_with_no_file_named()
    {
        var root = Root();
        // ArtifactService's commit names the roots it wrote, not the files: on Windows that was a barrier that flushed nothing.
        using (LocalPlatform.Use(Win)) Assert.True(Durable.Barrier([], [root.Root]));
        Assert.Contains(root.Root, Win.Flushed);
    }

    // ---------------------------------------------------------------- (b) single-file replaces and settings retried

    [Fact]
    public void A_single_file_replace_refused_while_a_reader_holds_the_target_is_retried()
    {
        var root = Root();
        Commit(root, "k.csv", "v1", replace: false);
        Win.HoldOpen(Path.Combine(root.Root, "k.csv"), FileShare.Read, refusals: 2); // a reader without FILE_SHARE_DELETE
        using (LocalPlatform.Use(Win)) Commit(root, "k.csv", "v2", replace: true);
        Assert.Equal("v2", File.ReadAllText(Path.Combine(root.Root, "k.csv")));
        Assert.Equal(2, Win.Refusals.Count);
        Assert.All(Win.Refusals, r => Assert.Contains("UnauthorizedAccessException", r)); // NTFS: access denied, not a sharing violation
    }

    [Fact]
    public void Connect_while_another_pwsh_reads_current_txt_is_retried()
    {
        using var box = new Sandbox();
        var current = Path.Combine(box.HomeDir, "current.txt");
        Win.HoldOpen(current, FileShare.Read | FileShare.Write, refusals: 2); // Get-Content: read, sharing read and write
        using (LocalPlatform.Use(Win)) new InstanceService(box.As(Sandbox.Alice)).Connect("main");
        Assert.Equal("main", box.Home.CurrentName);
        Assert.Equal(2, Win.Refusals.Count);
    }

    [Fact]
    public void A_settings_write_that_stays_refused_fails_and_leaves_no_temporary()
    {
        var home = new LaminHome(Temp.Sub("home", create: true));
        home.CurrentName = "first";
        Win.HoldOpen(Path.Combine(home.Path, "current.txt"), FileShare.Read);
        using (LocalPlatform.Use(Win)) Assert.ThrowsAny<Exception>(() => home.CurrentName = "second");
        Assert.Equal("first", home.CurrentName);
        Assert.Equal(["current.txt"], Directory.EnumerateFileSystemEntries(home.Path).Select(Path.GetFileName));
        Assert.Equal(SharingRules.RetryDelays.Count + 1, Win.Refusals.Count); // bounded
    }

    // ---------------------------------------------------------------- (c) a sharing refusal on lamin.db

    [Fact]
    public void A_registry_file_held_by_a_sync_client_for_a_moment_is_waited_for()
    {
        var registry = Path.Combine(Temp.Path, "lamin.db");
        File.WriteAllBytes(registry, []);
        Win.HoldOpen(registry, FileShare.Read, refusals: 3); // OneDrive reading it, sharing read only
        using (LocalPlatform.Use(Win))
        using (RegistryLock.Acquire(registry, TimeSpan.FromSeconds(60))) { }
        Assert.Equal(3, Win.Refusals.Count);
        Assert.All(Win.Refusals, r => Assert.Contains("IOException", r));
    }

    [Fact]
    public void A_registry_file_held_past_the_timeout_is_RegistryBusy_not_StorageIoError()
    {
        var registry = Path.Combine(Temp.Path, "lamin.db");
        File.WriteAllBytes(registry, []);
        Win.HoldOpen(registry, FileShare.Read);
        using (LocalPlatform.Use(Win))
        {
            var e = LaminAssert.Throws(ErrorIds.RegistryBusy, () => RegistryLock.Acquire(registry, TimeSpan.Zero));
            Assert.Contains("OneDrive", e.Message);
            // The lock was released with the refusal: the next session gets it once the file is free.
            Win.HoldOpen(registry, FileShare.Read, refusals: 0);
        }
        using (RegistryLock.Acquire(registry, TimeSpan.FromSeconds(60))) { }
    }

    // ---------------------------------------------------------------- (d) ERROR_DIR_NOT_EMPTY on delete-pending names

    [Fact]
    public void A_folder_delete_that_meets_a_name_pending_delete_is_retried()
    {
        var root = Root();
        var folder = Temp.Sub("store/f", create: true);
        File.WriteAllText(Path.Combine(folder, "a.txt"), "a");
        Win.PendingDelete(Path.Combine(folder, "a.txt"), refusals: 2); // an indexer still holds the name for a moment
        using (LocalPlatform.Use(Win)) LocalStorageProvider.Instance.DeleteUnchecked(root, "f");
        Assert.False(Directory.Exists(folder));
        Assert.Equal(2, Win.Refusals.Count);
    }

    // ---------------------------------------------------------------- (e) liveness across kernels with one host name

    private static readonly DateTime Start = new(2026, 11, 26, 8, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void A_temporary_of_a_WSL2_process_with_the_Windows_host_name_is_never_taken_for_dead()
    {
        var gone = new FakeProcessTable(); // this kernel's table has no such pid
        var wsl = new WindowsLikePlatform { HostName = "LAB-PC", KernelIdentity = "linux:wsl-boot:pid:[4026531836]", Processes = gone };
        var windows = new WindowsLikePlatform { HostName = "LAB-PC", KernelIdentity = "windows:7", Processes = gone };
        string name;
        using (LocalPlatform.Use(wsl)) name = (ProcessIdentity.Current() with { Host = "LAB-PC", Pid = 4242, StartTimeUtc = Start }).TemporaryName(".lamin-tmp-");
        using (LocalPlatform.Use(windows))
        {
            var writer = ProcessIdentity.FromTemporaryName(name, ".lamin-tmp-");
            Assert.NotNull(writer);
            Assert.True(writer.IsAlive());
        }
        using (LocalPlatform.Use(wsl)) Assert.False(ProcessIdentity.FromTemporaryName(name, ".lamin-tmp-")!.IsAlive()); // its own kernel knows
    }

    [Fact]
    public void A_lease_of_another_kernel_with_the_same_host_name_is_not_stale_while_it_is_renewed()
    {
        var now = DateTime.UtcNow;
        var json = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["User"] = "ada", ["Host"] = "LAB-PC", ["Pid"] = 4242, ["Since"] = now.AddMinutes(-1), ["Until"] = now.AddMinutes(14),
            ["Operation"] = "Move-LaminStorage", ["Token"] = "t", ["Start"] = Start, ["Kernel"] = ProcessIdentity.KernelToken("linux:wsl-boot"),
        });
        var holder = JsonSerializer.Deserialize<Lease.Holder>(json)!;
        var windows = new WindowsLikePlatform { HostName = "LAB-PC", KernelIdentity = "windows:7", Processes = new FakeProcessTable() };
        using (LocalPlatform.Use(windows)) Assert.False(Lease.IsStale(holder, now));
    }

    // ---------------------------------------------------------------- (f) owner-only ACL

    [Fact]
    public void The_owner_only_ACL_also_grants_SYSTEM_and_Administrators_so_backups_read_the_registry()
    {
        var path = Path.Combine(Temp.Path, "lamin.db");
        File.WriteAllText(path, "");
        using (LocalPlatform.Use(Win)) OwnerOnlyFiles.Restrict(path);
        var (restricted, grantees) = Assert.Single(Win.RestrictedWith);
        Assert.Equal(path, restricted);
        Assert.Contains(OwnerOnlyFiles.LocalSystemSid, grantees);
        Assert.Contains(OwnerOnlyFiles.AdministratorsSid, grantees);
    }

    // ---------------------------------------------------------------- (g) one user handle on every system

    [Fact]
    public void A_local_Windows_account_has_the_handle_it_has_on_Linux_and_old_handles_still_match()
    {
        if (Environment.GetEnvironmentVariable("LAMIN_USER") is { Length: > 0 }) return; // LAMIN_USER overrides the OS user
        var local = new WindowsLikePlatform { UserName = "ada", UserDomain = "LAB-PC", HostName = "LAB-PC" };
        using (LocalPlatform.Use(local))
        {
            Assert.Equal("ada", UserHandles.Current());
            Assert.True(UserHandles.Same(@"LAB-PC\ada", "ada")); // a registry written before: its admin is still its admin here
        }
        var domain = new WindowsLikePlatform { UserName = "ada", UserDomain = "CORP", HostName = "LAB-PC" };
        using (LocalPlatform.Use(domain))
        {
            Assert.Equal(@"CORP\ada", UserHandles.Current());
            Assert.False(UserHandles.Same(@"CORP\ada", "ada")); // a domain account is never a local one
        }
    }

    // ---------------------------------------------------------------- (h) drive-relative roots

    [Fact]
    public void A_root_relative_to_another_drive_is_refused_with_what_to_type_not_read_from_cmd_variables()
    {
        var e = LaminAssert.Throws(ErrorIds.InvalidRoot, () => StorageRoot.Parse("D:lab", @"C:\Users\alice", Win32PathSystem.Instance));
        Assert.Contains(@"D:\", e.Message);
        // On the current location's own drive PowerShell's location is the one passed in.
        Assert.Equal(@"C:\Users\alice\lab", WindowsPaths.Canonicalize("C:lab", @"C:\Users\alice"));
    }

    // ---------------------------------------------------------------- (i) one probe per root per context

    [Fact]
    public void An_audit_asks_about_an_unreachable_location_once_per_context()
    {
        using var box = new Sandbox();
        var share = box.Folder("share");
        box.Register(share);
        Directory.Delete(share, recursive: true); // the share went away (a file server that is down)
        using (LocalPlatform.Use(Win))
        {
            var audit = new AuditService(box.As(Sandbox.Alice));
            void All()
            {
                audit.TestStorage(null);
                audit.TestArtifacts(null, null, hash: false, null, CancellationToken.None);
                audit.FindOrphans(null, null);
            }
            All();
            var first = Win.Probes.Count(p => p == share);
            Assert.InRange(first, 1, 2); // its canonical form, its file system's rules: each asked once
            All();
            Assert.Equal(first, Win.Probes.Count(p => p == share)); // the same context asks no more
        }
    }
}
