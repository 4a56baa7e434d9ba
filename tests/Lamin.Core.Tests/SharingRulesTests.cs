using Lamin.Core.Storage;
using Lamin.Core.Util;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>Folder operations that refuse chosen calls as Windows does when an indexer holds a file.</summary>
public sealed class RefusingFolderOperations(Func<string, string, int, Exception?> refuse) : IFolderOperations
{
    public int Calls { get; private set; }
    public void Move(string from, string to) { if (refuse("move", from, ++Calls) is { } e) throw e; Directory.Move(from, to); }
    public void Delete(string path) { if (refuse("delete", path, ++Calls) is { } e) throw e; Directory.Delete(path, true); }
    public bool Exists(string path) => Directory.Exists(path);
}

/// <summary>Sharing rules and the folder replace (issue 10 items 2 and 5), under Windows errors, on every OS.</summary>
[Trait("Platform", "Windows")]
public class SharingRulesTests : IDisposable
{
    private readonly TempDir _temp = new("lamin-share");
    private static readonly IOException Sharing = new("The process cannot access the file because it is being used by another process.", unchecked((int)0x80070020));

    public void Dispose() => _temp.Dispose();

    private string Folder(string name, string content)
    {
        var d = _temp.Sub(name, create: true);
        File.WriteAllText(Path.Combine(d, "member.txt"), content);
        return d;
    }

    private static string Content(string folder) => File.ReadAllText(Path.Combine(folder, "member.txt"));

    [Fact]
    public void A_replace_whose_move_in_is_refused_puts_the_previous_version_back()
    {
        var final = Folder("final", "v1");
        var staged = Folder("staged", "v2");
        var aside = Path.Combine(_temp.Path, ".lamin-tmp-old");
        var ops = new RefusingFolderOperations((op, from, _) => op == "move" && from == staged ? new IOException("denied by the indexer") : null);
        Assert.Throws<IOException>(() => FolderReplace.Replace(staged, final, aside, ops, _ => false, _ => { }));
        Assert.Equal("v1", Content(final));
        Assert.False(Directory.Exists(aside)); // nothing left under a temporary name for orphan clearing
        Assert.Equal("v2", Content(staged));
    }

    [Fact]
    public void A_sharing_violation_for_a_moment_is_retried_and_the_replace_completes()
    {
        var final = Folder("final", "v1");
        var staged = Folder("staged", "v2");
        var aside = Path.Combine(_temp.Path, ".lamin-tmp-old");
        int refusals = 0;
        var ops = new RefusingFolderOperations((op, from, _) => op == "move" && from == staged && refusals++ < 2 ? Sharing : null);
        var waits = new List<TimeSpan>();
        Assert.True(FolderReplace.Replace(staged, final, aside, ops, e => SharingRules.IsTransient(e, isWindows: true), waits.Add));
        Assert.Equal("v2", Content(final));
        Assert.Equal(2, waits.Count);
        Assert.False(Directory.Exists(aside));
    }

    [Fact]
    public void An_old_version_that_cannot_be_deleted_is_reported_not_lost()
    {
        var final = Folder("final", "v1");
        var staged = Folder("staged", "v2");
        var aside = Path.Combine(_temp.Path, ".lamin-tmp-old");
        var ops = new RefusingFolderOperations((op, _, _) => op == "delete" ? new UnauthorizedAccessException("read-only") : null);
        Assert.False(FolderReplace.Replace(staged, final, aside, ops, _ => false, _ => { }));
        Assert.Equal("v2", Content(final));
        Assert.Equal("v1", Content(aside));
    }

    [Fact]
    public void Access_denied_is_transient_on_Windows_and_a_permission_on_Unix()
    {
        var denied = new UnauthorizedAccessException("denied");
        Assert.True(SharingRules.IsTransient(denied, isWindows: true));
        Assert.False(SharingRules.IsTransient(denied, isWindows: false));
        Assert.True(SharingRules.IsTransient(Sharing, isWindows: false));
        Assert.False(SharingRules.IsTransient(new IOException("disk full", unchecked((int)0x80070070)), isWindows: true));
    }

    [Fact]
    public void Retry_gives_up_after_its_delays_with_the_last_error()
    {
        int calls = 0;
        var e = Assert.Throws<IOException>(() => SharingRules.Retry(() => { calls++; throw Sharing; }, _ => true, _ => { }));
        Assert.Same(Sharing, e);
        Assert.Equal(SharingRules.RetryDelays.Count + 1, calls);
    }

    [Fact]
    public void Files_are_read_with_sharing_that_lets_others_rename_and_delete_them()
    {
        Assert.True(SharingRules.ReadShare.HasFlag(FileShare.Delete));
        var path = Path.Combine(_temp.Path, "held.txt");
        File.WriteAllText(path, "x");
        using var reader = SharingRules.OpenRead(path);
        File.Move(path, path + ".renamed"); // refused on Windows without FileShare.Delete
        Assert.True(File.Exists(path + ".renamed"));
    }

    [Fact]
    public void The_user_handle_on_Windows_carries_the_domain()
    {
        Assert.Equal(@"CORP\Administrator", UserHandles.FromOs("Administrator", "CORP", isWindows: true));
        Assert.Equal("Administrator", UserHandles.FromOs("Administrator", "CORP", isWindows: false));
        Assert.False(UserHandles.Same(@"LAB-PC\Administrator", @"CORP\Administrator"));
        Assert.False(UserHandles.Same("Administrator", @"CORP\Administrator"));
        Assert.True(UserHandles.Same(@"corp\administrator", @"CORP\Administrator"));
    }

    [Fact]
    public void Owner_only_files_use_the_Windows_ACL_seam_under_Windows_rules()
    {
        var fake = new FakeWindowsPathSystem();
        var path = Path.Combine(_temp.Path, "lamin.db");
        File.WriteAllText(path, "");
        OwnerOnlyFiles.Restrict(path, fake);
        Assert.Equal([path], fake.Restricted);
    }
}

[Trait("Platform", "Posix")]
public class OwnerOnlyFilesPosixTests
{
    [UnixFact, System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Owner_only_is_mode_0600_on_Unix()
    {
        using var temp = new TempDir("lamin-owner");
        var path = Path.Combine(temp.Path, "settings.json");
        File.WriteAllText(path, "{}");
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
        OwnerOnlyFiles.Restrict(path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }
}
