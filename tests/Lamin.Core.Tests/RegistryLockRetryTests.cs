using Lamin.Core.Errors;
using Lamin.Core.Registry;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>The registry lock and access denied (issue 10 item 9): retried on Windows within the timeout, final on Unix.</summary>
[Trait("Platform", "Windows")]
public class RegistryLockRetryTests : IDisposable
{
    private readonly TempDir _temp = new("lamin-lock");

    public void Dispose() => _temp.Dispose();

    private string Registry => Path.Combine(_temp.Path, "lamin.db");

    private static FileStream RealOpen(string p) => new(p, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);

    [Fact]
    public void Access_denied_for_a_moment_is_retried_under_Windows_rules()
    {
        int calls = 0;
        FileStream Open(string p) => ++calls <= 3 ? throw new UnauthorizedAccessException("Access to the path is denied.") : RealOpen(p);
        using (RegistryLock.Acquire(Registry, TimeSpan.FromSeconds(30), CancellationToken.None, Open, accessDeniedIsTransient: true))
            Assert.Equal(4, calls);
        Assert.True(File.Exists(Registry + ".lock"));
    }

    [Fact]
    public void Access_denied_that_lasts_past_the_timeout_is_AccessDenied_not_RegistryBusy()
    {
        int calls = 0;
        FileStream Open(string p) { calls++; throw new UnauthorizedAccessException("Access to the path is denied."); }
        var e = LaminAssert.Throws(ErrorIds.AccessDenied,
            () => RegistryLock.Acquire(Registry, TimeSpan.Zero, CancellationToken.None, Open, accessDeniedIsTransient: true));
        Assert.Contains("permissions", e.Message);
        Assert.Equal(1, calls);
    }

    [Fact]
    public void Under_Unix_rules_access_denied_is_final_at_once()
    {
        int calls = 0;
        FileStream Open(string p) { calls++; throw new UnauthorizedAccessException("Permission denied"); }
        LaminAssert.Throws(ErrorIds.AccessDenied,
            () => RegistryLock.Acquire(Registry, TimeSpan.FromSeconds(30), CancellationToken.None, Open, accessDeniedIsTransient: false));
        Assert.Equal(1, calls);
    }

    [Fact]
    public void The_lock_is_released_after_a_retried_acquire()
    {
        int calls = 0;
        FileStream Open(string p) => ++calls == 1 ? throw new UnauthorizedAccessException("denied") : RealOpen(p);
        RegistryLock.Acquire(Registry, TimeSpan.FromSeconds(30), CancellationToken.None, Open, accessDeniedIsTransient: true).Dispose();
        using var again = RegistryLock.Acquire(Registry, TimeSpan.FromSeconds(30));
        Assert.NotNull(again);
    }
}
