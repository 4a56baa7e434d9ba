using Lamin.Core.Storage;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// SPEC §10 rule 10. A power cut can't be simulated here: these prove the barrier reaches the OS call and
/// reports what it could not do, on a real folder of this machine.
/// </summary>
public class DurabilityTests
{
    [Fact]
    public void Barrier_syncs_a_real_folder_and_its_files()
    {
        using var dir = new TempDir();
        var f = dir.Sub("a.bin");
        File.WriteAllBytes(f, [1, 2, 3]);
        Assert.True(Durable.Barrier([f], [dir.Path]));
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(f));
    }

    [Fact]
    public void Flushing_a_file_keeps_its_bytes_and_a_missing_file_is_reported()
    {
        using var dir = new TempDir();
        var f = dir.Sub("b.bin");
        File.WriteAllBytes(f, [9]);
        Assert.True(Durable.FlushFile(f));
        Assert.Equal(new byte[] { 9 }, File.ReadAllBytes(f));
        Assert.False(Durable.FlushFile(dir.Sub("missing.bin")));
    }

    [Fact]
    public void A_folder_that_does_not_exist_is_reported_not_thrown()
    {
        using var dir = new TempDir();
        if (OperatingSystem.IsLinux()) Assert.False(Durable.SyncFileSystemOf(dir.Sub("nope")));
        Assert.True(Durable.Barrier([], []));
    }
}
