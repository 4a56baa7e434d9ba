using Lamin.Core.Roots;
using Lamin.Core.Storage;
using Lamin.Core.Util;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// The branches that used to ask the OS directly and so always took the Linux path under Windows rules (issue 27):
/// each one now asks the platform of its context, and answers as Windows does under the Windows-like double.
/// </summary>
[Trait("Platform", "Windows")]
public sealed class WindowsSeamTests : WindowsLikeTest
{
    [Fact]
    public void LocalPaths_IsUnder_compares_as_the_platform_compares_paths()
    {
        Assert.False(LocalPaths.IsUnder("/data/Lab/x.csv", "/data/lab"));
        using (LocalPlatform.Use(Win))
        {
            Assert.True(LocalPaths.IsUnder("/data/Lab/x.csv", "/data/lab"));
            Assert.True(LocalPaths.IsUnder(@"C:\Lab\x.csv", @"c:\lab"));
            Assert.True(LocalPaths.IsUnder(@"C:\Lab/x.csv", @"C:\Lab")); // either separator after the root, as Win32 reads it
            Assert.False(LocalPaths.IsUnder(@"C:\Labs\x.csv", @"C:\Lab"));
        }
    }

    [Fact]
    public void StorageRoot_reads_local_roots_with_the_platforms_Windows_path_system()
    {
        var disk = new FakeWindowsPathSystem();
        disk.MappedDrives['Z'] = @"\\nas\share";
        disk.Existing.Add(@"\\nas\share\Lab");
        Win.WindowsPaths = disk;
        using (LocalPlatform.Use(Win))
        {
            Assert.Equal(@"\\nas\share\Lab", StorageRoot.Parse(@"z:\lab", @"C:\Users\alice").Root);
            Assert.Equal(@"\\nas\share\Lab", StorageRoot.Parse(@"\\NAS\share\lab", @"C:\Users\alice").Root);
        }
    }

    [Fact]
    public void The_double_keeps_a_UNC_share_and_an_unknown_short_name_as_typed_as_Win32_does()
    {
        var disk = new FakeWindowsPathSystem();
        disk.Existing.Add(@"\\nas\Share\Lab");
        Assert.Equal(@"\\NAS\SHARE\Lab", disk.GetLongPathName(@"\\NAS\SHARE\lab")); // the root as typed, the rest as on disk
        Assert.Null(disk.GetLongPathName(@"\\nas\Share\LAB~1")); // no 8.3 name was declared: Win32 enumeration never matches one
    }

    [Fact]
    public void Access_denied_on_a_delete_is_retried_under_Windows_rules_and_final_under_Posix_rules()
    {
        var file = Path.Combine(Temp.Path, "held.txt");
        File.WriteAllText(file, "x");
        Win.PendingDelete(file, refusals: 1);
        var root = new StorageRoot(Temp.Path, "local", null, null, null);
        using (LocalPlatform.Use(Win)) LocalStorageProvider.Instance.DeleteUnchecked(root, "held.txt");
        Assert.False(File.Exists(file));
        Assert.Single(Win.Refusals);
        Assert.False(SharingRules.IsTransient(new UnauthorizedAccessException("denied"), isWindows: false));
    }

    [Fact]
    public void A_folder_with_an_open_file_inside_is_refused_access_denied_not_a_sharing_violation()
    {
        var folder = Temp.Sub("f", create: true);
        File.WriteAllText(Path.Combine(folder, "a.txt"), "a");
        Win.HoldOpen(Path.Combine(folder, "a.txt"), FileShare.Read | FileShare.Write | FileShare.Delete);
        Assert.Throws<UnauthorizedAccessException>(() => Win.MoveFolder(folder, Temp.Sub("g")));
        Assert.True(Win.IsTransient(new UnauthorizedAccessException()));
    }

    [Fact]
    public void The_user_handle_the_settings_and_the_owner_only_files_ask_the_platform()
    {
        if (Environment.GetEnvironmentVariable("LAMIN_USER") is { Length: > 0 }) return;
        using (LocalPlatform.Use(new WindowsLikePlatform { UserName = "ada", UserDomain = "CORP" }))
            Assert.Equal(@"CORP\ada", Settings.LaminHome.CurrentUser);
        var home = new Settings.LaminHome(Temp.Sub("home", create: true));
        using (LocalPlatform.Use(Win)) home.CurrentName = "main";
        Assert.Contains(Win.RestrictedWith, r => Path.GetFileName(r.Path).StartsWith(LocalStorageProvider.TempPrefix, StringComparison.Ordinal));
    }

    [Fact]
    public void Durable_writes_flush_each_file_and_folder_under_Windows_rules_instead_of_one_barrier()
    {
        using (LocalPlatform.Use(Win))
        {
            Assert.False(Durable.UseBarrier);
            Assert.False(Durable.FlushFile(Path.Combine(Temp.Path, "x"))); // reported, never thrown
        }
        Assert.Contains(Path.Combine(Temp.Path, "x"), Win.Flushed);
    }

    [Fact]
    public void Liveness_asks_the_process_table_of_the_platform()
    {
        var table = new FakeProcessTable();
        table.Processes[4242] = new ProcessProbe(ProcessState.Alive, null);
        using (LocalPlatform.Use(new WindowsLikePlatform { Processes = table }))
        {
            Assert.True(Processes.IsAlive(4242));
            Assert.False(Processes.IsAlive(4243));
        }
    }
}
