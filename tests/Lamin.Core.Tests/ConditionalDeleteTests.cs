using Lamin.Core.Errors;
using Lamin.Core.Roots;
using Lamin.Core.Safety;
using Lamin.Core.Storage;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// Issue 25: a delete of an object a command did not create is conditional on the identity the command verified
/// (<see cref="Gate.Permit.Expecting"/>). Locally: size, last-write time and (Linux) inode, re-read right before the
/// unlink. The S3 (If-Match) and GCS (ifGenerationMatch) forms are exercised through the cmdlets against the local
/// servers (tests/Pester/DataSafety.ConditionalDelete.Tests.ps1).
/// </summary>
public class ConditionalDeleteTests : IDisposable
{
    private readonly Sandbox _sb = new();
    public void Dispose() => _sb.Dispose();

    private (StorageRoot Root, string Path, ObjectVersion Version) Verified(string name, string text)
    {
        var folder = _sb.Folder(name);
        var path = Path.Combine(folder, "data.bin");
        File.WriteAllText(path, text);
        var root = StorageRoot.Parse(folder, "/");
        var version = LocalStorageProvider.Instance.Version(root, "data.bin");
        Assert.NotNull(version);
        return (root, path, version!);
    }

    private static Gate.Permit Permit(StorageRoot root, ObjectVersion version) =>
        Gate.OwnObject(root, "data.bin", false, new GateScope("test")).Expecting(version);

    [Fact]
    public void An_unchanged_file_is_deleted()
    {
        var (root, path, version) = Verified("same", "verified bytes");
        Gate.Delete(Permit(root, version));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void A_file_overwritten_since_it_was_verified_is_kept_and_reported_even_with_the_same_size()
    {
        var (root, path, version) = Verified("overwritten", "verified bytes");
        File.WriteAllText(path, "other  client!"); // same length, other bytes, written later
        File.SetLastWriteTimeUtc(path, version.Modified!.Value.AddSeconds(1)); // as any later write (not left to clock resolution)
        var e = Assert.Throws<LaminException>(() => Gate.Delete(Permit(root, version)));
        Assert.Equal(ErrorIds.FileChanged, e.ErrorId);
        Assert.Contains(path, e.Message);
        Assert.Equal("other  client!", File.ReadAllText(path));
    }

    [Fact]
    public void A_file_replaced_by_a_rename_with_the_same_size_and_time_is_kept_where_the_inode_is_known()
    {
        if (!OperatingSystem.IsLinux()) return; // the inode is read on Linux only (statx)
        var (root, path, version) = Verified("renamed", "verified bytes");
        Assert.NotNull(version.Inode);
        var other = path + ".new";
        File.WriteAllText(other, "other  client!");
        File.SetLastWriteTimeUtc(other, version.Modified!.Value); // a copy that kept the time (cp -p, rsync -a)
        File.Move(other, path, overwrite: true);
        Assert.Equal(ErrorIds.FileChanged, Assert.Throws<LaminException>(() => Gate.Delete(Permit(root, version))).ErrorId);
        Assert.Equal("other  client!", File.ReadAllText(path));
    }

    [Fact]
    public void A_file_already_gone_is_not_an_error_and_a_folder_now_at_the_key_is_kept()
    {
        var (root, path, version) = Verified("gone", "verified bytes");
        File.Delete(path);
        Gate.Delete(Permit(root, version));
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "member"), "x");
        Assert.Equal(ErrorIds.FileChanged, Assert.Throws<LaminException>(() => Gate.Delete(Permit(root, version))).ErrorId);
        Assert.True(File.Exists(Path.Combine(path, "member")));
    }

    [Fact]
    public void A_conditional_permit_is_for_one_file_never_a_folders_members()
    {
        var root = StorageRoot.Parse(_sb.Folder("folder"), "/");
        Assert.Throws<InvalidOperationException>(() => Gate.OwnObject(root, "raw", true, new GateScope("test")).Expecting(new ObjectVersion(1)));
    }
}
