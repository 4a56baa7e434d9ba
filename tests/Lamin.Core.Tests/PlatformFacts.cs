using Xunit;

namespace Lamin.Core.Tests;

/// <summary>A fact that needs Unix (symlinks without privileges, '/' roots, Unix file modes): skipped, not passed, on Windows.</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = "Unix only (symlinks, '/' roots or Unix file modes).";
    }
}

/// <summary>A theory that needs Unix: skipped, not passed, on Windows.</summary>
public sealed class UnixTheoryAttribute : TheoryAttribute
{
    public UnixTheoryAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = "Unix only ('/' paths).";
    }
}

/// <summary>A fact about a real Linux folder (case-sensitive file systems): skipped elsewhere.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "Linux only.";
    }
}
